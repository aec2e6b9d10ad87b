"""Exchange kinds, registered by name. Adding one: a module implementing ``mappings.base.ExchangeKind``
(or ``OutboundKind``) and a line in ``_BUILTIN``; a kind of a site's own registers with a ``kinds:``
line in hub.yaml instead (``register``)."""

from __future__ import annotations

import importlib

from mappings.base import ExchangeKind, MappingOptions

_BUILTIN = {
    "meter-reads": "mappings.meter_reads:MeterReadsMapping",
    "ach-returns": "mappings.ach_returns:AchReturnsMapping",
    "ach-debits": "mappings.ach_debits:AchDebitsMapping",
    "bai2-deposits": "mappings.bai2_deposits:Bai2DepositsMapping",
    "lockbox-payments": "mappings.lockbox_payments:LockboxPaymentsMapping",
}
_registered = dict(_BUILTIN)


def register(name: str, target: str) -> None:
    """Register kind ``name`` as ``"package.module:Class"``; a name may not be taken twice."""
    held = _registered.get(name)
    if held is not None and held != target:
        raise ValueError(f"kind {name!r} is registered already, as {held}")
    _registered[name] = target


def get_kind(name: str) -> type[ExchangeKind[MappingOptions]]:
    """The kind registered as ``name``; KeyError with the known names otherwise (also when its
    registration names a module or class that is not there)."""
    try:
        target = _registered[name]
    except KeyError:
        raise KeyError(f"unknown exchange kind {name!r} (known: {', '.join(sorted(_registered))})") from None
    module, cls = target.split(":")
    try:
        found: type[ExchangeKind[MappingOptions]] = getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError) as exc:
        raise KeyError(f"kind {name!r} cannot be loaded from {target}: {exc}") from None
    return found


def kinds() -> list[str]:
    return sorted(_registered)

"""Exchange kinds (mappings), registered by name. Adding one: a module implementing
``mappings.base.Mapping`` and a line in ``_BUILTIN``."""

from __future__ import annotations

import importlib

from mappings.base import Mapping, MappingOptions

_BUILTIN = {
    "meter-reads": "mappings.meter_reads:MeterReadsMapping",
    "ach-returns": "mappings.ach_returns:AchReturnsMapping",
    "ach-debits": "mappings.ach_debits:AchDebitsMapping",
    "bai2-deposits": "mappings.bai2_deposits:Bai2DepositsMapping",
    "lockbox-payments": "mappings.lockbox_payments:LockboxPaymentsMapping",
}


def get_mapping(kind: str) -> type[Mapping[MappingOptions]]:
    try:
        target = _BUILTIN[kind]
    except KeyError:
        raise KeyError(f"unknown exchange kind {kind!r} (known: {', '.join(sorted(_BUILTIN))})") from None
    module, cls = target.split(":")
    found: type[Mapping[MappingOptions]] = getattr(importlib.import_module(module), cls)
    return found


def kinds() -> list[str]:
    return sorted(_BUILTIN)

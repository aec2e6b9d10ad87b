"""File formats, registered by name. Adding one: a module implementing ``formats.base.Format`` and a
line in ``_BUILTIN``; a format of a site's own registers with a ``formats:`` line in hub.yaml
instead (``register``)."""

from __future__ import annotations

import importlib

from formats.base import Format, FormatOptions

_BUILTIN = {
    "meter-reads": "formats.meter_reads:MeterReadsFormat",
    "nacha": "formats.nacha:NachaFormat",
    "debit-extract": "formats.debit_extract:DebitExtractFormat",
    "lockbox": "formats.lockbox:LockboxFormat",
    "bai2": "formats.bai2:Bai2Format",
}
_registered = dict(_BUILTIN)


def register(name: str, target: str) -> None:
    """Register format ``name`` as ``"package.module:Class"``; a name may not be taken twice."""
    held = _registered.get(name)
    if held is not None and held != target:
        raise ValueError(f"format {name!r} is registered already, as {held}")
    _registered[name] = target


def get_format(name: str) -> type[Format[FormatOptions]]:
    """The format class registered as ``name``; KeyError with the known names otherwise (also when
    its registration names a module or class that is not there)."""
    try:
        target = _registered[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r} (known: {', '.join(sorted(_registered))})") from None
    module, cls = target.split(":")
    try:
        found: type[Format[FormatOptions]] = getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError) as exc:
        raise KeyError(f"format {name!r} cannot be loaded from {target}: {exc}") from None
    return found


def format_names() -> list[str]:
    return sorted(_registered)

"""File formats, registered by name. Adding one: a module implementing ``formats.base.Format`` and a
line in ``_BUILTIN``."""

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


def get_format(name: str) -> type[Format[FormatOptions]]:
    """The format class registered as ``name``; KeyError with the known names otherwise."""
    try:
        target = _BUILTIN[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r} (known: {', '.join(sorted(_BUILTIN))})") from None
    module, cls = target.split(":")
    found: type[Format[FormatOptions]] = getattr(importlib.import_module(module), cls)
    return found


def format_names() -> list[str]:
    return sorted(_BUILTIN)

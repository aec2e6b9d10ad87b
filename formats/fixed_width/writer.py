"""Values -> one record of a layout: what the reader reads back identically. A value that does not fit
its field, or is not printable ASCII, is refused with ``MappingError`` (never cut); a sensitive value is
not shown in the message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from formats.fixed_width.layout import Record
from hub.kernel.errors import MappingError


def _printable(text: str) -> bool:
    return text.isascii() and text.isprintable()


def render(
    record: Record, values: Mapping[str, object], *, label: str, data: str = "", pad_to: int | None = None
) -> str:
    """``record`` with ``values`` by field name (a missing, None or "" value leaves the field blank):
    numbers right-justified with zeros, text left-justified with blanks, dates in their kind's format;
    ``data`` is free data from the record's ``data_start`` (trailing blanks dropped). A record ends at
    its width, or where its fields (or its free data) end, or at ``pad_to``. ``label`` names the
    format in messages."""
    out = [" "] * record.length
    out[0] = record.type
    for f in record.fields:
        value = values.get(f.name)
        if value is None or value == "":
            continue
        kind = record.kind(f)
        shown = "****" if f.sensitive else repr(value)
        if isinstance(value, date):
            text = value.strftime(kind.date_format) if kind.date_format else ""
        elif kind.numeric or isinstance(value, int):
            text = str(value).rjust(f.width, "0")
        else:
            text = str(value).ljust(f.width)
        if len(text) != f.width or (kind.numeric and not (text.isascii() and text.isdigit())):
            raise MappingError(
                f"{label} {f.name} {shown} does not fit positions {f.positions} ({f.width} {f.kind})"
            )
        if not _printable(text):
            raise MappingError(f"{label} {f.name} {shown} is not printable ASCII (positions {f.positions})")
        out[f.start - 1 : f.end] = text
    line = "".join(out)
    free = data.rstrip(" ")
    if free:
        if record.data_start is None:
            raise MappingError(f"a {label} {record.name} record holds no free data")
        if not _printable(free):
            raise MappingError(f"{label} free data {free!r} is not printable ASCII")
        line = line.ljust(record.data_start - 1) + free
    if pad_to is not None:
        line = line.ljust(pad_to)
    longest = record.record_length or record.max_record_length
    if longest is not None and len(line) > longest:
        raise MappingError(
            f"a {label} {record.type} record of {len(line)} characters is longer than the maximum {longest}"
        )
    return line

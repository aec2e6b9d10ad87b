"""Delimited text -> a table of string columns with each row's physical line number.

Every value is read as a string (type guessing drops leading zeros and misreads codes like ``NA``);
typing is the validator's job. A plain file goes to polars whole (``_fast``); one with quotes,
blank lines or rows of the wrong number of fields is split into lines by numpy and its good lines
read by polars, its others one by one so each problem names its line (``_by_lines``); only a quote
the csv module alone can place (or a quoted line end) takes the csv module row by row (``_exact``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

import polars as pl

from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE

BOM = b"\xef\xbb\xbf"


@dataclass
class CsvTable:
    header: list[str]
    table: pl.DataFrame  # string columns named as in the header, plus LINE
    problems: list[Problem] = field(default_factory=list)
    blank_lines: int = 0

    def facts(self, used: Collection[str]) -> dict[str, object]:
        """What a file's report says of its header: the columns, those not ``used``, blank lines."""
        return {
            "header": self.header,
            "ignored_columns": [h for h in self.header if h not in set(used)],
            "blank_lines": self.blank_lines,
        }


def decode(data: bytes, encoding: str, file: str) -> bytes:
    """Return UTF-8 bytes without a BOM; a byte that is not valid in ``encoding`` is a ParseError
    naming its line and column."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        if data.isascii():
            return data
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            _raise_decode(data, exc, encoding, file)
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        _raise_decode(data, exc, encoding, file)
    except LookupError:
        raise ParseError(
            f"unknown encoding {encoding!r}", file=file, line=None, column=None, rule="encoding"
        ) from None


def _raise_decode(data: bytes, exc: UnicodeDecodeError, encoding: str, file: str) -> NoReturn:
    line = data.count(b"\n", 0, exc.start) + 1
    # a character position, as an editor shows it: the bytes before the bad one on its line decode
    col = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode(encoding, "replace")) + 1
    bad = data[exc.start : exc.start + 1].hex()
    raise ParseError(
        f"byte 0x{bad} is not valid {encoding}",
        file=file,
        line=line,
        column=f"column {col}",
        rule="encoding",
        value=f"0x{bad}",
    ) from None


def read_delimited(
    data: bytes, *, file: str, delimiter: str = ",", sensitive: Collection[str] = ()
) -> CsvTable:
    """Read UTF-8 delimited bytes with a header line. Raises ParseError for file-level failures (no
    header, duplicate column names, broken quoting); rows with the wrong number of fields become
    row problems, whose value masks the cells in the position of a ``sensitive`` header column.
    Empty cells are null."""
    if not data or data.isspace():
        raise ParseError(
            "the file is empty (no header line)", file=file, line=1, column=None, rule="empty_file"
        )
    first_end = data.find(b"\n")
    header_bytes = data if first_end < 0 else data[:first_end]
    header = _header(header_bytes.decode("utf-8").rstrip("\r"), delimiter, file)
    start = len(data) if first_end < 0 else first_end + 1
    fast = _fast(data, start, header, delimiter)
    if fast is not None:
        return CsvTable(header=header, table=fast)
    by_lines = _by_lines(data, start, header, delimiter, sensitive)
    if by_lines is not None:
        return by_lines
    return _exact(data, header, delimiter, file, sensitive)


def present_columns(
    raw: CsvTable, header_of: dict[str, str], required: Collection[str], file: str
) -> dict[str, str]:
    """Our field name -> the partner's header name, for the fields the header has; a missing
    required column is a file-level ParseError naming it and the header there is."""
    missing = [f"{header_of[f]!r}" for f in required if header_of[f] not in raw.header]
    if missing:
        raise ParseError(
            f"missing required column(s) {', '.join(missing)}; the header has {', '.join(raw.header)}",
            file=file,
            line=1,
            column=None,
            rule="missing_column",
        )
    return {f: h for f, h in header_of.items() if h in raw.header}


def read_fields(
    data: bytes,
    *,
    file: str,
    fields: Sequence[str],
    required: Collection[str],
    columns: Mapping[str, str],
    delimiter: str = ",",
    encoding: str = "utf-8",
    sensitive: Collection[str] = (),
) -> tuple[pl.DataFrame, list[Problem], dict[str, object]]:
    """A delimited file of our ``fields`` (the partner's header names through ``columns``): one
    string column per field in that order (blank or absent: null; values stripped) and ``LINE``,
    the rows that could not be read, and the header's facts. A missing required column is a
    ParseError naming it."""
    text = decode(data, encoding, file)
    header_of = {f: columns.get(f, f) for f in fields}
    raw = read_delimited(text, file=file, delimiter=delimiter, sensitive=[header_of[f] for f in sensitive])
    present = present_columns(raw, header_of, required, file)
    table = raw.table.select(
        *[pl.col(h).str.strip_chars().replace("", None).alias(f) for f, h in present.items()],
        *[pl.lit(None, pl.String).alias(f) for f in fields if f not in present],
        pl.col(LINE),
    ).select(*fields, LINE)
    return table, raw.problems, raw.facts(present.values())


def _header(line: str, delimiter: str, file: str) -> list[str]:
    try:
        names = [n.strip() for n in next(csv.reader([line], delimiter=delimiter))]
    except csv.Error as exc:  # e.g. a bare CR (old Mac line ends) inside the first line
        raise ParseError(
            f"the header line cannot be read: {exc}", file=file, line=1, column=None, rule="header"
        ) from None
    if not any(names):
        raise ParseError(
            "the first line is blank; expected the header", file=file, line=1, column=None, rule="header"
        )
    seen: set[str] = set()
    for pos, name in enumerate(names, start=1):
        if not name:
            raise ParseError(
                f"header field {pos} is empty", file=file, line=1, column=f"field {pos}", rule="header"
            )
        if name == LINE:
            raise ParseError(
                f"column name {LINE!r} is reserved for the line number",
                file=file,
                line=1,
                column=f"field {pos}",
                rule="header",
                value=name,
            )
        if name in seen:
            raise ParseError(
                f"column {name!r} appears twice in the header",
                file=file,
                line=1,
                column=f"field {pos}",
                rule="duplicate_column",
                value=name,
            )
        seen.add(name)
    return names


def _fast(data: bytes, start: int, header: list[str], delimiter: str) -> pl.DataFrame | None:
    """polars on plain files: no quotes, no blank lines, every line with the header's field count.
    ``start`` is where the body begins; the checks scan ``data`` in place (a 70 MB copy costs more
    than the scans)."""
    if _blank_from(data, start) or not _plain(data, start):  # blank lines are counted elsewhere
        return None
    end = len(data)
    while data[end - 1 : end] in (b"\n", b"\r"):
        end -= 1
    from formats.csv_lines import count_byte

    lines = count_byte(data, ord("\n"), start, end) + 1
    frame = _read(data, header, delimiter, skip_rows=1)
    # A blank line would shift the line numbers; polars fills short rows with nulls and refuses
    # long ones, except a last line's extra empty fields. One row per physical line, the last
    # line's delimiters and all of them prove every row is complete and numbered right.
    if frame is None or frame.height != lines:
        return None
    sep, last = delimiter.encode(), max(start, data.rfind(b"\n", start, end) + 1)
    if data.count(sep, last, end) != len(header) - 1:
        return None
    if count_byte(data, sep[0], start) != (len(header) - 1) * frame.height:
        return None
    return frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))


def _read(
    data: bytes, header: list[str], delimiter: str, *, skip_rows: int, quoted: bool = False
) -> pl.DataFrame | None:
    """Lines read by polars as string columns named by ``header``, empty values null (None when
    polars refuses them or finds another number of columns). ``quoted``: fields may be quoted."""
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            skip_rows=skip_rows,
            new_columns=header,
            infer_schema=False,
            separator=delimiter,
            quote_char='"' if quoted else None,
        )
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if frame.width != len(header):
        return None
    if quoted:  # a quoted empty value is "" to polars, nothing to the csv module
        frame = frame.with_columns(pl.col(name).replace("", None) for name in header)
    return frame


def _plain(data: bytes, start: int) -> bool:
    """Whether ``data[start:]`` has no quotes and no bare CR: each line is then one record and its
    fields are what lies between delimiters, as the csv module reads them."""
    return data.find(b'"', start) < 0 and not _bare_cr(data, start)


def _bare_cr(data: bytes, start: int) -> bool:
    """Whether ``data[start:]`` has a CR not followed by LF: it ends a record for the csv module
    but not for polars (find is cheaper than count)."""
    return data.find(b"\r", start) >= 0 and data.count(b"\r", start) != data.count(b"\r\n", start)


def _by_lines(
    data: bytes, start: int, header: list[str], delimiter: str, sensitive: Collection[str]
) -> CsvTable | None:
    """A body that ``_fast`` declined (quotes, blank lines, rows of the wrong field count) read
    without the csv module's row-by-row Python (4 s a million rows): numpy finds each line's fields
    (``formats.csv_lines``), polars reads the lines that have the header's count, and only the
    others (usually a few) are read one by one. The same table, problems and blank-line count as
    ``_exact``; None (the exact path) for a quote only the csv module can place."""
    import numpy as np

    from formats.csv_lines import scan

    width, sep = len(header), delimiter.encode()
    if width < 2 or len(sep) != 1 or sep == b'"' or _bare_cr(data, start):
        return None
    lines = scan(data, start, sep[0])
    if lines is None:
        return None
    odd = np.flatnonzero(lines.fields != width)
    problems: list[Problem] = []
    blank = 0
    hidden = {pos for pos, name in enumerate(header) if name in sensitive}
    kept, resume = [], start  # the lines between the odd ones, as they are in the file
    for index in odd.tolist():
        begin, stop = start + int(lines.begins[index]), start + int(lines.stops[index])
        kept.append(data[resume:begin])
        resume = stop + 1
        text = data[begin:stop].decode("utf-8").removesuffix("\r")
        try:
            record = next(csv.reader([text], delimiter=delimiter, strict=True), [])
        except csv.Error:  # not expected once ``scan`` placed the quotes: the exact path says why
            return None
        if not record or (len(record) == 1 and not record[0].strip()):  # as ``_exact``: blank
            blank += 1
            continue
        problems.append(
            Problem.of(
                "field_count",
                f"expected {width} fields as in the header, found {len(record)}",
                line=index + 2,
                value=delimiter.join((mask(v) or "") if pos in hidden else v for pos, v in enumerate(record)),
            )
        )
    kept.append(data[resume:])
    numbers = pl.Series(LINE, np.delete(np.arange(2, lines.begins.size + 2, dtype=np.int64), odd))
    if not numbers.len():
        return CsvTable(header=header, table=_empty(header), problems=problems, blank_lines=blank)
    frame = _read(b"".join(kept), header, delimiter, skip_rows=0, quoted=lines.quoted)
    if frame is None or frame.height != numbers.len():
        return None
    return CsvTable(header=header, table=frame.with_columns(numbers), problems=problems, blank_lines=blank)


def _blank_from(data: bytes, start: int) -> bool:
    """Whether ``data[start:]`` is empty or whitespace, without copying it when it is not."""
    if start >= len(data):
        return True
    return data[start : start + 4096].isspace() and data[start:].isspace()


def might_need_strip(data: bytes) -> bool:
    """Whether a cell of ``data`` may have leading or trailing whitespace (a cheap byte scan)."""
    return not data.isascii() or any(c in data for c in (b" ", b"\t", b"\x0b", b"\x0c"))


def _empty(header: list[str]) -> pl.DataFrame:
    return pl.DataFrame(schema={**{h: pl.String for h in header}, LINE: pl.Int64})


def _exact(data: bytes, header: list[str], delimiter: str, file: str, sensitive: Collection[str]) -> CsvTable:
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns: list[list[str | None]] = [[] for _ in header]
    lines: list[int] = []
    problems: list[Problem] = []
    blank = 0
    start = 1
    hidden = {pos for pos, name in enumerate(header) if name in sensitive}
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            if line == 1:
                continue
            if not record or (len(record) == 1 and not record[0].strip()):
                blank += 1
                continue
            if len(record) != len(header):
                problems.append(
                    Problem.of(
                        "field_count",
                        f"expected {len(header)} fields as in the header, found {len(record)}",
                        line=line,
                        value=delimiter.join(
                            (mask(v) or "") if pos in hidden else v for pos, v in enumerate(record)
                        ),
                    )
                )
                continue
            for col, value in zip(columns, record, strict=True):
                col.append(value or None)
            lines.append(line)
    except csv.Error as exc:
        raise ParseError(
            f"malformed quoting: {exc}", file=file, line=start, column=None, rule="quoting"
        ) from None
    frame = pl.DataFrame(
        {
            **{h: pl.Series(h, c, pl.String) for h, c in zip(header, columns, strict=True)},
            LINE: pl.Series(LINE, lines, pl.Int64),
        }
    )
    return CsvTable(header=header, table=frame, problems=problems, blank_lines=blank)

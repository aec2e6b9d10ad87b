"""An agency's Excel .xlsx workbook -> the same string table a CSV gives (``CsvTable``).

Read with openpyxl, a maintained reader, never by hand. The sheet is the one named in the options,
else the workbook's only sheet holding data (several such sheets: refused, naming them and the
option). The header is the first row holding a value; each row's ``LINE`` is its row number in the
sheet. Cells become text as a person reads them: a whole number without ``.0``, a decimal in its
shortest exact spelling, a date cell as ``YYYY-MM-DD``; a number in a date column is an Excel
serial date. Refused with a clear reason (``ParseError``): a workbook that cannot be opened, merged
cells (which row a merged value belongs to is a guess), and a formula whose result the workbook
does not hold (saved by a program that does not compute formulas). A formula with a saved result
reads as that result.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from formats.csv_table import CsvTable
from hub.kernel.errors import ParseError
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap-year bug included)


def _fail(
    message: str, file: str, rule: str, *, line: int | None = None, value: str | None = None
) -> ParseError:
    return ParseError(message, file=file, line=line, column=None, rule=rule, value=value)


def _sheet(book: Any, name: str | None, file: str) -> Worksheet:
    sheets: list[Worksheet] = list(book.worksheets)
    if name is not None:
        if name not in book.sheetnames:
            raise _fail(
                f"the workbook has no sheet {name!r} (format_options.sheet); "
                f"it has {', '.join(book.sheetnames)}",
                file,
                "sheet",
                value=name,
            )
        found: Worksheet = book[name]
        return found
    with_data = [s for s in sheets if s.max_row > 1 or s.cell(1, 1).value is not None]
    if len(with_data) > 1:
        raise _fail(
            f"the workbook has {len(with_data)} sheets with data ({', '.join(s.title for s in with_data)}); "
            "name the one to read in format_options.sheet",
            file,
            "sheet",
        )
    return with_data[0] if with_data else sheets[0]


def _text(value: object, *, is_date: bool) -> str | None:
    """A cell as the text a person reads in it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() or is_date else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        if is_date and float(value).is_integer() and 0 < value < 2_958_466:  # up to 9999-12-31
            return (EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value)  # the shortest text that reads back as the same number (12.5, 0.1)
    if isinstance(value, timedelta | time):
        return str(value)
    return str(value)


def read_workbook(data: bytes, *, file: str, sheet: str | None, dates: Collection[str]) -> CsvTable:
    """The sheet's rows as string columns named by its header row, plus ``LINE`` (the row number).
    ``dates``: the header names of date columns (a number there is an Excel serial date)."""
    from openpyxl import load_workbook

    try:
        formulas = load_workbook(io.BytesIO(data), data_only=False)
        values = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) on a broken workbook
        raise _fail(f"the workbook cannot be read: {exc}", file, "workbook") from None
    ws_f = _sheet(formulas, sheet, file)
    ws_v = values[ws_f.title]
    merged = [str(r) for r in ws_f.merged_cells.ranges]
    if merged:
        raise _fail(
            f"sheet {ws_f.title!r} has merged cells ({', '.join(merged[:5])}); unmerge them so each "
            "pledge is one row",
            file,
            "merged-cells",
            value=merged[0],
        )
    rows_f = list(ws_f.iter_rows())
    rows_v = list(ws_v.iter_rows(values_only=True))
    header_at = next((i for i, row in enumerate(rows_v) if any(v not in (None, "") for v in row)), None)
    if header_at is None:
        raise _fail(f"sheet {ws_f.title!r} is empty (no header row)", file, "empty_file", line=1)
    header = [("" if v is None else str(v)).strip() for v in rows_v[header_at]]
    while header and not header[-1]:
        header.pop()
    for pos, name in enumerate(header, start=1):
        if not name:
            raise _fail(f"header cell {pos} is empty", file, "header", line=header_at + 1)
    if len(set(header)) != len(header):
        twice = next(h for h in header if header.count(h) > 1)
        raise _fail(
            f"column {twice!r} appears twice in the header", file, "duplicate_column", line=header_at + 1
        )
    columns: list[list[str | None]] = [[] for _ in header]
    lines: list[int] = []
    blank = 0
    for index in range(header_at + 1, len(rows_v)):
        cells = rows_v[index]
        for pos, cell in enumerate(rows_f[index][: len(header)]):
            if cell.data_type == "f" and cells[pos] is None:
                raise _fail(
                    f"cell {cell.coordinate} holds a formula ({cell.value}) whose result the workbook "
                    "does not keep; open and save it in Excel, or paste the values",
                    file,
                    "formula",
                    line=index + 1,
                    value=str(cell.value),
                )
        texts = [_text(v, is_date=h in dates) for h, v in zip(header, cells, strict=False)]
        texts += [None] * (len(header) - len(texts))
        if all(t is None or not t.strip() for t in texts):
            blank += 1
            continue
        for col, text in zip(columns, texts, strict=True):
            col.append(text)
        lines.append(index + 1)
    table = pl.DataFrame(
        {
            **{h: pl.Series(h, c, pl.String) for h, c in zip(header, columns, strict=True)},
            LINE: pl.Series(LINE, lines, pl.Int64),
        }
    )
    return CsvTable(header=header, table=table, blank_lines=blank)

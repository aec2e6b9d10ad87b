"""Agencies' Excel workbooks: dates as date cells or serial numbers, amounts as numbers or text, read
as the agency sees them; merged cells, several sheets and formulas without a saved result refused
with a reason; and through the real ``hub`` command an xlsx gives the same CIS rows and the same
acknowledgement as its CSV."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from formats.base import ReadContext
from formats.pledges import FIELDS, PledgesFormat, PledgesOptions
from hub.kernel.errors import ParseError

TODAY = date.today()
PLEDGED = TODAY - timedelta(days=5)
EXPIRES = TODAY + timedelta(days=60)
SERIAL = (EXPIRES - date(1899, 12, 30)).days  # Excel's serial number of EXPIRES


def workbook(rows: list[list[object]], *, sheets: int = 1, merge: str | None = None) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Pledges"
    ws.append(list(FIELDS))
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    for n in range(1, sheets):
        other = book.create_sheet(f"Notes{n}")
        other.append(["note"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


ROWS: list[list[object]] = [
    [
        "CAA01",
        "P1",
        "1001",
        "GARCIA, ANA",
        "12 Main St",
        "LIHEAP",
        250,
        datetime.combine(PLEDGED, datetime.min.time()),
        SERIAL,
    ],
    ["CAA01", "P2", "1002", "Patrick O'Brien Jr.", None, "LIHEAP", "$1,200.50", PLEDGED.isoformat(), EXPIRES],
    ["CAA01", "P3", "1004", "maria lopez", None, "CRISIS", 75.1, PLEDGED, EXPIRES],
    ["CAA01", "P4", "1004", "John Smith", None, "LIHEAP", 100, PLEDGED, EXPIRES],
]
CSV_ROWS = [
    f'CAA01,P1,1001,"GARCIA, ANA",12 Main St,LIHEAP,250,{PLEDGED},{EXPIRES}',
    f'CAA01,P2,1002,Patrick O\'Brien Jr.,,LIHEAP,"$1,200.50",{PLEDGED},{EXPIRES}',
    f"CAA01,P3,1004,maria lopez,,CRISIS,75.1,{PLEDGED},{EXPIRES}",
    f"CAA01,P4,1004,John Smith,,LIHEAP,100,{PLEDGED},{EXPIRES}",
]


def read(data: bytes, **opts: object) -> list[dict[str, object]]:
    fmt = PledgesFormat(PledgesOptions.model_validate(opts))
    ctx = ReadContext(file="agency.xlsx", now=datetime.now())
    validated = fmt.validate(fmt.read(data, ctx), ctx)
    assert [p for p in validated.problems if p.severity == "error"] == []
    return validated.table.select("pledge_id", "amount_cents", "pledge_date", "expires", "_line").to_dicts()


def test_dates_and_amounts_are_read_as_the_agency_sees_them() -> None:
    rows = read(workbook(ROWS))
    assert [
        (r["pledge_id"], r["amount_cents"], r["pledge_date"], r["expires"], r["_line"]) for r in rows
    ] == [
        ("P1", 25000, PLEDGED, EXPIRES, 2),  # a date-time cell; a serial number
        ("P2", 120050, PLEDGED, EXPIRES, 3),  # amount as text with $ and a thousands separator
        ("P3", 7510, PLEDGED, EXPIRES, 4),  # 75.1 as a number: exactly 7510 cents
        ("P4", 10000, PLEDGED, EXPIRES, 5),
    ]


@pytest.mark.parametrize(
    ("data", "opts", "rule", "words"),
    [
        (workbook(ROWS, merge="D2:E2"), {}, "merged-cells", "D2:E2"),
        (workbook(ROWS, sheets=2), {}, "sheet", "format_options.sheet"),
        (workbook(ROWS), {"sheet": "Other"}, "sheet", "no sheet 'Other'"),
        (b"PK\x03\x04 not really a workbook", {}, "workbook", "cannot be read"),
    ],
)
def test_a_workbook_that_cannot_be_read_as_meant_is_refused_with_its_reason(
    data: bytes, opts: dict[str, object], rule: str, words: str
) -> None:
    fmt = PledgesFormat(PledgesOptions.model_validate(opts))
    with pytest.raises(ParseError) as err:
        fmt.read(data, ReadContext(file="agency.xlsx", now=datetime.now()))
    assert err.value.rule == rule and words in str(err.value)


def test_a_named_sheet_is_read_among_several() -> None:
    assert [r["pledge_id"] for r in read(workbook(ROWS, sheets=3), sheet="Pledges")] == [
        "P1",
        "P2",
        "P3",
        "P4",
    ]


def test_a_formula_without_a_saved_result_is_refused_naming_its_cell() -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(list(FIELDS))
    ws.append(["CAA01", "P1", "1001", "Ana Garcia", None, "LIHEAP", "=100+50", PLEDGED, EXPIRES])
    buf = io.BytesIO()
    book.save(buf)  # openpyxl computes nothing: the workbook keeps the formula without a result
    with pytest.raises(ParseError) as err:
        PledgesFormat(PledgesOptions()).read(buf.getvalue(), ReadContext(file="a.xlsx", now=datetime.now()))
    assert err.value.rule == "formula" and "G2" in str(err.value) and "=100+50" in str(err.value)


ACCOUNTS = b"""account,name,service_address,status
1001,Ana Garcia,12 Main St,active
1002,"O'BRIEN, PATRICK",40 Oak Ave,active
1004,Maria Lopez,9 Pine Rd,active
"""


def run_hub(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    from conftest import HUB

    return subprocess.run([str(HUB), *args], cwd=root, capture_output=True, text=True, timeout=300)


def outcome_of(tmp_path: Path, name: str, data: bytes) -> tuple[list[list[str]], list[list[str]]]:
    """The CIS rows (without the batch-specific columns) and the acknowledgement of one file
    processed in a fresh working folder."""
    from hub.engine.config import DEFAULT_CONFIG

    root = tmp_path / name
    root.mkdir()
    (root / "hub.yaml").write_text(DEFAULT_CONFIG)
    (root / "accounts.csv").write_bytes(ACCOUNTS)
    (root / name).write_bytes(data)
    assert run_hub(root, "reference", "load", "accounts", "accounts.csv").returncode == 0
    assert run_hub(root, "process", name, "-x", "pledges").returncode == 1  # P4's name is wrong
    [batch] = sorted((root / "outbox" / "cis").glob("*.AssistancePledge.csv"))
    cis = list(csv.reader(io.StringIO(batch.read_text())))
    [ack] = sorted((root / "outbox" / "pledges-ack").glob("*.ack.csv"))
    return cis, list(csv.reader(io.StringIO(ack.read_text())))


def test_an_xlsx_gives_the_same_result_as_its_csv(tmp_path: Path) -> None:
    text = ("\n".join([",".join(FIELDS), *CSV_ROWS]) + "\n").encode()
    cis_csv, ack_csv = outcome_of(tmp_path, "week.csv", text)
    cis_xlsx, ack_xlsx = outcome_of(tmp_path, "week.xlsx", workbook(ROWS))
    assert cis_xlsx == cis_csv and len(cis_csv) == 4  # header + P1..P3
    assert ack_xlsx == ack_csv
    assert [row[4] for row in ack_xlsx[1:]] == ["accepted", "accepted", "accepted", "rejected"]

"""Agencies' own layouts in one pledges exchange: a file is read with the layout whose ``files``
pattern matches its name (any case), a file of one agency may leave out the agency id column (it
is the layout's agency), and a file no layout names is read with the exchange's default layout.
Through the real ``hub`` command: an agency's workbook with its own headers and a default CSV, in
the same inbox, post as their agencies' pledges and their acknowledgements go to each agency."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from formats.base import ReadContext
from formats.pledges import PledgesFormat, PledgesOptions
from hub.kernel.errors import ParseError

TODAY = date.today()
PLEDGED = TODAY - timedelta(days=5)
EXPIRES = TODAY + timedelta(days=60)
UWAY_HEADER = ["Pledge #", "Acct No", "Client", "Fund", "Amount", "Date", "Good Thru"]
UWAY_COLUMNS = {
    "pledge_id": "Pledge #",
    "account": "Acct No",
    "customer_name": "Client",
    "program": "Fund",
    "amount": "Amount",
    "pledge_date": "Date",
    "expires": "Good Thru",
}
LAYOUTS = {"layouts": [{"agency": "UWAY", "files": "uway_*.xlsx", "columns": UWAY_COLUMNS}]}


def uway_workbook(*rows: list[object]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(UWAY_HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


UWAY_ROWS = [
    ["U-17", "1001", "Garcia, Ana", "LOCAL", 120, PLEDGED, EXPIRES],
    ["U-18", "1004", "Maria Lopez", "LOCAL", "80.00", PLEDGED, EXPIRES],
]


def read(name: str, data: bytes, options: dict[str, object]) -> list[dict[str, object]]:
    fmt = PledgesFormat(PledgesOptions.model_validate(options))
    ctx = ReadContext(file=name, now=datetime.now())
    validated = fmt.validate(fmt.read(data, ctx), ctx)
    assert [p for p in validated.problems if p.severity == "error"] == []
    return validated.table.select("agency_id", "pledge_id", "account", "amount_cents", "_line").to_dicts()


def test_a_file_named_by_an_agency_layout_is_read_with_it_and_is_that_agencys() -> None:
    rows = read("UWAY_2026-12.XLSX", uway_workbook(*UWAY_ROWS), LAYOUTS)  # the pattern in any case
    assert [(r["agency_id"], r["pledge_id"], r["account"], r["amount_cents"], r["_line"]) for r in rows] == [
        ("UWAY", "U-17", "1001", 12000, 2),
        ("UWAY", "U-18", "1004", 8000, 3),
    ]


def test_a_file_no_layout_names_is_read_with_the_default_layout() -> None:
    header = "agency_id,pledge_id,account,customer_name,service_address,program,amount,pledge_date,expires"
    text = f"{header}\nCAA01,P1,1001,Ana Garcia,,LIHEAP,50.00,{PLEDGED},{EXPIRES}\n".encode()
    rows = read("caa01-week.csv", text, LAYOUTS)
    assert [(r["agency_id"], r["pledge_id"], r["amount_cents"]) for r in rows] == [("CAA01", "P1", 5000)]
    # the agency's workbook under a name its pattern does not match: the default headers are missing
    fmt = PledgesFormat(PledgesOptions.model_validate(LAYOUTS))
    with pytest.raises(ParseError) as err:
        fmt.read(uway_workbook(*UWAY_ROWS), ReadContext(file="pledges.xlsx", now=datetime.now()))
    assert err.value.rule == "missing_column" and "'agency_id'" in str(err.value)


def test_a_layout_missing_one_of_its_columns_names_the_agencys_header() -> None:
    fmt = PledgesFormat(PledgesOptions.model_validate(LAYOUTS))
    short = Workbook()
    ws = short.active
    assert ws is not None
    ws.append([h for h in UWAY_HEADER if h != "Good Thru"])
    buf = io.BytesIO()
    short.save(buf)
    with pytest.raises(ParseError) as err:
        fmt.read(buf.getvalue(), ReadContext(file="uway_1.xlsx", now=datetime.now()))
    assert "'Good Thru'" in str(err.value) and "agency_id" not in str(err.value)


def test_an_agency_layout_naming_an_unknown_field_is_a_configuration_error() -> None:
    bad = {"layouts": [{"agency": "UWAY", "files": "u*.csv", "columns": {"acct": "Acct No"}}]}
    with pytest.raises(ValueError, match="unknown field"):
        PledgesOptions.model_validate(bad)


ACCOUNTS = b"""account,name,service_address,status
1001,Ana Garcia,12 Main St,active
1004,Maria Lopez,9 Pine Rd,active
"""


def test_two_agencies_layouts_in_one_inbox_through_the_real_hub(tmp_path: Path) -> None:
    from conftest import HUB

    from hub.engine.config import DEFAULT_CONFIG

    config = yaml.safe_load(DEFAULT_CONFIG)
    pledges = config["exchanges"]["pledges"]
    pledges["format_options"].update(LAYOUTS)
    pledges["mapping_options"]["agencies"]["UWAY"]["ack_folder"] = "outbox/pledges-ack/uway"
    (tmp_path / "hub.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "accounts.csv").write_bytes(ACCOUNTS)
    header = "agency_id,pledge_id,account,customer_name,service_address,program,amount,pledge_date,expires"
    inbox = tmp_path / "inbox" / "pledges"
    inbox.mkdir(parents=True)
    (inbox / "uway_dec.xlsx").write_bytes(uway_workbook(*UWAY_ROWS))
    caa01 = f"CAA01,P1,1001,Ana Garcia,,LIHEAP,50.00,{PLEDGED},{EXPIRES}"
    (inbox / "caa01.csv").write_text(f"{header}\n{caa01}\n")

    def hub(*args: str) -> int:
        import subprocess

        return subprocess.run([str(HUB), *args], cwd=tmp_path, capture_output=True, timeout=300).returncode

    assert hub("reference", "load", "accounts", "accounts.csv") == 0
    assert hub("cycle", "-x", "pledges") == 0
    posted = []
    for batch in sorted((tmp_path / "outbox" / "cis").glob("*.AssistancePledge.csv")):
        posted += [(r["agency"], r["pledge_id"], r["amount_cents"]) for r in csv.DictReader(batch.open())]
    assert sorted(posted) == [("CAA01", "P1", "5000"), ("UWAY", "U-17", "12000"), ("UWAY", "U-18", "8000")]
    acks = tmp_path / "outbox" / "pledges-ack"
    uway_ack = list(csv.DictReader((acks / "uway" / "uway_dec.ack.csv").open()))
    assert [(a["agency_id"], a["pledge_id"], a["status"]) for a in uway_ack] == [
        ("UWAY", "U-17", "accepted"),
        ("UWAY", "U-18", "accepted"),
    ]
    caa_ack = list(csv.DictReader((acks / "caa01.ack.csv").open()))
    assert [(a["pledge_id"], a["status"]) for a in caa_ack] == [("P1", "accepted")]

"""The BAI2 reader on real-world sample files (ministryofjustice/bai2 test data, ../shared/corpus/bai2):
accounts, summaries, transactions and control totals worked out by hand from the records, and every
finding where a sample deviates from BAI2 (all of them tolerated: warnings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from formats.bai2 import Bai2File, Bai2Options, read_bai2

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "bai2"
pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the shared BAI2 corpus is not beside the project ({CORPUS})"
)

Finding = tuple[
    int, str, str | None, str | None, str, str | None
]  # line, rule, field, positions, severity, value

CITI_TEXT = " ".join(
    [
        "FR:FP SIP INCOMING",
        "ENDT:20150715",
        "TRID:RP12312312312312",
        "PY:RP1231231231231200                 A1234BC 22/03/66",
        "BI:22222222",
        "OB:111111 BUCKINGHAM PALACE OB3:BARCLAYS BANK PLC",
        "BO:11111111 BO1:DOE JO",
    ]
)

EXPECTED: dict[str, dict[str, Any]] = {
    # two accounts with neither summaries nor transactions, whose 49 totals are blank ("49,,2/"): nothing
    # depends on them (every amount is zero), so each is a warning. 98: 0, 2 accounts, 6 records (02-98);
    # 99: 0, 1 group, 8 records.
    "account_trailer_amount_blank_example.bai2": {
        "records": 8,
        "accounts": [("12345", "USD", 0, [], []), ("54321", "USD", 0, [], [])],
        "file": 0,
        "findings": [
            (4, "blank-control-total", "control_total", "field 2", "warning", ""),
            (6, "blank-control-total", "control_total", "field 2", "warning", ""),
        ],
    },
    # 03: 010 10000 + 015 10000; 16: 191 amount 001 = 1 cent, value-dated 150715, its text on seven 88
    # records. 49: 20000 + 1 = 20001 over 10 records (03, 16, 7 x 88, 49). The 03 ends ",,,/": one
    # empty field after the last summary.
    "citi_example.bai2": {
        "records": 14,
        "accounts": [
            (
                "77777777",
                "GBP",
                20_001,
                [("010", 10_000), ("015", 10_000)],
                [("191", 1, "1234567890", "RP12312312312312", CITI_TEXT)],
            )
        ],
        "file": 20_001,
        "findings": [(3, "comma-slash", "type_code", "field 12", "warning", "")],
    },
    # 03 (and its 88): 36521 + 33845 + 33845 + 33845 + 0 + 0 + 0 + 2765 + 89 = 140910; 16: 971 + 100 + 123
    # + 1571 + 89 = 2854; 49: 140910 + 2854 = 143764 over 14 records. The 01's creation time is 14:59:35,
    # not HHMM.
    "nwb_example.bai2": {
        "records": 18,
        "accounts": [
            (
                "88888888 600004",
                "GBP",
                143_764,
                [
                    ("010", 36_521),
                    ("015", 33_845),
                    ("045", 33_845),
                    ("040", 33_845),
                    ("072", 0),
                    ("074", 0),
                    ("075", 0),
                    ("400", 2_765),
                    ("100", 89),
                ],
                [
                    (
                        "699",
                        971,
                        "",
                        "",
                        "LVP XBANKGO24007664SJ LVP INT 2 USAXBANKGO24007664SJ LVP INT 2 USARELAY TFR",
                    ),
                    (
                        "699",
                        100,
                        "",
                        "",
                        "TFR XBANKGO24007662CAT TESTXBANKGO24007662XTESTX LIMITEDCCY AC TFR",
                    ),
                    (
                        "699",
                        123,
                        "",
                        "",
                        "TFR XBANKGO24007684SJ CAT GBP 2 JPYXBANKGO24007684BGC INTERNATIONACCY AC TFR",
                    ),
                    (
                        "699",
                        1_571,
                        "",
                        "",
                        "UTF XBANKGO24007665SJ URG INT 2 USAXBANKGO24007665SJ URG INT 2 USAURGENT TFR",
                    ),
                    # text on two 88 records, cut mid-word by the bank: joined with the default blank
                    (
                        "399",
                        89,
                        "",
                        "",
                        "TFR XBANKGO24007680SJ CAT JPY 2 GBPXBANKGO24007680BGC INTERNATIONAL-5373 CLIE"
                        " NT SECCY AC TFR",
                    ),
                ],
            )
        ],
        "file": 143_764,
        "findings": [(1, "field-format", "creation_time", "field 5", "warning", "14:59:35")],
    },
    # Group 1: 34726979 + 35217175 + 32742537 + 35217175 + 0 + 0 + 490196 + 0 (03 and 88s) + 490196 (16)
    # = 138884258 over 7 records; group 2: 35217175 + 36122975 + 33871213 + 36122975 + 0 + 0 + 905800 + 0
    # + 905800 = 143145938; 99: 138884258 + 143145938 = 282030196, 2 groups, 20 records. Five lines end
    # ",,,/" (an empty field after the last summary) and the last line lacks its "/".
    "svb_us_example.bai2": {
        "records": 20,
        "accounts": [
            (
                "1234567890",
                "USD",
                138_884_258,
                [
                    ("010", 34_726_979),
                    ("015", 35_217_175),
                    ("040", 32_742_537),
                    ("045", 35_217_175),
                    ("072", 0),
                    ("074", 0),
                    ("100", 490_196),
                    ("400", 0),
                ],
                [("142", 490_196, "172629", "", "SOME PAYMENT ACH OFFSET")],
            ),
            (
                "1234567890",
                "USD",
                143_145_938,
                [
                    ("010", 35_217_175),
                    ("015", 36_122_975),
                    ("040", 33_871_213),
                    ("045", 36_122_975),
                    ("072", 0),
                    ("074", 0),
                    ("100", 905_800),
                    ("400", 0),
                ],
                [("142", 905_800, "150675", "", "SOME PAYMENT ACH OFFSET")],
            ),
        ],
        "file": 282_030_196,
        "findings": [
            (3, "comma-slash", "type_code", "field 12", "warning", ""),
            (4, "comma-slash", "type_code", "field 21", "warning", ""),
            (5, "comma-slash", "type_code", "field 30", "warning", ""),
            (13, "comma-slash", "type_code", "field 20", "warning", ""),
            (14, "comma-slash", "type_code", "field 29", "warning", ""),
            (20, "record-end", None, "field 4", "warning", "282030196,2,20"),
        ],
    },
}


def read(name: str, **options: Any) -> Bai2File:
    return read_bai2((CORPUS / name).read_bytes(), name, Bai2Options(**options))


def test_the_corpus_holds_the_expected_files() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.bai2")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_corpus_file_reads_with_its_accounts_totals_and_findings(name: str) -> None:
    want = EXPECTED[name]
    s = read(name).summary()
    assert s["records"] == want["records"]
    accounts = [
        (
            a["number"],
            a["currency"],
            a["control_cents"],
            [(x["type_code"], x["amount_cents"]) for x in a["summaries"]],
            [
                (t["type_code"], t["amount_cents"], t["bank_ref"], t["customer_ref"], t["text"])
                for t in a["transactions"]
            ],
        )
        for a in s["accounts"]
    ]
    assert accounts == want["accounts"]
    # every stated account total agrees with the records (blank ones are None)
    assert [a["trailer_control_cents"] for a in s["accounts"]] == [
        None if want["file"] == 0 else a[2] for a in want["accounts"]
    ]
    assert (s["file_control_cents"], s["file_trailer_control_cents"]) == (want["file"], want["file"])
    findings = [
        (p["line"], p["rule"], p["field"], p["positions"], p["severity"], p["value"]) for p in s["problems"]
    ]
    assert findings == want["findings"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_with_every_tolerance_off_the_deviations_are_errors(name: str) -> None:
    strict = {option: False for option in Bai2Options.model_fields if option.startswith("tolerate_")}
    found = read(name, **strict)
    assert [(p.line, p.rule) for p in found.problems] == [(f[0], f[1]) for f in EXPECTED[name]["findings"]]
    assert {p.severity for p in found.problems} <= {"error"}


def test_the_citi_transaction_is_value_dated() -> None:
    row = read("citi_example.bai2").details.row(0, named=True)
    assert (row["funds_type"], str(row["value_date"]), row["value_time"]) == ("V", "2015-07-15", None)
    assert (row["as_of_date"].isoformat(), row["credit_debit"], row["meaning"]) == (
        "2015-07-15",
        "credit",
        "Individual Incoming Internal Money Transfer",
    )

"""Energy-assistance pledges end to end through the real ``hub`` command and a real SQLite ledger,
with a loaded CIS accounts extract: each pledge is matched to its account and customer name, the
good ones post as AssistancePledge rows, and the agency's acknowledgement has exactly one row per
pledge line with the right status and reason; a resent file posts nothing twice; a file that
arrives before any accounts extract, or from an agency not configured, is rejected whole and
acknowledged line by line."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from conftest import Workdir

HEADER = "agency_id,pledge_id,account,customer_name,service_address,program,amount,pledge_date,expires"
TODAY = date.today()
PLEDGED = (TODAY - timedelta(days=5)).isoformat()
EXPIRES = (TODAY + timedelta(days=60)).isoformat()
ACCOUNTS = b"""account,name,service_address,status
1001,Ana Garcia,12 Main St,active
1002,"O'BRIEN, PATRICK",40 Oak Ave,active
1003,Li Wei,7 Elm St,closed
1004,Maria Lopez,9 Pine Rd,active
"""


def pledge(pid: str, account: str, name: str, amount: str = "100.00", **kw: str) -> str:
    program = kw.get("program", "LIHEAP")
    return (
        f'{kw.get("agency", "CAA01")},{pid},{account},"{name}",{kw.get("address", "")},{program},'
        f"{amount},{kw.get('pledged', PLEDGED)},{kw.get('expires', EXPIRES)}"
    )


GOOD = [
    pledge("P1", "1001", "GARCIA, ANA", "250.00", address="12 Main St."),  # order, case, punctuation
    pledge("P2", "1002", "Patrick O'Brien Jr.", '"$1,200.5"'),  # suffix, apostrophe; amount as text
    pledge("P3", "1004", "maria   lopez", "75", program="crisis"),
]
BAD = [
    pledge("P4", "1004", "John Smith"),  # a wrong name
    pledge("P5", "9999", "Nobody Here"),  # unknown account
    pledge("P6", "1003", "Li Wei"),  # closed account
    pledge("P1", "1001", "Ana Garcia"),  # the same agency + pledge id again
    pledge(
        "P7",
        "1001",
        "Ana Garcia",
        pledged=(TODAY - timedelta(days=90)).isoformat(),
        expires=(TODAY - timedelta(days=1)).isoformat(),
    ),  # expired
    pledge("P8", "1001", "Ana Garcia", "600.00", program="CRISIS"),  # over the CRISIS cap of 500
]


def pledge_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def process(workdir: Workdir, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("process", workdir.write(name, data), "-x", "pledges", "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def load_accounts(workdir: Workdir) -> None:
    res = workdir.hub("reference", "load", "accounts", workdir.write("accounts.csv", ACCOUNTS))
    assert res.code == 0, res.stderr


def posted(workdir: Workdir) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob("*.AssistancePledge.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def ack(workdir: Workdir, name: str) -> list[dict[str, str]]:
    path = workdir.root / "outbox" / "pledges-ack" / name
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_pledges_are_matched_posted_and_acknowledged_line_by_line(workdir: Workdir) -> None:
    load_accounts(workdir)
    code, out = process(workdir, "caa01-week1.csv", pledge_file(*GOOD, *BAD))
    assert code == 1, out  # rows were rejected (they go back to the agency)
    assert (out["state"], out["rows"], out["delivered"], out["rejected"]) == ("delivered", 9, 3, 6)
    rows = posted(workdir)
    assert [(r["idempotency_key"], r["account"], r["program"], r["amount_cents"]) for r in rows] == [
        ("AP|CAA01|P1", "1001", "LIHEAP", "25000"),
        ("AP|CAA01|P2", "1002", "LIHEAP", "120050"),
        ("AP|CAA01|P3", "1004", "CRISIS", "7500"),
    ]
    pledged = date.fromisoformat(PLEDGED)
    assert rows[0]["protect_until"] == (pledged + timedelta(days=45)).isoformat()  # LIHEAP: 45 days
    assert rows[2]["protect_until"] == (pledged + timedelta(days=30)).isoformat()  # CRISIS: 30 days
    assert {r["review"] for r in rows} == {"false"}
    acked = ack(workdir, "caa01-week1.ack.csv")
    assert [(a["pledge_id"], a["status"], a["reason"]) for a in acked] == [
        ("P1", "accepted", ""),
        ("P2", "accepted", ""),
        ("P3", "accepted", ""),
        ("P4", "rejected", "name-mismatch"),
        ("P5", "rejected", "unknown-account"),
        ("P6", "rejected", "account-not-active"),
        ("P1", "duplicate", "duplicate-pledge"),
        ("P7", "rejected", "expired"),
        ("P8", "rejected", "over-cap"),
    ]
    mismatch = acked[3]["message"]
    assert "******mith" in mismatch and "*******opez" in mismatch and "John" not in mismatch  # masked
    assert acked[8]["message"] == "$600.00 is over the CRISIS cap of $500.00"
    shown = workdir.hub("show", str(out["id"]))
    assert "caa01-week1.ack.csv (accepted 3, rejected 5, duplicate 1)" in shown.stdout


def test_a_resent_file_posts_nothing_twice_and_is_acknowledged_as_duplicates(workdir: Workdir) -> None:
    load_accounts(workdir)
    assert process(workdir, "week1.csv", pledge_file(*GOOD))[0] == 0
    code, out = process(workdir, "week1-resent.csv", pledge_file(*GOOD, pledge("P9", "1001", "Ana Garcia")))
    assert code == 0, out
    assert (out["delivered"], out["already_delivered"]) == (1, 3)
    assert len(posted(workdir)) == 4 and len({r["idempotency_key"] for r in posted(workdir)}) == 4
    acked = ack(workdir, "week1-resent.ack.csv")
    assert [(a["pledge_id"], a["status"]) for a in acked] == [
        ("P1", "duplicate"),
        ("P2", "duplicate"),
        ("P3", "duplicate"),
        ("P9", "accepted"),
    ]


def test_without_an_accounts_extract_the_file_is_rejected_naming_the_command(workdir: Workdir) -> None:
    code, out = process(workdir, "early.csv", pledge_file(*GOOD, "CAA01,P9,1001,,,LIHEAP,10,x,y"))
    assert code == 1 and out["state"] == "rejected" and out["delivered"] == 0
    assert any("hub reference load accounts" in p["message"] for p in out["problems"])
    acked = ack(workdir, "early.ack.csv")
    assert [(a["pledge_id"], a["status"], a["reason"]) for a in acked] == [
        ("P1", "rejected", "file-rejected"),
        ("P2", "rejected", "file-rejected"),
        ("P3", "rejected", "file-rejected"),
        ("P9", "rejected", "missing-field"),  # its own reason, found before the file was refused
    ]
    assert "hub reference load accounts" in acked[0]["message"]
    assert posted(workdir) == []
    # once the extract is loaded, the corrected file gets its own acknowledgement
    load_accounts(workdir)
    fixed = workdir.write("early-fixed.csv", pledge_file(*GOOD))
    res = workdir.hub("reprocess", str(out["id"]), "--with", fixed, "--json")
    assert res.code == 0, res.stdout + res.stderr
    assert [a["status"] for a in ack(workdir, "early-fixed.ack.csv")] == ["accepted"] * 3


def test_a_file_from_an_agency_not_configured_is_rejected_whole(workdir: Workdir) -> None:
    load_accounts(workdir)
    code, out = process(
        workdir, "stranger.csv", pledge_file(pledge("X1", "1001", "Ana Garcia", agency="NOPE"))
    )
    assert code == 1 and out["state"] == "rejected"
    assert "agency NOPE is not a configured agency" in out["problems"][0]["message"]
    [row] = ack(workdir, "stranger.ack.csv")
    assert (row["agency_id"], row["status"], row["reason"]) == ("NOPE", "rejected", "file-rejected")


def test_the_sample_pledges_match_the_sample_accounts_but_their_bad_rows(workdir: Workdir) -> None:
    assert workdir.hub("reference", "sample", "accounts", "accounts.csv", "--rows", "200").code == 0
    assert workdir.hub("reference", "load", "accounts", "accounts.csv").code == 0
    assert workdir.hub("sample", "agency.csv", "--kind", "pledges", "--rows", "30", "--bad", "6").code == 0
    res = workdir.hub("process", "agency.csv", "-x", "pledges", "--json")
    out = res.json()
    assert (out["delivered"], out["rejected"]) == (24, 6), res.stdout
    acked = ack(workdir, "agency.ack.csv")
    assert len(acked) == 30
    assert sorted(a["reason"] for a in acked if a["status"] != "accepted") == [
        "bad-amount",
        "duplicate-pledge",
        "expired",
        "name-mismatch",
        "over-cap",
        "unknown-account",
    ]


def test_every_line_is_acknowledged_even_one_that_cannot_be_read_as_a_row(workdir: Workdir) -> None:
    load_accounts(workdir)
    broken = "CAA01,P2,1002,too,few,fields"
    code, out = process(workdir, "ragged.csv", pledge_file(GOOD[0], broken, GOOD[2]))
    assert code == 1 and (out["delivered"], out["rejected"]) == (2, 1)
    acked = ack(workdir, "ragged.ack.csv")
    assert [(a["pledge_id"], a["status"], a["reason"]) for a in acked] == [
        ("P1", "accepted", ""),
        ("", "rejected", "field_count"),
        ("P3", "accepted", ""),
    ]
    # a file without the columns of a pledge file: nothing read, one row saying why
    code, out = process(workdir, "wrong.csv", b"account,amount\n1001,10.00\n")
    assert code == 1 and out["state"] == "rejected"
    [row] = ack(workdir, "wrong.ack.csv")
    assert (row["status"], row["reason"]) == ("rejected", "file-rejected")
    assert "missing required column" in row["message"]


def test_a_dry_run_sends_no_acknowledgement(workdir: Workdir) -> None:
    load_accounts(workdir)
    res = workdir.hub("validate", workdir.write("dry.csv", pledge_file(*GOOD)), "-x", "pledges")
    assert res.code == 0, res.stdout + res.stderr
    assert not (workdir.root / "outbox" / "pledges-ack").exists() and posted(workdir) == []


def test_the_same_file_sent_again_is_acknowledged_as_duplicates_and_posts_nothing(workdir: Workdir) -> None:
    load_accounts(workdir)
    data = pledge_file(*GOOD, BAD[0])
    assert process(workdir, "monday.csv", data)[0] == 1
    _, out = process(workdir, "monday-again.csv", data)
    assert out["state"] == "duplicate" and out["delivered"] == 0
    assert len(posted(workdir)) == 3
    acked = ack(workdir, "monday-again.ack.csv")
    assert [(a["pledge_id"], a["status"], a["reason"]) for a in acked] == [
        ("P1", "duplicate", "duplicate-pledge"),
        ("P2", "duplicate", "duplicate-pledge"),
        ("P3", "duplicate", "duplicate-pledge"),
        ("P4", "rejected", "name-mismatch"),
    ]
    assert acked[0]["message"] == "already posted from monday.csv"


def test_two_agencies_pledging_the_same_in_separate_files_both_post_for_review(workdir: Workdir) -> None:
    load_accounts(workdir)
    assert process(workdir, "caa.csv", pledge_file(pledge("P1", "1001", "Ana Garcia", "200.00")))[0] == 0
    other = pledge("U1", "1001", "Ana Garcia", "200.00", agency="UWAY", program="LOCAL")
    code, out = process(workdir, "uway.csv", pledge_file(other))
    assert code == 0 and out["delivered"] == 1, out
    [warning] = out["problems"]
    assert (warning["rule"], warning["severity"]) == ("double-pledge", "warning")
    assert "CAA01 pledge P1" in warning["message"]
    assert [(r["idempotency_key"], r["review"]) for r in posted(workdir)] == [
        ("AP|CAA01|P1", "false"),
        ("AP|UWAY|U1", "true"),
    ]
    assert [a["status"] for a in ack(workdir, "uway.ack.csv")] == ["accepted"]


def test_a_file_run_again_later_is_judged_expired_as_of_the_day_it_was_received(workdir: Workdir) -> None:
    import sqlite3

    received = TODAY - timedelta(days=5)
    expires_in_between = (TODAY - timedelta(days=2)).isoformat()  # valid when sent, expired today
    expired_then = (TODAY - timedelta(days=7)).isoformat()
    rows = [
        pledge(
            "P1",
            "1001",
            "Ana Garcia",
            pledged=(TODAY - timedelta(days=30)).isoformat(),
            expires=expires_in_between,
        ),
        pledge(
            "P2",
            "1004",
            "Maria Lopez",
            pledged=(TODAY - timedelta(days=30)).isoformat(),
            expires=expired_then,
        ),
        pledge("P3", "1004", "Maria Lopez", "20.00"),  # valid on either day
    ]
    code, out = process(workdir, "late.csv", pledge_file(*rows))  # no accounts extract yet: rejected
    assert code == 1
    assert out["state"] == "rejected"
    with sqlite3.connect(workdir.root / "var" / "hub.db") as db:  # as if it had arrived 5 days ago
        db.execute("UPDATE files SET landed_at = ? WHERE id = ?", (f"{received} 09:00:00.000000", out["id"]))
    load_accounts(workdir)
    res = workdir.hub("reprocess", str(out["id"]), "--json")
    assert res.json()["state"] == "delivered", res.stdout
    assert [r["pledge_id"] for r in posted(workdir)] == ["P1", "P3"]
    acked = ack(workdir, "late.r2.ack.csv")
    assert [(a["pledge_id"], a["status"], a["reason"]) for a in acked] == [
        ("P1", "accepted", ""),
        ("P2", "rejected", "expired"),
        ("P3", "accepted", ""),
    ]
    assert f"before the day the file was received ({received.isoformat()})" in acked[1]["message"]

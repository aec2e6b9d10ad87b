"""``hub inspect`` for people: a table of each list of records a file holds (NACHA entries, lockbox
checks, BAI2 accounts and transactions, meter-read rows, Green Button meter readings and interval
blocks), account numbers masked, at most ``--limit`` rows a table (``--all``: every one), and
counts in words that agree with their number; lockbox numbers as the file writes them, in
``inspect`` and in ``reconcile``."""

from __future__ import annotations

from datetime import date

import yaml

from formats.bai2_writer import Account, Bai2Spec, Group, Transaction
from formats.bai2_writer import write_file as write_bai2
from formats.lockbox_writer import Batch as LockboxBatch
from formats.lockbox_writer import Lockbox, LockboxSpec
from formats.lockbox_writer import write_file as write_lockbox
from hub.engine.sample import meter_reads_csv
from hub.kernel.wording import counted
from tests.conftest import Workdir
from tests.formats import bai2_cases, lockbox_cases, nacha_cases
from tests.formats.greenbutton_cases import METER_READING, READING_TYPE, USAGE_POINT, Feed, build, hourly
from tests.formats.nacha_cases import entry, info
from tests.hub.test_lockbox_e2e import BATCHES, DEPOSIT, TOTAL, load_accounts


def table(stdout: str, title: str, key: int = 0) -> list[list[str]]:
    """The rows of the table titled ``title``, cells stripped, a cell folded over several lines
    joined again (a row begins where its ``key`` column, never blank, has text)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("└"):
            return rows
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            if cells[key] or not rows:
                rows.append(cells)
            else:  # a folded cell goes on on the next line
                rows[-1] = [a + b for a, b in zip(rows[-1], cells, strict=True)]
    raise AssertionError(f"table {title!r} has no end")


def test_nacha_entries_are_listed_with_accounts_masked(workdir: Workdir) -> None:
    data = nacha_cases.small_file(
        entry(27, 10_000, info("INVOICE 1001"), n=1), entry(27, 20_050, n=2), entry(22, 5, n=3)
    )
    res = workdir.hub("inspect", workdir.write("debits.ach", data), "--format", "nacha")
    assert res.code == 0, res.stdout + res.stderr
    assert res.stdout.startswith("debits.ach: nacha, ")
    rows = table(res.stdout, "Entries (3)")
    # line, batch, trace, transaction code, RDFI, DFI account, amount, individual id, name, codes
    assert [(r[3], r[5], r[6], r[7], r[8]) for r in rows] == [
        ("27", "******0001", "100.00", "******0001", "CUSTOMER 1"),
        ("27", "******0002", "200.50", "******0002", "CUSTOMER 2"),
        ("22", "******0003", "0.05", "******0003", "CUSTOMER 3"),
    ]
    assert [int(r[0]) for r in rows] == [3, 5, 6]  # the addenda of the first entry is line 4
    assert "4001-00001" not in res.stdout and "ACCT000001" not in res.stdout
    assert table(res.stdout, "Batches (1)")[0][3:5] == ["PPD", "3"]
    json = workdir.hub("inspect", workdir.write("debits.ach", data), "--format", "nacha", "--json")
    assert json.json()["entries"] == 3 and "_tables" not in json.json()  # --json as documented


def test_lockbox_checks_are_listed_with_remitter_accounts_masked(workdir: Workdir) -> None:
    res = workdir.hub("inspect", workdir.write("deposit.bai", lockbox_cases.valid_file()), "-f", "lockbox")
    assert res.code == 0, res.stdout + res.stderr
    assert [r[0] for r in table(res.stdout, "Lockboxes (2)")] == ["1234567", "7654321"]
    items = table(res.stdout, "Items (4)")
    # line, lockbox, deposit date, batch, item, amount, check (as written), routing, remitter account, name
    assert [(r[1], r[5], r[6], r[8], r[9]) for r in items] == [
        ("1234567", "123.45", "0000001001", "******7788", "CUSTOMER 1"),
        ("1234567", "100.00", "0000001002", "******0002", "CUSTOMER 2"),
        ("1234567", "0.01", "0000001003", "******0003", "CUSTOMER 3"),
        ("1234567", "250,000.00", "0000001004", "******0004", "CUSTOMER 4"),
    ]
    assert lockbox_cases.REMITTER_ACCOUNT not in res.stdout and lockbox_cases.ROUTING not in res.stdout


def test_bai2_accounts_and_each_ones_transactions_are_listed(workdir: Workdir) -> None:
    res = workdir.hub("inspect", workdir.write("report.bai", bai2_cases.valid_file()), "-f", "bai2")
    assert res.code == 0, res.stdout + res.stderr
    accounts = table(res.stdout, "Accounts (3)")
    assert [(r[2], r[3]) for r in accounts] == [
        ("******7890", "USD"),
        ("******1111", "USD"),  # the group's currency
        ("******7890", "USD"),
    ]
    transactions = table(res.stdout, "Transactions (6)")
    assert [(r[0], r[1], r[4]) for r in transactions] == [
        ("******7890", "115", "1,500.00"),
        ("******7890", "165", "500.00"),
        ("******7890", "555", "50.00"),
        ("******7890", "475", "25.00"),
        ("******7890", "195", "100.00"),
        ("******7890", "257", "12.34"),
    ]
    assert bai2_cases.ACCOUNT not in res.stdout
    assert len(table(res.stdout, "Summaries (7)")) == 7


def test_meter_reads_rows_are_listed_up_to_the_limit_or_all(workdir: Workdir) -> None:
    path = workdir.write("route.csv", meter_reads_csv(4, bad=0, seed=3))
    default = workdir.hub("inspect", path, "-f", "meter-reads")
    assert default.code == 0, default.stdout + default.stderr
    assert default.stdout.startswith("route.csv: meter-reads, 4 records")
    rows = table(default.stdout, "Rows (4)")
    assert [r[0] for r in rows] == ["2", "3", "4", "5"]  # the file's lines, the header is line 1
    assert all(r[3].startswith("******") for r in rows)  # the account column, masked
    assert "more row" not in default.stdout

    two = workdir.hub("inspect", path, "-f", "meter-reads", "--limit", "2")
    assert [r[0] for r in table(two.stdout, "Rows (4)")] == ["2", "3"]
    assert "… 2 more rows (use --all)" in two.stdout
    three = workdir.hub("inspect", path, "-f", "meter-reads", "--limit", "3")
    assert "… 1 more row (use --all)" in three.stdout and "1 more rows" not in three.stdout
    every = workdir.hub("inspect", path, "-f", "meter-reads", "--limit", "1", "--all")
    assert [r[0] for r in table(every.stdout, "Rows (4)")] == ["2", "3", "4", "5"]
    assert "more row" not in every.stdout


def test_a_one_row_file_is_one_record(workdir: Workdir) -> None:
    one = workdir.hub("inspect", workdir.write("one.csv", meter_reads_csv(1, seed=2)), "-f", "meter-reads")
    assert one.stdout.startswith("one.csv: meter-reads, 1 record\n"), one.stdout
    two = workdir.hub("inspect", workdir.write("two.csv", meter_reads_csv(2, seed=2)), "-f", "meter-reads")
    assert two.stdout.startswith("two.csv: meter-reads, 2 records\n"), two.stdout


def test_counts_the_commands_print_agree_with_their_number(workdir: Workdir) -> None:
    one = workdir.hub("reference", "sample", "accounts", "one.csv", "--rows", "1")
    assert one.stdout.strip() == "wrote one.csv: 1 account"
    loaded = workdir.hub("reference", "load", "accounts", "one.csv")
    assert loaded.code == 0 and loaded.stdout.startswith("loaded 1 account from one.csv as load 1")
    two = workdir.hub("reference", "sample", "meters", "two.csv", "--rows", "2")
    assert two.stdout.strip() == "wrote two.csv: 2 meters"
    # the nightly summary's total line: one file
    inbox = workdir.root / "inbox" / "meter-reads"
    workdir.write("inbox/meter-reads/route-1.csv", meter_reads_csv(3, seed=5))
    cycle = workdir.hub("cycle")
    assert cycle.code == 0 and inbox.is_dir(), cycle.stdout + cycle.stderr
    assert " 1 file " in cycle.stdout and "1 files" not in cycle.stdout


def test_counted_words() -> None:
    assert [counted(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]
    assert [counted(2, w) for w in ("entry", "batch", "lockbox", "day", "summary")] == [
        "2 entries",
        "2 batches",
        "2 lockboxes",
        "2 days",
        "2 summaries",
    ]
    assert counted(1, "entry") == "1 entry" and counted(3, "person", "people") == "3 people"


LOCKBOX = "0012345"
BANK_ACCOUNT = "1234567890"


def test_a_lockbox_number_is_shown_as_the_file_writes_it(workdir: Workdir) -> None:
    batches = [LockboxBatch(list(items)) for items in BATCHES]
    data = write_lockbox(
        LockboxSpec(created=lockbox_cases.CREATED, lockboxes=[Lockbox(LOCKBOX, DEPOSIT, batches)])
    )
    path = workdir.write("LBX.dat", data)
    human = workdir.hub("inspect", path, "-f", "lockbox")
    assert table(human.stdout, "Lockboxes (1)")[0][0] == LOCKBOX
    assert {r[1] for r in table(human.stdout, "Items (4)")} == {LOCKBOX}
    assert workdir.hub("inspect", path, "-f", "lockbox", "--json").json()["lockboxes"][0]["number"] == LOCKBOX

    load_accounts(workdir)
    assert workdir.hub("process", path, "-x", "lockbox").code == 0
    day = DEPOSIT.isoformat()
    res = workdir.hub("reconcile", "--date", day, "--json")
    [box] = res.json()["lockboxes"]
    assert (box["lockbox"], box["status"], box["lockbox_cents"]) == (LOCKBOX, "missing-bank", TOTAL)
    # the bank writes the lockbox without its zeros: the same lockbox, still shown as the file has it
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["exchanges"]["bai2"]["mapping_options"]["lockbox_accounts"] = {BANK_ACCOUNT: "12345"}
    workdir.set_config(yaml.safe_dump(config))
    credit = Account(BANK_ACCOUNT, transactions=[Transaction("115", TOTAL, "BR1", "", "LOCKBOX DEPOSIT")])
    report = write_bai2(
        Bai2Spec("BANK", "UTILITY", lockbox_cases.CREATED, [Group("BANK", date(2026, 11, 20), [credit])])
    )
    assert workdir.hub("process", workdir.write("BAI.txt", report), "-x", "bai2").code == 0
    matched = workdir.hub("reconcile", "--date", day, "--json")
    assert matched.code == 0, matched.stdout
    [box] = matched.json()["lockboxes"]
    assert (box["lockbox"], box["status"], box["bank_cents"]) == (LOCKBOX, "matched", TOTAL)
    human = workdir.hub("reconcile", "--date", day)
    assert human.code == 0 and table(human.stdout, "Deposits of")[0][0] == LOCKBOX


def test_green_button_usage_points_meter_readings_and_interval_blocks_are_listed(workdir: Workdir) -> None:
    feed = Feed(blocks=[hourly(3), hourly(2, 1_700_100_000, value=500)])
    res = workdir.hub("inspect", workdir.write("feed.xml", build(feed)), "-f", "greenbutton")
    assert res.code == 0, res.stdout + res.stderr
    assert res.stdout.startswith("feed.xml: greenbutton\n")  # no record count to tell
    assert [r[0] for r in table(res.stdout, "Usage points (1)")] == [USAGE_POINT]
    [meter] = table(res.stdout, "Meter readings (1)", key=-1)
    assert meter[:2] == [USAGE_POINT, METER_READING]
    # blocks, readings, value sum (of 1000, 1001, 1002 and 500, 501), start, end as UTC dates
    assert meter[-5:] == ["2", "5", "4004", "2023-11-14T22:13:20Z", "2023-11-16T04:00:00Z"]
    blocks = table(res.stdout, "Interval blocks (2)", key=-1)
    # usage point, meter reading, reading type, readings, value sum, start, end
    assert [(r[2], r[3], r[4], r[5]) for r in blocks] == [
        (READING_TYPE, "3", "3003", "2023-11-14T22:13:20Z"),
        (READING_TYPE, "2", "1001", "2023-11-16T02:00:00Z"),
    ]


def test_a_green_button_time_beyond_the_calendar_is_shown_as_written() -> None:
    from hub.cli.inspect import Seen, _figure

    seen = Seen(frozenset(), frozenset({"start"}))
    assert _figure("start", 1_700_000_000, seen) == "2023-11-14T22:13:20Z"
    assert _figure("start", 10**18, seen) == str(10**18)

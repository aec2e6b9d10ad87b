"""``hub reference``: loading the CIS's accounts and meters extracts through the real ``hub`` command,
replacing a load atomically, refusing bad extracts by line and field, and the status."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from hub.engine.sample_common import accounts_csv, meters_csv, sample_account
from hub.ledger import Ledger
from tests.conftest import Workdir

HEADER = "account,name,service_address,status\n"


def ledger(workdir: Workdir) -> Ledger:
    return Ledger.open(f"sqlite:///{workdir.root / 'var' / 'hub.db'}")


def lookup(workdir: Workdir, numbers: list[str]) -> dict[str, dict[str, Any]]:
    opened = ledger(workdir)
    try:
        return opened.reference_accounts(numbers)
    finally:
        opened.close()


def current(workdir: Workdir, kind: str = "accounts") -> dict[str, Any]:
    result = workdir.hub("reference", "status", "--json")
    assert result.code == 0, result.stderr
    [found] = [s for s in result.json() if s["kind"] == kind]
    return dict(found)


def test_an_accounts_extract_is_loaded_and_looked_up(workdir: Workdir) -> None:
    path = workdir.write("cis/accounts.csv", accounts_csv(1000))
    result = workdir.hub("reference", "load", "accounts", path, "--json")
    assert result.code == 0, result.stderr
    loaded = result.json()
    assert (loaded["loaded"], loaded["load_id"], loaded["replaced"], loaded["rows"]) == (True, 1, None, 1000)
    assert loaded["problems"] == [] and loaded["by_status"]["active"] > 950
    assert set(loaded["by_status"]) <= {"active", "closed", "final", "inactive"}
    statuses = {r["account"]: r["status"] for r in csv.DictReader(io.StringIO(accounts_csv(1000).decode()))}
    closed = next(n for n, s in statuses.items() if s == "closed")
    found = lookup(workdir, [sample_account(0), closed, "9999999999"])
    assert found[closed]["active"] is False and found[sample_account(0)]["name"]
    assert "9999999999" not in found  # unknown to the CIS
    status = current(workdir)
    assert (status["file"], status["rows"], status["load_id"]) == ("accounts.csv", 1000, 1)
    assert current(workdir, "meters")["loaded"] is False
    table = workdir.hub("reference", "status")
    assert "accounts.csv" in table.stdout and "never loaded" in table.stdout


def test_a_new_extract_replaces_the_old_one_only_when_it_is_good(workdir: Workdir) -> None:
    first = workdir.write("a1.csv", accounts_csv(300, seed=1))
    assert workdir.hub("reference", "load", "accounts", first).code == 0
    good = accounts_csv(300, seed=2).decode().splitlines()
    bad_lines = [*good[:200], good[150], good[201].rsplit(",", 1)[0] + ",suspended", *good[202:]]
    bad = workdir.write("a2.csv", ("\n".join(bad_lines) + "\n").encode())
    refused = workdir.hub("reference", "load", "accounts", bad, "--json")
    assert refused.code == 1
    report = refused.json()
    assert (report["loaded"], report["current_load"], report["problem_count"]) == (False, 1, 2)
    duplicate, unknown = report["problems"]
    number = good[150].split(",")[0]
    assert (duplicate["line"], duplicate["field"], duplicate["rule"]) == (201, "account", "duplicate")
    assert duplicate["value"] == "******" + number[-4:] and number not in refused.stdout  # masked
    assert "line 151" in duplicate["message"]
    assert (unknown["line"], unknown["field"], unknown["rule"], unknown["value"]) == (
        202,
        "status",
        "unknown_status",
        "suspended",
    )
    assert current(workdir)["load_id"] == 1
    assert sample_account(0, seed=1) in lookup(workdir, [sample_account(0, seed=1)])
    replaced = workdir.hub(
        "reference", "load", "accounts", workdir.write("a3.csv", accounts_csv(300, seed=2))
    )
    assert replaced.code == 0 and "replacing load 1" in replaced.stdout
    assert lookup(workdir, [sample_account(0, seed=1), sample_account(0, seed=2)]).keys() == {
        sample_account(0, seed=2)
    }


def test_an_exception_during_the_insert_leaves_the_current_load(workdir: Workdir) -> None:
    assert workdir.hub("reference", "load", "accounts", workdir.write("a.csv", accounts_csv(50))).code == 0

    class Exploding(tuple):  # type: ignore[type-arg]
        def __iter__(self) -> Any:
            raise RuntimeError("the disk caught fire")

    rows: list[tuple[str, ...]] = [(f"{i:010d}", "X", "Y", "closed") for i in range(25_000)]
    rows[20_000] = Exploding(rows[20_000])  # after two batches of 10,000 are in
    opened = ledger(workdir)
    try:
        with pytest.raises(RuntimeError, match="caught fire"):
            opened.load_reference("accounts", rows, "b.csv", "0" * 64)
        assert [h["load_id"] for h in opened.reference_history("accounts")] == [1]
    finally:
        opened.close()
    assert current(workdir)["file"] == "a.csv"
    assert lookup(workdir, [sample_account(0), "0000000001"]).keys() == {sample_account(0)}


@pytest.mark.parametrize(
    ("data", "rule", "line", "field"),
    [
        (b"", "empty_file", None, None),
        (HEADER.encode(), "empty_file", 1, None),
        (b"account,name,status\n0001,A,active\n", "missing_column", 1, "service_address"),
        (HEADER.encode() + b"0001,A,,Active\n0002,B,,\n", "required", 3, "status"),
        (HEADER.encode() + b"0001,A,,active,extra\n", "field_count", 2, None),
        (HEADER.encode() + b"0001,A \xff,,active\n", "encoding", 2, None),
        (HEADER.encode() + b"0001,A,,on hold\n", "unknown_status", 2, "status"),
        (HEADER.encode() + f"{'1' * 65},A,,active\n".encode(), "too_long", 2, "account"),
    ],
    ids=["empty", "header-only", "missing-column", "no-status", "field-count", "encoding", "status", "long"],
)
def test_a_bad_extract_loads_nothing(
    workdir: Workdir, data: bytes, rule: str, line: int | None, field: str | None
) -> None:
    result = workdir.hub("reference", "load", "accounts", workdir.write("bad.csv", data), "--json")
    assert result.code == 1, result.stderr
    report = result.json()
    [problem] = report["problems"]
    assert (problem["rule"], problem["line"], problem["field"]) == (rule, line, field)
    assert (report["loaded"], report["current_load"]) == (False, None)


def test_meters_extract_and_the_human_output(workdir: Workdir) -> None:
    extract = (
        b"Meter , Status,account,service_address,read_route\nM1,ACTIVE,0001,1 OAK ST,R1\n\nM2,removed,,,R1\n"
    )
    result = workdir.hub("reference", "load", "meters", workdir.write("meters.csv", extract))
    assert result.code == 0, result.stderr
    assert "loaded 2 meters from meters.csv as load 1" in result.stdout
    assert "active 1, removed 1" in result.stdout
    opened = ledger(workdir)
    try:
        assert opened.reference_meters(["M1"])["M1"] == {
            "account": "0001",
            "service_address": "1 OAK ST",
            "status": "active",
            "active": True,
        }
        assert not opened.reference_loaded("accounts")
    finally:
        opened.close()
    sample = workdir.write("m.csv", meters_csv(200))
    assert workdir.hub("reference", "load", "meters", sample).code == 0
    bad = workdir.hub("reference", "load", "meters", workdir.write("x.csv", b"meter,account\nM1,0001\n"))
    assert bad.code == 1 and "missing_column" in bad.stdout and "load 2 stays current" in bad.stdout
    assert workdir.hub("reference", "load", "premises", sample).code == 2

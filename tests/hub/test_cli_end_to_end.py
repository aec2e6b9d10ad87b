"""End to end through the real ``hub`` command in a fresh working folder."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat
from collections.abc import Callable
from pathlib import Path

from conftest import Workdir, with_policy

from hub.engine.config import DEFAULT_CONFIG


def test_good_file_is_delivered_with_a_correct_control_file(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    path = workdir.write("route-7.csv", upload(300))
    res = workdir.hub("process", path, "--exchange", "meter-reads", "--json")
    assert res.code == 0, res.stderr
    out = res.json()
    assert out["state"] == "delivered"
    assert out["rows"] == 300 and out["delivered"] == 300 and out["rejected"] == 0

    [control] = workdir.controls()
    assert control["transactions"] == 300
    assert control["source"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    for entry in control["files"]:
        data = (workdir.cis / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        assert len(rows) == entry["count"]
        for field, total in entry["totals"].items():
            assert sum(int(r[field]) for r in rows if r[field]) == total
    assert {e["type"] for e in control["files"]} == {"MeterRead", "ReadException"}
    assert sum(e["count"] for e in control["files"]) == 300
    assert not list(workdir.cis.glob(".*")), "no staging file may be left behind"

    reads = workdir.delivered_rows("MeterRead")
    source = list(csv.DictReader(io.StringIO(path.read_text())))
    first = source[0]
    match = [r for r in reads if r[2] == first["meter"]]
    assert match and match[0][1] == first["account"], "account keeps its leading zeros"

    files = workdir.hub("files", "--json").json()["files"]
    assert files == [
        {
            "id": out["id"],
            "exchange": "meter-reads",
            "name": "route-7.csv",
            "sha256": control["source"]["sha256"],
            "state": "delivered",
            "rows": 300,
            "delivered": 300,
            "rejected": 0,
            "resolved_by": None,
        }
    ]
    landed = workdir.root / "var" / "landed" / control["source"]["sha256"]
    assert landed.read_bytes() == path.read_bytes()
    assert stat.S_IMODE(landed.stat().st_mode) == 0o400


def test_file_with_bad_rows_is_rejected_with_a_report_naming_each_line(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    path = workdir.write("route-bad.csv", upload(200, bad=8))
    res = workdir.hub("process", path, "--exchange", "meter-reads", "--json")
    assert res.code == 1
    out = res.json()
    assert out["state"] == "rejected" and out["delivered"] == 0 and out["rejected"] == 8
    rules = {p["rule"] for p in out["problems"]}
    assert rules == {
        "datetime",
        "reading_required",
        "code_list",
        "integer",
        "not_in_future",
        "duplicate_read",
        "field_count",
        "required",
    }
    lines = path.read_text().splitlines()
    for p in out["problems"]:
        assert p["line"] is not None and 2 <= p["line"] <= len(lines)
        if p["field"] not in (None, "account") and p["value"] and p["rule"] != "duplicate_read":
            assert p["value"] in lines[p["line"] - 1], p
    assert not workdir.cis.exists() or not list(workdir.cis.iterdir()), "nothing delivered"

    shown = workdir.hub("show", str(out["id"]), "--json").json()
    assert shown["state"] == "rejected"
    assert [(p["line"], p["rule"]) for p in shown["problems"]] == [
        (p["line"], p["rule"]) for p in out["problems"]
    ]
    assert set(shown["problems"][0]) >= {"line", "field", "value", "rule", "message"}

    csv_report, json_report = sorted(out["reports"])
    report_rows = list(csv.DictReader(io.StringIO(Path(csv_report).read_text())))
    assert sorted(int(r["line"]) for r in report_rows) == sorted(p["line"] for p in out["problems"])
    assert json.loads(Path(json_report).read_text())["problems"] == out["problems"]

    human = workdir.hub("show", str(out["id"]))
    assert "reading_required" in human.stdout and "not_in_future" in human.stdout


def test_same_file_dropped_twice_is_a_duplicate_and_delivers_nothing(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    data = upload(120)
    first = workdir.hub("process", workdir.write("a.csv", data), "-x", "meter-reads", "--json").json()
    again = workdir.hub("process", workdir.write("a-resent.csv", data), "-x", "meter-reads", "--json")
    assert again.code == 0
    dup = again.json()
    assert dup["state"] == "duplicate" and dup["duplicate_of"] == first["id"] and dup["delivered"] == 0
    assert len(workdir.controls()) == 1
    assert len(workdir.delivered_rows("MeterRead")) + len(workdir.delivered_rows("ReadException")) == 120
    states = {f["name"]: f["state"] for f in workdir.hub("files", "--json").json()["files"]}
    assert states == {"a.csv": "delivered", "a-resent.csv": "duplicate"}
    assert [f["name"] for f in workdir.hub("files", "--state", "duplicate", "--json").json()["files"]] == [
        "a-resent.csv"
    ]


def test_reprocess_after_correction_delivers_only_what_was_not_delivered(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    bad = upload(200, bad=8)
    path = workdir.write("route.csv", bad)
    rejected = workdir.hub("process", path, "-x", "meter-reads", "--json").json()
    assert rejected["state"] == "rejected"

    partial = workdir.hub("reprocess", str(rejected["id"]), "--accept-valid-rows", "--json")
    assert partial.code == 1, "rows were still rejected"
    part = partial.json()
    assert part["state"] == "delivered" and part["delivered"] == 200 - 8 and part["rejected"] == 8

    # The operator fixes each bad line (here: from the clean file the bad one was made from).
    good_lines = upload(200).decode().splitlines()
    fixed = bad.decode().splitlines()
    for p in part["problems"]:
        fixed[p["line"] - 1] = good_lines[p["line"] - 1]
    corrected = workdir.write("route-corrected.csv", ("\n".join(fixed) + "\n").encode())
    done = workdir.hub("reprocess", str(rejected["id"]), "--with", corrected, "--json")
    assert done.code == 0, done.stdout
    out = done.json()
    assert out["state"] == "delivered"
    assert out["delivered"] == 8 and out["already_delivered"] == 192

    keys = [r[0] for t in ("MeterRead", "ReadException") for r in workdir.delivered_rows(t)]
    assert len(keys) == 200 and len(set(keys)) == 200, "every read delivered exactly once"
    states = {f["id"]: f["state"] for f in workdir.hub("files", "--json").json()["files"]}
    assert states[rejected["id"]] == "reprocessed" and states[out["id"]] == "delivered"

    again = workdir.hub("reprocess", str(out["id"]), "--json").json()
    assert again["delivered"] == 0 and again["already_delivered"] == 200
    assert len(workdir.controls()) == 2


def test_accept_valid_rows_policy_delivers_good_rows_and_reports_bad(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    workdir.set_config(with_policy(DEFAULT_CONFIG, "accept-valid-rows"))
    res = workdir.hub("process", workdir.write("r.csv", upload(100, bad=3)), "-x", "meter-reads", "--json")
    out = res.json()
    assert res.code == 1
    assert out["state"] == "delivered" and out["delivered"] == 97 and out["rejected"] == 3
    bad_lines = {p["line"] for p in out["problems"]}
    delivered_lines = {int(r[-1]) for t in ("MeterRead", "ReadException") for r in workdir.delivered_rows(t)}
    assert not bad_lines & delivered_lines
    assert len(delivered_lines) == 97
    assert len(out["reports"]) == 2


def test_validate_is_a_dry_run_that_prints_every_problem(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    path = workdir.write("check.csv", upload(100, bad=4))
    res = workdir.hub("validate", path, "-x", "meter-reads")
    assert res.code == 1
    for rule in ("datetime", "reading_required", "code_list", "integer"):
        assert rule in res.stdout
    assert not (workdir.root / "var" / "landed").exists() or not list(
        (workdir.root / "var" / "landed").iterdir()
    )
    assert workdir.hub("files", "--json").json()["files"] == []
    clean = workdir.hub("validate", workdir.write("ok.csv", upload(50)), "-x", "meter-reads", "--json")
    assert clean.code == 0 and clean.json()["problems"] == []


def test_validate_counts_the_transactions_delivered_before(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    data = upload(60)
    assert workdir.hub("process", workdir.write("first.csv", data), "-x", "meter-reads").code == 0
    again = workdir.hub("validate", workdir.write("again.csv", data), "-x", "meter-reads", "--json").json()
    assert again["already_delivered"] == 60 and again["rows"] == 60


def test_unreadable_file_is_rejected_with_position_not_a_traceback(workdir: Workdir) -> None:
    path = workdir.write("garbage.csv", b"route,sequence\n\xff\xfe\x00garbage\n")
    res = workdir.hub("process", path, "-x", "meter-reads", "--json")
    assert res.code == 1
    [problem] = res.json()["problems"]
    assert problem["level"] == "file" and problem["line"] == 2 and problem["rule"] == "encoding"
    assert "Traceback" not in res.stderr
    assert len(list((workdir.root / "var" / "landed").glob("[0-9a-f]" * 64))) == 1, "landed copy kept"


def test_nightly_cycle_takes_inbox_files_archives_them_and_summarises(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    inbox = workdir.root / "inbox" / "meter-reads"
    workdir.write("inbox/meter-reads/1-north.csv", upload(80))
    workdir.write("inbox/meter-reads/2-south.csv", upload(80, bad=2, seed=5))
    workdir.write("inbox/meter-reads/3-uploading.csv.part", upload(10))
    res = workdir.hub("cycle")
    assert res.code == 1
    assert "1-north.csv" in res.stdout and "delivered" in res.stdout and "rejected" in res.stdout
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["3-uploading.csv.part"]
    assert len(list((inbox / "archive").iterdir())) == 2
    again = workdir.hub("cycle", "--json").json()
    assert [o for o in again if o["state"] != "skipped"] == [], "nothing is taken twice"


def test_usage_and_configuration_errors_exit_2_with_the_key_path(workdir: Workdir) -> None:
    workdir.set_config(DEFAULT_CONFIG.replace("read_window_days: 45", "read_window_days: soon"))
    res = workdir.hub("files")
    assert res.code == 2
    assert "exchanges.meter-reads.format_options.read_window_days" in res.stderr
    assert "Traceback" not in res.stderr
    workdir.set_config(DEFAULT_CONFIG)
    assert workdir.hub("show", "999").code == 2
    assert workdir.hub("process", "nope.csv").code == 2, "missing --exchange is a usage error"
    missing = workdir.hub("process", "nope.csv", "-x", "meter-reads")
    assert missing.code == 2 and "nope.csv: no such file" in missing.stderr


def test_init_writes_a_default_that_validates(tmp_path: Path) -> None:
    root = tmp_path
    work = Workdir(root)
    res = work.hub("init")
    assert res.code == 0 and (root / "hub.yaml").exists() and (root / "inbox" / "meter-reads").is_dir()
    assert work.hub("init").code == 2, "an existing configuration is never overwritten silently"
    assert work.hub("files", "--json").json()["files"] == []


def test_a_file_over_the_size_limit_is_rejected_but_kept(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    workdir.set_config(
        DEFAULT_CONFIG.replace(
            "    row_policy: reject-file", "    row_policy: reject-file\n    max_file_bytes: 1000"
        )
    )
    data = upload(100)
    res = workdir.hub("process", workdir.write("big.csv", data), "-x", "meter-reads", "--json")
    assert res.code == 1
    [problem] = res.json()["problems"]
    assert problem["rule"] == "max_size" and str(len(data)) in problem["message"]
    assert (workdir.root / "var" / "landed" / res.json()["reports"][0].split("/")[-1].split(".")[0]).exists()


def test_a_destination_that_cannot_be_written_fails_the_run_for_a_retry(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    (workdir.root / "outbox").mkdir()
    (workdir.root / "outbox" / "cis").write_text("a file where the CIS folder should be")
    workdir.write("route.csv", upload(20))
    result = workdir.hub("process", "route.csv", "--exchange", "meter-reads", "--json")
    assert result.code == 3, result.stderr  # may pass once the folder is fixed: retry
    assert "Traceback" not in result.stderr
    (run,) = [r for r in _runs(workdir) if r["exchange"] == "meter-reads"]
    assert run["status"] == "failed" and run["ended_at"] is not None
    (workdir.root / "outbox" / "cis").unlink()
    (record,) = workdir.hub("files", "--json").json()["files"]
    again = workdir.hub("reprocess", str(record["id"]), "--json")
    assert again.code == 0 and again.json()["delivered"] == 20


def _runs(workdir: Workdir) -> list[dict[str, object]]:
    import sqlite3

    with sqlite3.connect(workdir.root / "var" / "hub.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM runs ORDER BY id")]

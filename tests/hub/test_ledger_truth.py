"""The ledger's account of a file, through the real ``hub`` command: a file's state and counts come
from what it delivered over all its runs; a correction marks its original only once accepted;
``validate`` says what ``process`` would deliver; refused and hostile names are recorded once and
printed escaped; long names archive; failures that may pass exit 3 and are finished later."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from conftest import Workdir, with_policy

from hub.engine.config import DEFAULT_CONFIG


def process(workdir: Workdir, path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("process", path, "-x", "meter-reads", "--json", *extra)
    assert res.stdout, res.stderr
    return res.code, res.json()


def file_record(workdir: Workdir, file_id: int) -> dict[str, Any]:
    res = workdir.hub("show", str(file_id), "--json")
    assert res.code == 0, res.stderr
    return dict(res.json())


def test_a_delivered_file_stays_delivered_with_what_it_delivered_whatever_later_runs_find(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    code, first = process(workdir, workdir.write("route.csv", upload(100, bad=2)))
    assert (code, first["state"], first["delivered"]) == (1, "rejected", 0)
    partial = workdir.hub("reprocess", str(first["id"]), "--accept-valid-rows", "--json").json()
    assert (partial["state"], partial["delivered"], partial["rejected"]) == ("delivered", 98, 2)

    strict = workdir.hub("reprocess", str(first["id"]), "--json")  # reject-file: this run rejects it
    assert strict.code == 1 and strict.json()["state"] == "rejected"
    shown = file_record(workdir, first["id"])
    assert (shown["state"], shown["delivered"]) == ("delivered", 98)  # the file still delivered 98
    assert [b["transactions"] for b in shown["batches"]] == [98]
    listed = workdir.hub("files", "--state", "delivered", "--json").json()["files"]
    assert [(f["id"], f["delivered"]) for f in listed] == [(first["id"], 98)]

    again = workdir.hub("reprocess", str(first["id"]), "--accept-valid-rows", "--json").json()
    assert (again["delivered"], again["already_delivered"]) == (0, 98)  # nothing twice, nothing lost
    shown = file_record(workdir, first["id"])
    assert (shown["state"], shown["delivered"], shown["already_delivered"]) == ("delivered", 98, 0)


def test_a_rejected_correction_leaves_its_original_as_it_was(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    workdir.set_config(with_policy(DEFAULT_CONFIG, "accept-valid-rows"))
    code, first = process(workdir, workdir.write("route.csv", upload(50, bad=1)))
    assert (code, first["state"], first["delivered"]) == (1, "delivered", 49)
    wrong = workdir.write("wrong.csv", b"route,sequence\nnot,a meter-read upload\n")
    res = workdir.hub("reprocess", str(first["id"]), "--with", wrong, "--json")
    assert res.code == 1 and res.json()["state"] == "rejected"
    assert file_record(workdir, first["id"])["state"] == "delivered"  # not "reprocessed": nothing replaced it


def test_validate_says_what_process_would_deliver_under_the_exchanges_policy(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    path = workdir.write("route.csv", upload(60, bad=3))
    dry = workdir.hub("validate", path, "-x", "meter-reads", "--json").json()
    assert (dry["state"], dry["transactions"]) == ("rejected", {})  # reject-file: one bad row, nothing goes
    real = workdir.hub("process", path, "-x", "meter-reads", "--json").json()
    assert (real["state"], real["delivered"]) == ("rejected", 0)

    workdir.set_config(with_policy(DEFAULT_CONFIG, "accept-valid-rows"))
    dry = workdir.hub("validate", path, "-x", "meter-reads", "--json").json()
    assert sum(dry["transactions"].values()) == 57 and dry["already_delivered"] == 0
    real = workdir.hub("reprocess", str(real["id"]), "--json").json()
    assert real["delivered"] == 57
    dry = workdir.hub("validate", path, "-x", "meter-reads", "--json").json()
    assert (sum(dry["transactions"].values()), dry["already_delivered"]) == (0, 57)


def test_hostile_names_and_links_are_refused_once_recorded_and_printed_escaped(
    workdir: Workdir, upload: Callable[..., bytes], tmp_path: Path
) -> None:
    inbox = workdir.root / "inbox" / "meter-reads"
    inbox.mkdir(parents=True)
    (inbox / "route\x1b[31m-7.csv").write_bytes(upload(5, seed=7))
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes(upload(5, seed=8))
    (inbox / "route-8.csv").symlink_to(outside)

    first = workdir.hub("cycle", "-x", "meter-reads", "--json")
    assert first.code == 1
    refused = {o["name"]: o for o in first.json()}
    assert {n: o["state"] for n, o in refused.items()} == {
        "route\x1b[31m-7.csv": "refused",
        "route-8.csv": "refused",
    }
    assert "symbolic link" in refused["route-8.csv"]["problems"][0]["message"]
    assert (inbox / "route-8.csv").is_symlink() and outside.exists()  # never followed, never moved

    again = workdir.hub("cycle", "-x", "meter-reads", "--json")
    assert (again.code, again.json()) == (0, [])  # recorded once, not reported every cycle
    listed = workdir.hub("files")
    assert "\x1b" not in listed.stdout and "\\x1b" in listed.stdout  # shown, never obeyed
    assert [f["state"] for f in workdir.hub("files", "--json").json()["files"]] == ["refused", "refused"]

    bad = workdir.write("bad\nname.csv", upload(3))
    res = workdir.hub("process", bad, "-x", "meter-reads")
    assert res.code == 1 and "refused file name" in res.stderr and "\n" not in res.stderr.strip()


def test_a_name_too_long_to_archive_with_a_time_stamp_is_archived_shortened_and_taken_once(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    name = "r" * 246 + ".csv"  # 250 bytes: with the time stamp it would be 266
    inbox = workdir.root / "inbox" / "meter-reads"
    inbox.mkdir(parents=True)
    (inbox / name).write_bytes(upload(4))
    first = workdir.hub("cycle", "-x", "meter-reads", "--json")
    assert first.code == 0, first.stdout
    assert [o["state"] for o in first.json()] == ["delivered"]
    [archived] = (inbox / "archive").iterdir()
    assert len(archived.name.encode()) <= 255 and archived.name.endswith(".csv")
    assert list(inbox.glob("r*")) == []
    again = workdir.hub("cycle", "-x", "meter-reads", "--json")
    assert (again.code, again.json()) == (0, [])
    assert len(workdir.hub("files", "--json").json()["files"]) == 1  # no duplicate record, ever


def configured(workdir: Workdir, **exchange: Any) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["meter-reads"].update(exchange)
    workdir.set_config(yaml.safe_dump(config))


def test_folders_outside_the_hub_or_on_a_destination_are_refused_unless_allowed(
    workdir: Workdir, tmp_path: Path
) -> None:
    configured(workdir, source={"type": "folder", "path": "../../../etc"})
    res = workdir.hub("files")
    assert res.code == 2 and "exchanges.meter-reads.source" in res.stderr and "outside the hub" in res.stderr
    configured(workdir, source={"type": "folder", "path": "outbox/cis"})
    res = workdir.hub("files")
    assert res.code == 2 and "it would take what it delivers" in res.stderr
    elsewhere = tmp_path / "drops"
    configured(workdir, source={"type": "folder", "path": str(elsewhere)}, allow_outside_root=True)
    assert workdir.hub("files").code == 0
    for text in ("", "version: 1\n", "version: 1\nexchanges: {}\n"):
        workdir.set_config(text)
        res = workdir.hub("files")
        assert res.code == 2, text
        assert "empty" in res.stderr or "none configured" in res.stderr


def test_a_missing_source_folder_is_an_alert_not_silence(workdir: Workdir) -> None:
    configured(workdir, source={"type": "folder", "path": "drops/north"})
    res = workdir.hub("cycle", "-x", "meter-reads", "--json")
    assert res.code == 3, res.stdout
    [failed] = res.json()
    assert failed["state"] == "failed" and failed["retryable"]
    assert "drops/north does not exist" in failed["problems"][0]["message"]
    status = workdir.hub("status", "--json")
    row = {r["exchange"]: r for r in status.json()}["meter-reads"]
    assert status.code == 1 and row["source_missing"].endswith("drops/north")
    assert "ALERT" in workdir.hub("status").stdout


def test_a_failure_that_may_pass_exits_3_prints_what_was_done_and_is_finished_later(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    b = {"kind": "meter-reads", "destination": {"type": "cis-folder", "path": "outbox/cis-b"}}
    config["exchanges"]["meter-reads-b"] = b
    workdir.set_config(yaml.safe_dump(config))
    workdir.write("inbox/meter-reads/route-1.csv", upload(30, seed=1))
    workdir.write("inbox/meter-reads-b/route-2.csv", upload(40, seed=2))
    cis = workdir.root / "outbox" / "cis"
    cis.parent.mkdir(parents=True, exist_ok=True)
    cis.write_text("a file where the CIS folder should be: as unwritable as a full disk")

    res = workdir.hub("cycle", "--json")
    assert res.code == 3, res.stdout
    states = {o["name"]: (o["state"], o["retryable"]) for o in res.json() if o["state"] != "skipped"}
    assert states == {"route-1.csv": ("failed", True), "route-2.csv": ("delivered", False)}
    [failed] = [o for o in res.json() if o["state"] == "failed"]
    assert (
        "None" not in failed["problems"][0]["message"] and "File exists" in failed["problems"][0]["message"]
    )
    assert (workdir.root / "inbox" / "meter-reads" / "route-1.csv").exists()  # left for the next cycle

    cis.unlink()
    res = workdir.hub("cycle", "--json")
    assert res.code == 0, res.stdout
    taken = [(o["name"], o["state"], o["delivered"]) for o in res.json() if o["state"] != "skipped"]
    assert taken == [("route-1.csv", "delivered", 30)]

    # a `hub process` that could not finish leaves its file mapped; the next cycle finishes it
    cis.rename(cis.with_name("cis-before"))
    cis.write_text("in the way again")
    res = workdir.hub(
        "process", workdir.write("route-3.csv", upload(20, seed=3)), "-x", "meter-reads", "--json"
    )
    assert res.code == 3 and res.json()["state"] == "failed"
    stuck = res.json()["id"]
    assert file_record(workdir, stuck)["state"] == "mapped"
    cis.unlink()
    res = workdir.hub("cycle", "-x", "meter-reads", "--json")
    assert res.code == 0, res.stdout
    assert [(o["id"], o["state"], o["delivered"]) for o in res.json()] == [(stuck, "delivered", 20)]
    assert os.listdir(workdir.root / "outbox" / "cis")  # the batch is there

"""``hub cycle`` and ``hub run --once`` say which exchanges they did not take and why: disabled,
manual only (neither scheduled nor watched), not due yet; a missing source folder is a failed,
retryable outcome. In the summary for people and in ``--json``."""

from __future__ import annotations

from typing import Any

import yaml

from hub.engine.config import DEFAULT_CONFIG
from tests.conftest import Workdir


def configured(workdir: Workdir, **changes: dict[str, Any]) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    for name, values in changes.items():
        config["exchanges"][name].update(values)
    workdir.set_config(yaml.safe_dump(config, sort_keys=False))


def skipped(outcomes: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    return {o["exchange"]: (o["skipped"], o["note"]) for o in outcomes if o["state"] == "skipped"}


def test_a_cycle_names_the_disabled_exchanges_it_did_not_take(workdir: Workdir) -> None:
    configured(workdir, lockbox={"enabled": False})
    res = workdir.hub("cycle", "--json")
    assert res.code == 0, res.stdout + res.stderr
    left = skipped(res.json())
    assert left["lockbox"] == ("disabled", "disabled (enabled: false in hub.yaml)")
    assert "meter-reads" not in left and "bai2" not in left

    text = workdir.hub("cycle", "-x", "lockbox", "-x", "meter-reads")
    assert text.code == 0, text.stderr
    assert "Not taken" in text.stdout and "disabled (enabled: false in hub.yaml)" in text.stdout
    assert "0 files" in text.stdout  # a skipped exchange is not a file


def test_run_once_says_what_was_manual_only_not_due_or_missing(workdir: Workdir) -> None:
    configured(
        workdir,
        lockbox={"schedule": {"cron": "30 5 * * *"}},
        bai2={"source": {"type": "folder", "path": "drops/bank"}, "watch": True},
    )
    first = workdir.hub("run", "--once", "--json")
    assert first.code == 3, first.stdout + first.stderr  # the missing folder: an alert, retryable
    [missing] = [o for o in first.json() if o["exchange"] == "bai2"]
    assert missing["state"] == "failed" and missing["retryable"]
    assert "drops/bank does not exist" in missing["problems"][0]["message"]
    left = skipped(first.json())
    assert "lockbox" not in left and "meter-reads" not in left  # due: scheduled never ran; watched
    why, note = left["ach-returns"]
    assert why == "manual-only" and "neither scheduled nor watched" in note
    assert "hub cycle -x ach-returns" in note

    second = workdir.hub("run", "--once")
    assert second.code == 3
    assert "Not taken" in second.stdout and "not due: ran on schedule" in second.stdout
    again = skipped(workdir.hub("run", "--once", "--json").json())
    assert again["lockbox"][0] == "not-due" and "next run" in again["lockbox"][1]

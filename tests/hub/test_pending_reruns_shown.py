"""A consumption delivery that runs pending adjustment files again names them in its own output,
through the real ``hub`` command and a real SQLite ledger: ``hub process`` (text and ``--json``
``reruns``) and ``hub cycle`` (the re-run listed among the files, trigger ``pending``), each with
its outcome: what posted now, and what still waits for its history."""

from __future__ import annotations

from typing import Any

from conftest import Workdir

HEADER = "district,account,premise,service_address,period_start,period_end,usage,unit,read_type"
ADJ_HEADER = "account,kind,period_start,period_end,volume,unit,evidence_ref,requested_by"


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def line(account: str, start: str, end: str, usage: str) -> str:
    return f"NW,{account},P-{account},{account} MAIN ST,{start},{end},{usage},CCF,actual"


REQUESTS = csv_bytes(
    ADJ_HEADER,
    "1001,evaporation,2026-05-01,2026-05-31,5,CCF,EV-1,permits",  # its history arrives below
    "1002,evaporation,2026-05-01,2026-05-31,2,CCF,EV-2,permits",  # still waiting afterwards
)


def pending_requests(workdir: Workdir) -> int:
    res = workdir.hub(
        "process", workdir.write("adj.csv", REQUESTS), "-x", "consumption-adjustments", "--json"
    )
    out: dict[str, Any] = res.json()
    assert (res.code, out["delivered"]) == (0, 0)
    assert [p["rule"] for p in out["problems"]] == ["pending-history", "pending-history"]
    file_id: int = out["id"]
    return file_id


MAY = csv_bytes(HEADER, line("1001", "2026-05-01", "2026-05-31", "40"))


def test_hub_process_names_the_adjustment_files_its_delivery_ran_again(workdir: Workdir) -> None:
    adj_id = pending_requests(workdir)
    res = workdir.hub("process", workdir.write("nw-may.csv", MAY), "-x", "consumption", "--json")
    assert res.code == 0, res.stdout + res.stderr
    out = res.json()
    assert (out["exchange"], out["delivered"], out["trigger"]) == ("consumption", 1, None)
    [rerun] = out["reruns"]
    assert (rerun["id"], rerun["name"], rerun["exchange"], rerun["trigger"]) == (
        adj_id,
        "adj.csv",
        "consumption-adjustments",
        "pending",
    )
    assert (rerun["state"], rerun["delivered"], rerun["transactions"]) == (
        "delivered",
        1,
        {"ConsumptionAdjustment": 1},
    )
    assert rerun["batch_id"].startswith("consumption-adjustments-")
    assert [(p["line"], p["rule"]) for p in rerun["problems"]] == [(3, "pending-history")]

    june = csv_bytes(HEADER, line("1001", "2026-06-01", "2026-06-30", "30"))
    text = workdir.hub("process", workdir.write("nw-june.csv", june), "-x", "consumption")
    assert text.code == 0
    assert "run again after this delivery" in text.stdout
    assert f"file {adj_id} adj.csv [consumption-adjustments]: delivered, rows 2, delivered 0" in text.stdout
    assert "already delivered before 1" in text.stdout and "warnings: pending-history 1" in text.stdout


def test_hub_cycle_lists_the_re_run_among_its_files(workdir: Workdir) -> None:
    adj_id = pending_requests(workdir)
    workdir.write("inbox/consumption/nw-may.csv", MAY)
    res = workdir.hub("cycle", "-x", "consumption", "--json")
    assert res.code == 0, res.stdout + res.stderr
    files = [(o["id"], o["exchange"], o["trigger"], o["delivered"]) for o in res.json()]
    assert files[-1] == (adj_id, "consumption-adjustments", "pending", 1)
    assert [f[1:] for f in files[:-1]] == [("consumption", None, 1)]
    summary = workdir.hub("cycle", "-x", "consumption")  # nothing new waiting: no re-run
    assert summary.code == 0 and "pending re-run" not in summary.stdout
    workdir.write(
        "inbox/consumption/nw-june.csv", csv_bytes(HEADER, line("1001", "2026-06-01", "2026-06-30", "3"))
    )
    summary = workdir.hub("cycle", "-x", "consumption")
    assert "delivered (pending re-run)" in summary.stdout and "adj.csv" in summary.stdout

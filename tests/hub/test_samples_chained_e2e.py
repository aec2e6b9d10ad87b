"""``hub sample`` for the kinds that answer another file, through the real ``hub`` command: usage
samples (Green Button readings; winter-average requests and adjustment requests over the delivered
consumption sample of the same seed) and a collection agency's files about the placements sample
of the same seed (its acknowledgement, status updates, the CIS's recalls, the agency's remittance).
A clean sample is delivered in full without an error; with ``--bad N`` exactly N rows are
rejected, each on its own line."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from conftest import Workdir

from hub.engine.config import DEFAULT_CONFIG

SEED = 7


def sample(workdir: Workdir, kind: str, name: str, rows: int, bad: int = 0) -> dict[str, Any]:
    res = workdir.hub(
        "sample", name, "--kind", kind, "--rows", str(rows), "--bad", str(bad), "--seed", str(SEED), "--json"
    )
    assert res.code == 0, res.stdout + res.stderr
    made: dict[str, Any] = res.json()
    assert (made["kind"], made["bad"]) == (kind, bad)
    return made


def run(workdir: Workdir, command: str, made: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    res = workdir.hub(command, made["path"], "-x", made["exchange"], "--json")
    assert res.stdout, res.stderr
    out: dict[str, Any] = res.json()
    return res.code, out


def errors(out: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in out["problems"] if p["severity"] == "error"]


def delivered_histories(workdir: Workdir, accounts: int) -> None:
    made = sample(workdir, "consumption", "district.csv", 12 * accounts)
    code, out = run(workdir, "process", made)
    assert (code, out["delivered"]) == (0, 12 * accounts), out


def test_green_button_readings_are_delivered_and_a_bad_value_is_rejected_alone(workdir: Workdir) -> None:
    made = sample(workdir, "greenbutton", "usage.xml", 200)  # two usage points, a week each
    assert made["exchange"] == "green-button"
    code, out = run(workdir, "process", made)
    assert (code, out["state"], out["delivered"], errors(out)) == (0, "delivered", 200, [])
    assert out["transactions"] == {"IntervalUsage": 200}

    bad = sample(workdir, "greenbutton", "bad.xml", 100, bad=3)
    code, out = run(workdir, "validate", bad)
    assert code == 1 and out["rejected"] == 3
    assert {p["rule"] for p in errors(out)} == {"value-not-integer"} and len(
        {p["line"] for p in errors(out)}
    ) == 3


def test_winter_average_and_adjustment_requests_post_over_the_delivered_histories(workdir: Workdir) -> None:
    delivered_histories(workdir, 30)
    request = sample(workdir, "winter-average-request", "request.csv", 1)
    code, out = run(workdir, "process", request)
    assert (code, out["state"], out["transactions"]) == (0, "delivered", {"WinterAverage": 30}), out

    adjustments = sample(workdir, "consumption-adjustments", "adjust.csv", 30)
    code, checked = run(workdir, "validate", adjustments)
    assert (code, checked["problems"]) == (0, []), checked
    code, out = run(workdir, "process", adjustments)
    assert (code, out["delivered"], out["rejected"]) == (0, 30, 0), out
    assert out["transactions"] == {"ConsumptionAdjustment": 30}

    bad = sample(workdir, "consumption-adjustments", "bad.csv", 30, bad=5)
    code, out = run(workdir, "validate", bad)
    assert code == 1 and out["rejected"] == 5 and len({p["line"] for p in errors(out)}) == 5
    assert {p["rule"] for p in errors(out)} == {"period_order", "code_list", "decimal", "unit", "date"}
    bad_request = sample(workdir, "winter-average-request", "bad-request.csv", 3, bad=1)
    code, out = run(workdir, "validate", bad_request)
    assert code == 1 and [(p["line"], p["field"]) for p in errors(out)] == [(2, "season")]


def collections(workdir: Workdir) -> None:
    """The default hub.yaml's agency exchanges enabled (placements unencrypted: OpenPGP is tested
    on its own)."""
    config = yaml.safe_load(DEFAULT_CONFIG)
    for name in ("placements", "recalls", "placement-acks", "remittances", "collection-status"):
        config["exchanges"][name]["enabled"] = True
    del config["exchanges"]["placements"]["encryption"]
    config["exchanges"]["placements"]["encrypt"] = False
    workdir.set_config(yaml.safe_dump(config))


@pytest.mark.parametrize(
    ("kind", "transactions"),
    [
        ("collection-ack", {"CollectionAcknowledgement": 1}),
        ("collection-status", {"CollectionStatus": 35}),
        ("recall-extract", None),
    ],
)
def test_an_agencys_files_answer_the_placements_sample(
    workdir: Workdir, kind: str, transactions: dict[str, int] | None
) -> None:
    collections(workdir)
    placements = sample(workdir, "placements", "closed.csv", 40)
    code, placed = run(workdir, "originate", placements)
    assert (code, placed["delivered"]) == (0, 35), placed  # five flagged bankrupt or deceased: never placed

    made = sample(workdir, kind, "answer.csv", 40)
    command = "originate" if kind == "recall-extract" else "process"
    code, checked = run(workdir, "validate", made)
    assert (code, errors(checked), checked["rejected"]) == (0, [], 0), checked
    assert [p for p in checked["problems"] if p["rule"] == "acknowledgement"] == []  # all as sent
    code, out = run(workdir, command, made)
    assert (code, out["state"], out["rejected"]) == (0, "delivered", 0), out
    if transactions is not None:
        assert {t: n for t, n in out["transactions"].items() if n} == transactions
    else:
        assert out["delivered"] == 35

    bad = sample(workdir, kind, "bad.csv", 40, bad=3)
    code, out = run(workdir, "validate", bad)
    assert code == 1 and out["rejected"] == 3 and len({p["line"] for p in errors(out)}) == 3, out


def test_the_remittance_sample_pays_placed_accounts(workdir: Workdir) -> None:
    collections(workdir)
    run(workdir, "originate", sample(workdir, "placements", "closed.csv", 40))
    made = sample(workdir, "remittance", "remit.csv", 10, bad=2)
    assert made["amount_cents"] > 0
    code, out = run(workdir, "process", made)
    assert (code, out["rows"], out["rejected"]) == (1, 10, 2)
    assert {p["rule"] for p in errors(out)} == {"net-mismatch"}

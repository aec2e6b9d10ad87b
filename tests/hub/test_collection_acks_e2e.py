"""A collection agency's acknowledgement of placement files through the real ``hub`` command: the
agency's count and total, and its list of accepted accounts, are reconciled to what was sent (an
account missing, an extra one, a different amount each named) and delivered as a CIS
``CollectionAcknowledgement`` flagged for review; a file never sent to the agency is refused; ``hub
status`` alerts on a placement file not acknowledged within the configured days, until it is."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta

from conftest import Workdir

from tests.hub.test_placements_e2e import configure, extract, originate, person

HEADER = "agency_id,placement_file,count,total,account,amount"


def acks(workdir: Workdir) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob("*.CollectionAcknowledgement.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def test_an_acknowledgement_is_reconciled_to_the_placement_file_and_ends_the_alert(workdir: Workdir) -> None:
    configure(workdir)
    rows = [person("1001"), person("1002", balance="1000.00"), person("1003")]
    assert originate(workdir, "closed.csv", extract(*rows))[0] == 0
    [placement] = [p.name for p in (workdir.root / "outbox" / "placements").glob("*.csv")]
    status = workdir.hub("status", "--json")
    assert status.code == 0 and all(r["unacknowledged"] == [] for r in status.json())  # not late yet
    with sqlite3.connect(workdir.root / "var" / "hub.db") as db:  # as if sent ten days ago
        ten_days = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S.000000")
        db.execute("UPDATE batches SET created_at = ? WHERE exchange = 'placements'", (ten_days,))
    late = workdir.hub("status")
    assert late.code == 1 and f"placement file {placement} not acknowledged" in " ".join(late.stdout.split())
    ack = "\n".join(
        [
            HEADER,
            f"ACME,{placement},3,1500.20,,",
            f"ACME,{placement},,,1001,250.10",
            f"ACME,{placement},,,1002,999.00",  # another amount
            f"ACME,{placement},,,1009,10.00",  # never placed
            "ACME,placements-19990101-f9.csv,1,10.00,,",  # a file never sent to ACME
        ]
    )
    res = workdir.hub(
        "process", workdir.write("acme-ack.csv", (ack + "\n").encode()), "-x", "placement-acks", "--json"
    )
    out = res.json()
    assert (out["state"], out["delivered"], out["rejected"]) == ("delivered", 1, 1), out
    found = sorted((p["line"], p["rule"], p["severity"]) for p in out["problems"])
    assert found == [
        (2, "acknowledgement", "warning"),  # 1003 missing: named on the summary's line
        (4, "acknowledgement", "warning"),
        (5, "acknowledgement", "warning"),
        (6, "unknown-placement-file", "error"),
    ]
    messages = " ".join(p["message"] for p in out["problems"])
    assert (
        "$999.00 acknowledged, $1000.00 placed" in messages and "missing from the acknowledgement" in messages
    )
    [row] = acks(workdir)
    assert (row["placement_file"], row["acknowledged_count"], row["sent_count"], row["sent_cents"]) == (
        placement,
        "3",
        "3",
        "150020",
    )
    assert (row["missing"], row["extra"], row["different"], row["review"]) == ("1", "1", "1", "true")
    # acknowledged: the alert is over
    after = workdir.hub("status", "--json")
    assert after.code == 0 and all(r["unacknowledged"] == [] for r in after.json())

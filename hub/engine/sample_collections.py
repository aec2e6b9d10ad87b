"""Sample files of a collection agency's side (``placement-acks``, ``collection-status``) and the
CIS's recall extract (``recalls``), all about the accounts of the placements sample of the same
seed, rows and day as placed (``hub originate`` of it on the ``placements`` exchange), for trying
the hub and for tests.

The acknowledgement names the placement file the hub wrote for that sample when it was the hub's
first file of the day (``placements-YYYYMMDD-f1.csv``, the default name), its count and total, and
every account the agency took on. Status updates and recalls name placed accounts, with realistic
statuses (disputes, settlements, bankruptcies with their case and chapter) and recall reasons: one
line per placed account, so ``--rows`` is the placements sample's and the file holds fewer lines (the
accounts flagged bankrupt or deceased are never placed).
Optional bad rows break one rule each.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from formats.collection_ack import FIELDS as ACK_FIELDS
from formats.collection_status import FIELDS as STATUS_FIELDS
from formats.recall_extract import FIELDS as RECALL_FIELDS
from hub.engine.sample_common import pick
from hub.engine.sample_kinds import SampleFile
from hub.engine.sample_placements import _money, placeable

AGENCY = "ACME"  # the default hub.yaml's collection agency
STATUS_MIX = ("disputed", "paid-in-full", "settled", "bankruptcy", "deceased", "returned", "disputed")
REASONS = ("paid-at-office", "paid-at-office", "dispute", "billing-error", "bankruptcy", "deceased")


def placement_file(today: date) -> str:
    """The name the default placements exchange gives the hub's first file of ``today``."""
    return f"placements-{today:%Y%m%d}-f1.csv"


def _csv(fields: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def _spread(rows: int, bad: int) -> set[int]:
    step = max(rows // bad, 1) if bad else 0
    return {k * step for k in range(min(bad, rows))}


def ack_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """The agency's acknowledgement of ``placements_sample(rows, seed=seed, today=today)`` as placed:
    its summary row and a row per account taken on; ``bad`` account rows (spread evenly) carry an
    amount that is not dollars and cents."""
    placed = placeable(rows, seed, today)
    name = placement_file(today)
    total = sum(cents for _, cents in placed)
    found = [{"agency_id": AGENCY, "placement_file": name, "count": str(len(placed)), "total": _money(total)}]
    broken = _spread(len(placed), bad)
    for n, (account, cents) in enumerate(placed):
        amount = f"{_money(cents)}5" if n in broken else _money(cents)
        found.append({"agency_id": AGENCY, "placement_file": name, "account": account, "amount": amount})
    return SampleFile(_csv(ACK_FIELDS, found), len(found), len(broken), total)


def status_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """A status update for each placed account of the placements sample of ``rows`` rows; ``bad``
    of them (spread evenly) a bankruptcy without its chapter."""
    placed = placeable(rows, seed, today)
    broken = _spread(len(placed), bad)
    found = []
    for n, (account, _) in enumerate(placed):
        status = "bankruptcy" if n in broken else STATUS_MIX[pick(n, seed + 101, len(STATUS_MIX))]
        row = {
            "agency_id": AGENCY,
            "account": account,
            "status": status,
            "effective_date": (today - timedelta(days=1 + pick(n, seed + 102, 20))).isoformat(),
            "note": "customer disputes the final bill" if status == "disputed" else "",
        }
        if status == "bankruptcy":
            row["case_number"] = f"{today.year % 100:02d}-{10_000 + pick(n, seed + 103, 89_999)}"
            row["chapter"] = "" if n in broken else ("7", "13")[pick(n, seed + 104, 2)]
        found.append(row)
    return SampleFile(_csv(STATUS_FIELDS, found), len(found), len(broken))


def recall_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """A CIS extract recalling each placed account of the placements sample of ``rows`` rows; ``bad``
    of them (spread evenly) with a reason that is not one of the agreed ones."""
    placed = placeable(rows, seed, today)
    broken = _spread(len(placed), bad)
    found = []
    for n, (account, _) in enumerate(placed):
        reason = "customer-angry" if n in broken else REASONS[pick(n, seed + 111, len(REASONS))]
        note = "paid in full at the Main St office" if reason == "paid-at-office" else ""
        found.append({"account": account, "reason": reason, "note": note})
    return SampleFile(_csv(RECALL_FIELDS, found), len(found), len(broken))

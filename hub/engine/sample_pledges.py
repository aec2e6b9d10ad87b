"""Sample energy-assistance pledge files (``pledges`` exchange), for trying the hub and the demo.

Pledges of agency CAA01 (the default hub.yaml's) toward the accounts of ``hub reference sample
accounts`` of the same seed: active accounts only, the customer's name written the way agencies
write it (``Ana Garcia``, ``GARCIA, ANA``, ``garcia ana jr``: all the same person), amounts within
the program's cap, pledged three days ago, expiring in sixty. Optional bad rows break one rule
each, in turn: a wrong name, an unknown account, an over-cap amount, an expired pledge, a bad
amount, a pledge id sent twice.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import TYPE_CHECKING

from hub.engine.sample_common import GIVEN_NAMES, SURNAMES, address, demo_seed, pick, sample_account
from hub.engine.sample_kinds import SampleFile, column_cents

if TYPE_CHECKING:
    from hub.engine.config import Settings

PLEDGES_HEADER = (
    "agency_id,pledge_id,account,customer_name,service_address,program,amount,pledge_date,expires"
)
BAD_PLEDGES = ("name-mismatch", "unknown-account", "over-cap", "expired", "bad-amount", "duplicate-pledge")


def _active(i: int, seed: int) -> bool:
    """Whether account ``i`` of ``accounts_csv(seed=seed)`` is active (its status pick)."""
    return pick(i, seed + 11, 1000) >= 25


def _name(i: int, seed: int) -> tuple[str, str]:
    return GIVEN_NAMES[pick(i, seed, len(GIVEN_NAMES))], SURNAMES[pick(i, seed + 12, len(SURNAMES))]


def _spelled(given: str, surname: str, n: int) -> str:
    """The name as an agency's caseworker may have typed it."""
    forms = (
        f"{given.title()} {surname.title()}",
        f"{surname}, {given}",
        f"{surname.lower()} {given.lower()} jr",
        f"{given.title()}  {surname.title()}.",
    )
    return forms[n % len(forms)]


def pledges_csv(rows: int, *, bad: int = 0, seed: int = 1, today: date | None = None) -> bytes:
    """An agency file of ``rows`` pledges of which ``bad`` (spread evenly) break a rule each."""
    day = today or date.today()
    pledged, expires = day - timedelta(days=3), day + timedelta(days=60)
    step = max(rows // bad, 1) if bad else 0
    broken = {n * step: BAD_PLEDGES[n % len(BAD_PLEDGES)] for n in range(min(bad, rows))}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(PLEDGES_HEADER.split(","))
    i = 0
    for n in range(rows):
        while not _active(i, seed):
            i += 1
        given, surname = _name(i, seed)
        program = "CRISIS" if n % 4 == 3 else "LIHEAP"
        cents = 5000 + pick(n, seed + 21, 400) * 100 + pick(n, seed + 22, 100)  # $50.00 .. $449.99
        row = [
            "CAA01",
            f"CAA01-{seed}-{n + 1:06d}",
            sample_account(i, seed),
            _spelled(given, surname, n),
            address(i, seed),
            program,
            f"{cents // 100}.{cents % 100:02d}",
            pledged.isoformat(),
            expires.isoformat(),
        ]
        rule = broken.get(n)
        if rule == "name-mismatch":
            row[3] = "Somebody Else"
        elif rule == "unknown-account":
            row[2] = "9999999999"
        elif rule == "over-cap":
            row[5], row[6] = "CRISIS", "900.00"
        elif rule == "expired":
            row[7], row[8] = (day - timedelta(days=90)).isoformat(), (day - timedelta(days=1)).isoformat()
        elif rule == "bad-amount":
            row[6] = "12.345"
        elif rule == "duplicate-pledge" and n:
            row[1] = f"CAA01-{seed}-{n:06d}"  # the pledge id of the line before
        writer.writerow(row)
        i += 1
    return buf.getvalue().encode()


def pledges_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """``hub sample --kind pledges``."""
    data = pledges_csv(rows, bad=bad, seed=seed, today=today)
    return SampleFile(data, rows, min(bad, rows), column_cents(data, "amount"))


def write_demo_pledges(settings: Settings, stamp: str, rows: int) -> list[str]:
    """``hub demo``: an agency's pledge file into the pledges drop folder, when that exchange is
    configured; returns the exchanges to cycle. (Without a loaded accounts extract the file is
    rejected naming ``hub reference load accounts``, and its acknowledgement says so per line.)"""
    ex = settings.exchanges.get("pledges")
    if ex is None or ex.config.kind != "assistance-pledges":
        return []
    ex.source_path.mkdir(parents=True, exist_ok=True)
    (ex.source_path / f"{stamp}-caa01-pledges.csv").write_bytes(
        pledges_csv(max(rows // 10, 10), bad=3, seed=demo_seed(stamp))
    )
    return [ex.name]

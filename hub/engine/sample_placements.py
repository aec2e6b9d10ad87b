"""Sample CIS extracts of closed accounts to place with a collection agency (``placements``
exchange), for trying the hub and for tests.

Accounts of ``hub reference sample accounts`` of the same seed, each with a made-up guarantor: a
name, an SSN that can exist (area 100-665, never 666 or 9xx; group and serial never zero), a date
of birth 25-80 years back, the account's service address in Springfield, IL, and a final bill of
$30.00 to $1,999.99 closed 60-120 days ago. About one account in 17 is flagged ``bankruptcy`` and
one in 23 ``deceased``: reported, never placed. Optional bad rows (never flagged) break one rule
each, in turn.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from formats.placement_extract import FIELDS
from hub.engine.sample_common import GIVEN_NAMES, SURNAMES, address, pick, sample_account
from hub.engine.sample_kinds import SampleFile, column_cents

BAD_PLACEMENTS = ("ssn-impossible", "date", "bad-amount", "state", "zip", "duplicate-account")


def placement_extract_csv(rows: int, *, bad: int = 0, seed: int = 1, today: date | None = None) -> bytes:
    """A CIS placement extract of ``rows`` accounts of which ``bad`` (spread evenly) break a rule."""
    day = today or date.today()
    step = max(rows // bad, 1) if bad else 0
    broken = {n * step: BAD_PLACEMENTS[n % len(BAD_PLACEMENTS)] for n in range(min(bad, rows))}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for n in range(rows):
        closed = day - timedelta(days=60 + pick(n, seed + 31, 61))
        cents = 3000 + pick(n, seed + 32, 197_000)
        row = {
            "account": sample_account(n, seed),
            "name": f"{GIVEN_NAMES[pick(n, seed, len(GIVEN_NAMES))].title()} "
            f"{SURNAMES[pick(n, seed + 12, len(SURNAMES))].title()}",
            "ssn": f"{100 + pick(n, seed + 33, 566):03d}-{1 + pick(n, seed + 34, 99):02d}-"
            f"{1 + pick(n, seed + 35, 9999):04d}",
            "date_of_birth": (day - timedelta(days=365 * 25 + pick(n, seed + 36, 365 * 55))).isoformat(),
            "address": address(n, seed).title(),
            "city": "Springfield",
            "state": "IL",
            "zip": f"627{pick(n, seed + 37, 100):02d}",
            "phone": f"217555{pick(n, seed + 38, 10000):04d}",
            "balance": f"{cents // 100}.{cents % 100:02d}",
            "service_from": (closed - timedelta(days=400 + pick(n, seed + 39, 2000))).isoformat(),
            "service_to": (closed - timedelta(days=1)).isoformat(),
            "last_payment_date": (closed - timedelta(days=90)).isoformat(),
            "first_delinquency_date": (closed - timedelta(days=45)).isoformat(),
            "close_date": closed.isoformat(),
            "flags": "bankruptcy" if n % 17 == 5 else "deceased" if n % 23 == 7 else "",
        }
        rule = broken.get(n)
        if rule:
            row["flags"] = ""  # a bad row is bad for its one rule only
        if rule == "ssn-impossible":
            row["ssn"] = "666" + row["ssn"][3:]
        elif rule == "date":
            row["close_date"] = "2026-02-30"
        elif rule == "bad-amount":
            row["balance"] = "12.345"
        elif rule == "state":
            row["state"] = "XX"
        elif rule == "zip":
            row["zip"] = "627"
        elif rule == "duplicate-account" and n:
            row["account"] = sample_account(n - 1, seed)
        writer.writerow(row)
    return buf.getvalue().encode()


def placeable(rows: int, seed: int, today: date) -> list[tuple[str, int]]:
    """(account, balance cents) of the sample extract's rows a placement takes (no flag, no bad row)."""
    found = []
    for row in csv.DictReader(io.StringIO(placement_extract_csv(rows, seed=seed, today=today).decode())):
        if not row["flags"]:
            whole, cents = row["balance"].split(".")
            found.append((row["account"], int(whole) * 100 + int(cents)))
    return found


def remittance_csv(
    rows: int, *, bad: int = 0, seed: int = 1, today: date | None = None, agency: str = "ACME"
) -> bytes:
    """An agency's remittance for accounts of ``placement_extract_csv(..., seed=seed)`` as placed:
    ``rows`` payments of part of each balance, commission 25 %, and the trailer; ``bad`` rows (spread
    evenly) have a net that is not gross - commission."""
    day = today or date.today()
    accounts = placeable(max(rows * 2, 20), seed, day)[:rows]
    step = max(len(accounts) // bad, 1) if bad else 0
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("agency_id", "reference", "account", "gross", "commission", "net", "paid_on"))
    totals = [0, 0, 0]
    for n, (account, balance) in enumerate(accounts):
        gross = max(balance * (10 + pick(n, seed + 41, 90)) // 100, 100)
        commission = gross // 4
        net = gross - commission - (1 if bad and n % step == 0 and n // step < bad else 0)
        for i, v in enumerate((gross, commission, net)):
            totals[i] += v
        paid = (day - timedelta(days=1 + pick(n, seed + 42, 20))).isoformat()
        writer.writerow(
            (agency, f"{agency}-{seed}-{n + 1:06d}", account, *map(_money, (gross, commission, net)), paid)
        )
    writer.writerow(("TRAILER", len(accounts), "", *map(_money, totals), ""))
    return out.getvalue().encode()


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def placements_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """``hub sample --kind placements``."""
    data = placement_extract_csv(rows, bad=bad, seed=seed, today=today)
    return SampleFile(data, rows, min(bad, rows), column_cents(data, "balance"))


def remittance_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """``hub sample --kind remittance``: the gross collected as the total."""
    data = remittance_csv(rows, bad=bad, seed=seed, today=today)
    body = b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"TRAILER"))
    return SampleFile(data, rows, min(bad, rows), column_cents(body, "gross"))

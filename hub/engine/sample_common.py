"""What the sample generators share: deterministic pseudo-random picks, the sample utility's
customers (names, service addresses, account numbers, statuses, meters) with their CIS reference
extracts, and the seed a demo run gives every sample that names CIS accounts."""

from __future__ import annotations

import polars as pl


def mix(i: pl.Expr, salt: int, modulus: int) -> pl.Expr:
    """A cheap deterministic pseudo-random integer in [0, modulus) per row."""
    return ((i * 2_654_435_761 + salt * 97_531) % 4_294_967_291) % modulus


def to_csv(frame: pl.DataFrame) -> bytes:
    """A sample table as CSV bytes, empty cells for nulls."""
    return frame.write_csv(null_value="").encode()


def demo_seed(stamp: str) -> int:
    """One seed for the samples of a demo run that name CIS accounts (accounts, histories,
    pledges, checks agree)."""
    return int(stamp) % 9973 + 1


# -- CIS reference extracts -------------------------------------------------------------------------

SURNAMES = ("DOE", "ROE", "GARCIA", "SMITH", "NGUYEN", "JOHNSON", "PATEL", "BROWN", "LOPEZ", "KIM", "OKAFOR")
GIVEN_NAMES = ("JANE", "JOHN", "MARIA", "DAVID", "LINDA", "JAMES", "ANA", "WEI", "FATIMA", "ROBERT")
STREETS = (
    "OAK ST",
    "MAPLE AVE",
    "RIVER RD",
    "HILL DR",
    "1ST ST",
    "PINE LN",
    "LAKE BLVD",
    "ELM CT",
    "MAIN ST",
)


def pick(i: int, salt: int, modulus: int) -> int:
    """``mix`` for one value."""
    return (i * 2_654_435_761 + salt * 97_531) % 4_294_967_291 // 1009 % modulus


def sample_account(i: int, seed: int = 1) -> str:
    """The account number of row ``i`` of ``meter_reads_csv(..., seed=seed)``."""
    return f"{1_000_000 + i * 7 + seed:010d}"


def accounts_csv(rows: int = 1000, *, seed: int = 1) -> bytes:
    """A CIS accounts extract holding the accounts of ``meter_reads_csv(rows, seed=seed)``: mostly
    active, about 1 % closed, 1 % final-billed and 0.5 % inactive; names quoted with their comma."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("account", "name", "service_address", "status"))
    for i in range(rows):
        status = account_status(i, seed)
        name = (
            f"{SURNAMES[pick(i, seed + 12, len(SURNAMES))]}, {GIVEN_NAMES[pick(i, seed, len(GIVEN_NAMES))]}"
        )
        writer.writerow((sample_account(i, seed), name, address(i, seed), status))
    return buf.getvalue().encode()


def account_status(i: int, seed: int = 1) -> str:
    """The status of account ``i`` of ``accounts_csv(seed=seed)``."""
    drawn = pick(i, seed + 11, 1000)
    return "closed" if drawn < 10 else "final" if drawn < 20 else "inactive" if drawn < 25 else "active"


def active_accounts(count: int, seed: int = 1, *, start: int = 0) -> list[tuple[int, str]]:
    """The first ``count`` active accounts of ``accounts_csv(seed=seed)`` from row ``start`` on:
    (row, account number)."""
    found: list[tuple[int, str]] = []
    i = start
    while len(found) < count:
        if account_status(i, seed) == "active":
            found.append((i, sample_account(i, seed)))
        i += 1
    return found


def meters_csv(rows: int = 1000, *, seed: int = 1) -> bytes:
    """A CIS meters extract for the meters of ``meter_reads_csv(rows, seed=seed)``, each on its
    account's service address; about 1 % removed (no account)."""
    lines = ["meter,account,service_address,status"]
    for i in range(rows):
        removed = pick(i, seed + 13, 100) == 0
        account = "" if removed else sample_account(i, seed)
        status = "removed" if removed else "active"
        lines.append(f"M{5_000_000 + i},{account},{address(i, seed)},{status}")
    return ("\n".join(lines) + "\n").encode()


def address(i: int, seed: int) -> str:
    return f"{100 + pick(i, seed + 14, 9800)} {STREETS[pick(i, seed + 15, len(STREETS))]}"

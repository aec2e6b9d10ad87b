"""Shared by the origination tests: CIS autopay extracts, the ledger of a working folder, and the
NACHA files the hub placed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from formats.nacha import NachaFile, read_nacha
from hub.ledger import Ledger

HEADER = "payment_id,account,name,routing,dfi_account,account_type,amount_cents,effective_date"
CUSTOMER_BANK = "231380104"  # routing with a valid check digit
OTHER_BANK = "021000021"
ODFI = "09100001"  # the default configuration's originator


def soon(days: int = 3) -> date:
    """An effective date the extract rules accept (today is UTC in the default configuration)."""
    return datetime.now(UTC).date() + timedelta(days=days)


def row(n: int, **values: Any) -> dict[str, Any]:
    """The n-th customer's debit; ``values`` override fields."""
    return {
        "payment_id": f"P-{n:05d}",
        "account": f"{1_000_000 + n:010d}",
        "name": f"CUSTOMER {n}",
        "routing": CUSTOMER_BANK if n % 2 else OTHER_BANK,
        "dfi_account": f"{40_000_000 + n * 1_009}",
        "account_type": "checking" if n % 3 else "savings",
        "amount_cents": 1_000 + n * 37,
        "effective_date": "",
        **values,
    }


def extract(rows: list[dict[str, Any]]) -> bytes:
    lines = [HEADER] + [",".join(str(r[f]) for f in HEADER.split(",")) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def ledger(root: Path) -> Ledger:
    return Ledger.open(f"sqlite:///{root / 'var' / 'hub.db'}")


def originated_rows(root: Path) -> list[dict[str, Any]]:
    """Every originated entry in the ledger, by trace."""
    from sqlalchemy import select

    from hub.ledger import schema as t

    led = ledger(root)
    try:
        with led.tx() as conn:
            found = conn.execute(select(t.originated_entries).order_by(t.originated_entries.c.trace)).all()
        return [dict(r._mapping) for r in found]
    finally:
        led.close()


def placed(folder: Path) -> dict[str, NachaFile]:
    """The NACHA files in a folder (hidden temporary names excluded), read back."""
    return {
        p.name: read_nacha(p.read_bytes(), p.name)
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }

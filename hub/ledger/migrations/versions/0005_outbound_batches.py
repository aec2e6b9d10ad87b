"""Outbound files are batches: the engine now leaves out an outbound row whose key it delivered
before, as it does for inbound transactions. Every debit originated before this revision gets its key
(``D|<payment id>``) among its exchange's delivered keys and its file a batch (published when the
extract was delivered; unpublished, with the kept copy as its path, when the push had not finished),
so no payment is originated twice after the upgrade and an unfinished push is still finished.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TXN_TYPE = "AchDebit"  # the ach-debits kind's output


def _kept(landed_path: str, exchange: str, file_id: int) -> Path | None:
    """The copy of the file as sent, kept beside the landed copies: ``<var>/outbound/<exchange>/f<id>``."""
    folder = Path(landed_path).parent.parent / "outbound" / exchange / f"f{file_id}"
    found = [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.is_dir() else []
    return found[0] if len(found) == 1 else None


def upgrade() -> None:
    import polars as pl

    conn = op.get_bind()
    files = conn.execute(
        sa.text(
            "SELECT DISTINCT o.exchange, o.file_id, f.landed_path, f.state, f.last_run_id "
            "FROM originated_entries o JOIN files f ON f.id = o.file_id "
            "WHERE o.file_id NOT IN (SELECT file_id FROM batches) ORDER BY o.file_id"
        )
    ).all()
    now = datetime.now(UTC)
    for exchange, file_id, landed_path, state, run_id in files:
        payments = (
            conn.execute(
                sa.text("SELECT payment_id FROM originated_entries WHERE file_id = :f ORDER BY trace"),
                {"f": file_id},
            )
            .scalars()
            .all()
        )
        if run_id is None:
            run_id = conn.execute(
                sa.text(
                    "INSERT INTO runs (exchange, trigger, started_at, ended_at, status, files, rows, "
                    "delivered, rejected, duplicates) VALUES (:e, 'migration', :t, :t, 'ok', 0, 0, 0, 0, 0) "
                    "RETURNING id"
                ),
                {"e": exchange, "t": now},
            ).scalar_one()
        kept = _kept(landed_path, exchange, file_id)
        blob = io.BytesIO()
        keys = pl.DataFrame({"key": [f"D|{p}" for p in payments], "line": [0] * len(payments)})
        keys.write_ipc(blob, compression="zstd")
        batch_pk = conn.execute(
            sa.text(
                "INSERT INTO batches (batch_id, exchange, file_id, run_id, path, transactions, "
                "control_sha256, created_at, published_at) VALUES (:b, :e, :f, :r, :p, :n, :s, :t, :pub) "
                "RETURNING id"
            ),
            {
                "b": f"{exchange}-migrated-f{file_id}",
                "e": exchange,
                "f": file_id,
                "r": run_id,
                "p": str(kept) if kept is not None else "",
                "n": len(payments),
                "s": hashlib.sha256(kept.read_bytes()).hexdigest() if kept is not None else "",
                "t": now,
                "pub": now if state == "delivered" else None,
            },
        ).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO delivered_transactions (batch_pk, exchange, txn_type, file_id, count, keys, "
                "created_at) VALUES (:b, :e, :x, :f, :n, :k, :t)"
            ),
            {
                "b": batch_pk,
                "e": exchange,
                "x": TXN_TYPE,
                "f": file_id,
                "n": len(payments),
                "k": blob.getvalue(),
                "t": now,
            },
        )


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "DELETE FROM delivered_transactions WHERE txn_type = :x AND file_id IN "
            "(SELECT file_id FROM originated_entries)"
        ),
        {"x": TXN_TYPE},
    )
    conn.execute(sa.text("DELETE FROM batches WHERE file_id IN (SELECT file_id FROM originated_entries)"))

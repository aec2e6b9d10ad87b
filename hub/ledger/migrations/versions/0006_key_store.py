"""The key store: delivered keys as stable hashes under the date they carry, so a delivery reads only
the dates of its own keys. The batches' key blobs stay where they are (``delivered_transactions``,
now indexed by batch): they are the keys themselves and their source lines, and an exchange's store
is filled from them under its kind's dates the first time it delivers after this revision
(``hub.ledger.keys``), when the ledger knows how the kind dates its keys.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_delivered_batch", "delivered_transactions", ["batch_pk"])
    op.create_table(
        "key_stores",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("exchange", sa.String(64), nullable=False, unique=True),
        sa.Column("parts", sa.String(32)),
    )
    op.create_table(
        "key_hashes",
        sa.Column("store", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("part", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("batch_pk", sa.Integer, primary_key=True, autoincrement=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "key_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("store", sa.Integer, sa.ForeignKey("key_stores.id"), nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("batch_pk", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_key_runs_part", "key_runs", ["store", "part"])


def downgrade() -> None:
    op.drop_index("ix_key_runs_part", table_name="key_runs")
    for name in ("key_runs", "key_hashes", "key_stores"):
        op.drop_table(name)
    op.drop_index("ix_delivered_batch", table_name="delivered_transactions")

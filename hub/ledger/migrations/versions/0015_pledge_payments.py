"""Agency payments of energy-assistance pledges, one row per pledge paid (hub/ledger/pledge_payments.py).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pledge_payments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("payment_key", sa.String(255), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("pledge_id", sa.String(128), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pledge_payments_pledge", "pledge_payments", ["agency", "pledge_id"])
    op.create_index("ix_pledge_payments_payment", "pledge_payments", ["payment_key"])


def downgrade() -> None:
    op.drop_index("ix_pledge_payments_payment", table_name="pledge_payments")
    op.drop_index("ix_pledge_payments_pledge", table_name="pledge_payments")
    op.drop_table("pledge_payments")

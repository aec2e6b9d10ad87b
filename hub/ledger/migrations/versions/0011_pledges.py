"""Delivered energy-assistance pledges, one row per pledge posted (hub/ledger/pledges.py).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("pledge_id", sa.String(128), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("program", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("pledge_date", sa.Date, nullable=False),
        sa.Column("expires", sa.Date, nullable=False),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pledges_account", "pledges", ["account", "pledge_date"])


def downgrade() -> None:
    op.drop_index("ix_pledges_account", table_name="pledges")
    op.drop_table("pledges")

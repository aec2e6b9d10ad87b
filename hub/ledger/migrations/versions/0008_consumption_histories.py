"""Delivered consumption histories, packed: one row per account and delivery, its periods as text
lines (hub/ledger/consumption.py).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumption_histories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("periods", sa.Integer, nullable=False),
        sa.Column("packed", sa.Text, nullable=False),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_consumption_histories_account", "consumption_histories", ["account", "last_day"])


def downgrade() -> None:
    op.drop_index("ix_consumption_histories_account", table_name="consumption_histories")
    op.drop_table("consumption_histories")

"""Delivered winter averages, one row per delivery of an account's average for a season
(hub/ledger/winter_averages.py).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "winter_averages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("season", sa.Integer, nullable=False),
        sa.Column("average", sa.String(64)),
        sa.Column("days_covered", sa.Integer, nullable=False),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_winter_averages_season", "winter_averages", ["season", "account"])


def downgrade() -> None:
    op.drop_index("ix_winter_averages_season", table_name="winter_averages")
    op.drop_table("winter_averages")

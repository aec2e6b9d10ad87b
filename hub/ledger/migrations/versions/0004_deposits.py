"""Deposits per date and lockbox: what lockbox files say was deposited and what the bank reports,
for reconciliation.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deposits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("deposit_date", sa.Date, nullable=False),
        sa.Column("lockbox", sa.String(32), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(255)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("side", "key", name="uq_deposits_side_key"),
    )
    op.create_index("ix_deposits_date", "deposits", ["deposit_date", "lockbox"])


def downgrade() -> None:
    op.drop_index("ix_deposits_date", table_name="deposits")
    op.drop_table("deposits")

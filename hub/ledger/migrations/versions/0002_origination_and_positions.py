"""Debits the hub originates are recorded by trace number; problems carry character positions
(fixed-width formats) and a severity (warnings are tolerated deviations, reported, not rejected).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "originated_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("trace", sa.String(15), nullable=False, unique=True),
        sa.Column("payment_id", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("transaction_code", sa.Integer, nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("rejections") as batch:
        batch.add_column(sa.Column("positions", sa.String(16)))
        batch.add_column(sa.Column("severity", sa.String(8), nullable=False, server_default="error"))


def downgrade() -> None:
    op.drop_table("originated_entries")
    with op.batch_alter_table("rejections") as batch:
        batch.drop_column("severity")
        batch.drop_column("positions")

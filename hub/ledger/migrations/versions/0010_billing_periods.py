"""The CIS billing-periods extract (hub/ledger/reference.py): one row per load, account and period.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_billing_periods",
        sa.Column("load_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("account", sa.String(64), primary_key=True),
        sa.Column("period_start", sa.String(10), primary_key=True),
        sa.Column("period_end", sa.String(10), nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("reference_billing_periods")

"""CIS reference data: loads of account and meter extracts, their rows, and each kind's current load.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reference_loads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("loaded_at", TS, nullable=False),
        sa.Column("replaces", sa.Integer, sa.ForeignKey("reference_loads.id")),
        sa.Column("pruned_at", TS),
    )
    op.create_index("ix_reference_loads_kind", "reference_loads", ["kind", "id"])
    op.create_table(
        "reference_current",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("load_id", sa.Integer, sa.ForeignKey("reference_loads.id"), nullable=False),
    )
    op.create_table(
        "reference_accounts",
        sa.Column("load_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("number", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("service_address", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "reference_meters",
        sa.Column("load_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("meter", sa.String(64), primary_key=True),
        sa.Column("account", sa.String(64)),
        sa.Column("service_address", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_reference_meters_account", "reference_meters", ["load_id", "account"])


def downgrade() -> None:
    op.drop_index("ix_reference_meters_account", table_name="reference_meters")
    op.drop_table("reference_meters")
    op.drop_table("reference_accounts")
    op.drop_table("reference_current")
    op.drop_index("ix_reference_loads_kind", table_name="reference_loads")
    op.drop_table("reference_loads")

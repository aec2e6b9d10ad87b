"""Placement files a collection agency acknowledged (hub/ledger/placements.py).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "placement_acks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("placement_file", sa.String(255), nullable=False),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_placement_acks_agency", "placement_acks", ["agency"])


def downgrade() -> None:
    op.drop_index("ix_placement_acks_agency", "placement_acks")
    op.drop_table("placement_acks")

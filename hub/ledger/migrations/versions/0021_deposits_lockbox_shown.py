"""Deposits keep the lockbox number as the file wrote it ("0012345"), beside the number compared
without leading zeros, so ``hub reconcile`` shows the operator the number on the bank's papers.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deposits", sa.Column("lockbox_shown", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deposits") as batch:
        batch.drop_column("lockbox_shown")

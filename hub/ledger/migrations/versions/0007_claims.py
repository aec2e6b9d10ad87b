"""Claims: a source's item or a landed content is taken by exactly one hub process, with a lease
that runs out if its holder dies (hub/ledger/claims.py).

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("key", sa.String(1024), primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("claimed_at", TS, nullable=False),
        sa.Column("lease_until", TS, nullable=False),
        sa.Column("done_at", TS),
    )


def downgrade() -> None:
    op.drop_table("claims")

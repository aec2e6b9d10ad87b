"""The partner a reply is for, when it also goes to that partner's server (reply_destinations).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("replies") as batch:
        batch.add_column(sa.Column("partner", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("replies") as batch:
        batch.drop_column("partner")

"""Files by the time they landed: the console's Volumes reads 60 days of them without a scan.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_files_landed_at", "files", ["landed_at"])


def downgrade() -> None:
    op.drop_index("ix_files_landed_at", "files")

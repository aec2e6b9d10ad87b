"""The operator console's audit trail and a rejected file's "resolved elsewhere" marker
(hub/ledger/audit.py).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("upload", sa.String(255)),
        sa.Column("outcome_file_id", sa.Integer),
        sa.Column("outcome_state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_audit_file", "audit", ["file_id"])
    op.create_index("ix_audit_outcome_file", "audit", ["outcome_file_id"])
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("resolved_by", sa.String(64)))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("resolution", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_column("resolution")
        batch.drop_column("resolved_at")
        batch.drop_column("resolved_by")
    op.drop_index("ix_audit_outcome_file", "audit")
    op.drop_index("ix_audit_file", "audit")
    op.drop_table("audit")

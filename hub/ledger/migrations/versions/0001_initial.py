"""Initial ledger: files, runs, rejections, batches, delivered transactions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("landed_path", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer),
        sa.Column("delivered", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("already_delivered", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("files.id")),
        sa.Column("replaces", sa.Integer, sa.ForeignKey("files.id")),
        sa.Column("last_run_id", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("landed_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_files_exchange_sha", "files", ["exchange", "sha256"])
    op.create_index("ix_files_state", "files", ["state"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("exchange", sa.String(64)),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("files", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("delivered", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
        sa.Column("totals", sa.Text),
    )
    op.create_table(
        "rejections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("line", sa.Integer),
        sa.Column("field", sa.String(64)),
        sa.Column("value", sa.Text),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_rejections_file_run", "rejections", ["file_id", "run_id"])
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.String(128), nullable=False, unique=True),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("transactions", sa.Integer, nullable=False),
        sa.Column("control_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("published_at", TS),
    )
    op.create_table(
        "delivered_transactions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_pk", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("exchange", sa.String(64), nullable=False),
        sa.Column("txn_type", sa.String(32), nullable=False),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("keys", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_delivered_exchange", "delivered_transactions", ["exchange", "created_at"])
    op.create_table("exchange_locks", sa.Column("exchange", sa.String(64), primary_key=True))


def downgrade() -> None:
    for name in ("exchange_locks", "delivered_transactions", "batches", "rejections", "runs", "files"):
        op.drop_table(name)

"""The key store keeps a small batch's keys as one small run: a ``key_runs`` row whose part is
``hub.ledger.keys.SMALL``, its blob raw arrays rather than Arrow IPC. No table changes; the revision
marks the ledgers that may hold small runs, so a hub from before them refuses the ledger instead
of misreading its runs. Downgrading folds every small run into ``key_hashes`` rows.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import select

from hub.ledger import schema as t
from hub.ledger.keys import SMALL, fold_small_runs

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: older ledgers hold no small runs, and their keys stay as they are."""


def downgrade() -> None:
    conn = op.get_bind()
    r = t.key_runs.c
    for store in conn.execute(select(r.store).where(r.part == SMALL).distinct()).scalars().all():
        fold_small_runs(conn, int(store))

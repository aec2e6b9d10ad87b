"""Alembic environment: the hub passes its open connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from hub.ledger.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    include_name=lambda name, kind, parent: not (kind == "table" and name == "alembic_version"),
)
with context.begin_transaction():
    context.run_migrations()

"""The ledger schema: Alembic migrations and the table declarations agree, on every backend."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from hub.ledger import Ledger
from hub.ledger.schema import HEAD_REVISION, metadata

MIGRATIONS = Path(__file__).parents[2] / "hub" / "ledger" / "migrations"


def test_migrations_build_exactly_the_declared_schema(ledger_url: str) -> None:
    engine = create_engine(ledger_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, kind, parent: not (kind == "table" and name == "alembic_version")
            },
        )
        diff = compare_metadata(ctx, metadata)
    assert diff == [], diff
    engine.dispose()
    Ledger.open(ledger_url).close()  # a migrated database at head opens without change


def test_an_empty_database_is_created_at_head(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
        assert {"files", "runs", "rejections", "batches", "delivered_transactions"} <= set(
            inspect(conn).get_table_names()
        )
    ledger.close()

"""The key store's hashing and splitting (hub/ledger/keys.py): stable hashes, parts by the date a key
carries, rows, runs and small runs; small runs folded into rows through the real ``hub cycle``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, func, select, text

import hub.ledger
from hub.ledger import Ledger
from hub.ledger import schema as t
from hub.ledger.keys import FOLD_AT, RUN_MIN, SMALL, key_entries, pack_entries, parts_of, run_entries
from tests.conftest import Workdir


def signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def test_hashes_are_xxh3_64_whatever_the_polars_version() -> None:
    """The published XXH3-64 test values (seed 0): a hash kept today is found by any later version."""
    entries = key_entries(pl.Series(["", "a", "abc"]), None)
    assert entries.get_column("hash").to_list() == [
        signed(0x2D06800538D394C2),
        signed(0xE6C632B61E964E1F),
        signed(0x78AF5F94892F3950),
    ]


def test_a_key_is_kept_under_the_day_it_carries() -> None:
    keys = pl.Series(["M1|1|2026-11-20T08:15:00Z", "M2|1|2026-11-21T23:59:59Z", "M3|1|not a date!!!!!!", "x"])
    parts = key_entries(keys, -20).get_column("part").to_list()
    epoch = date(1970, 1, 1)
    assert parts == [(date(2026, 11, 20) - epoch).days, (date(2026, 11, 21) - epoch).days, 0, 0]
    assert key_entries(keys, None).get_column("part").to_list() == [0, 0, 0, 0]
    assert key_entries(keys, 3).get_column("part").to_list() == [0, 0, 0, 0]
    assert parts_of(-20) != parts_of(None) != parts_of(3)


def test_many_keys_of_one_day_are_a_run_and_the_rest_rows() -> None:
    many = [f"M{i}|1|2026-11-20T08:00:00Z" for i in range(RUN_MIN)]
    few = [f"M{i}|1|2026-11-19T08:00:00Z" for i in range(3)]
    undated = [f"M{i}|1|????-??-??T08:00:00Z" for i in range(RUN_MIN)]
    packed = pack_entries(7, key_entries(pl.Series(many + few + undated), -20))
    [(part, count, blob)] = packed.runs
    assert part == (date(2026, 11, 20) - date(1970, 1, 1)).days and count == RUN_MIN
    assert pl.read_ipc(blob).get_column("hash").len() == RUN_MIN
    assert packed.rows.height == 3 + RUN_MIN, "undated keys are never a run, however many"
    assert packed.store == 7


def test_a_small_batchs_keys_of_every_part_are_one_small_run() -> None:
    keys = pl.Series([f"M{i}|1|2026-11-{20 + i % 3}T08:00:00Z" for i in range(300)] + ["undated"] * 2)
    entries = key_entries(keys, -20)
    packed = pack_entries(7, entries)
    [(part, count, blob)] = packed.runs
    assert part == SMALL and count == 301 and packed.rows.is_empty()
    kept = run_entries(part, count, blob)
    # each key once, in the index's order (part, then hash): folded into rows as they are
    assert kept.rows() == sorted(set(entries.select("part", "hash").rows()))
    assert kept.get_column("part").n_unique() == 4, "three days and the undated part"


def _store(root: Path) -> tuple[int, int]:
    """Small runs and rows in the hub folder's key store."""
    ledger = Ledger.open(f"sqlite:///{root / 'var' / 'hub.db'}")
    try:
        with ledger.tx() as conn:
            small = conn.execute(select(func.count()).where(t.key_runs.c.part == SMALL)).scalar_one()
            rows = conn.execute(select(func.count()).select_from(t.key_hashes)).scalar_one()
    finally:
        ledger.close()
    return small, rows


def test_a_cycle_folds_small_runs_and_a_redelivery_of_any_file_is_refused(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    """Route uploads of 10 rows each (distinct reads): the delivery that makes ``FOLD_AT`` small runs
    folds them into rows, the files after it are small runs again; each file sent again (its rows in
    another order: other bytes, the same reads) is delivered before, whichever form holds its keys."""
    header, *rows = upload((FOLD_AT + 2) * 10).decode().splitlines(keepends=True)
    routes = [rows[i : i + 10] for i in range(0, len(rows), 10)]
    for n, route in enumerate(routes):
        workdir.write(f"inbox/meter-reads/route-{n:03}.csv", (header + "".join(route)).encode())
    first = workdir.hub("cycle", "--json")
    assert first.code == 0, first.stderr
    taken = [o for o in first.json() if o["state"] != "skipped"]  # the other exchanges: nothing there
    assert [(o["state"], o["delivered"]) for o in taken] == [("delivered", 10)] * len(routes)
    assert _store(workdir.root) == (2, FOLD_AT * 10)
    for n, route in enumerate(routes):
        workdir.write(f"inbox/meter-reads/again-{n:03}.csv", (header + "".join(reversed(route))).encode())
    again = workdir.hub("cycle", "--json")
    assert again.code == 0, again.stderr
    outcomes = [o for o in again.json() if o["state"] != "skipped"]
    assert len(outcomes) == len(routes)
    assert all(o["delivered"] == 0 and o["already_delivered"] == 10 for o in outcomes), outcomes
    assert len(workdir.controls()) == len(routes), "no batch for the files sent again"


def _migrate_ledger_to(root: Path, revision: str) -> None:
    """Run the ledger's Alembic migrations down (or up) to ``revision``, as an operator's rollback does."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(hub.ledger.__file__).parent / "migrations"))
    engine = create_engine(f"sqlite:///{root / 'var' / 'hub.db'}")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    engine.dispose()


def test_a_rollback_to_revision_0021_folds_small_runs_and_keeps_every_key(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    """Hubs before revision 0022 read every run as Arrow IPC: downgrading turns the small runs into
    rows, and after the upgrade back every file sent again is still delivered before."""
    header, *rows = upload(30).decode().splitlines(keepends=True)
    routes = [rows[i : i + 10] for i in range(0, 30, 10)]
    for n, route in enumerate(routes):
        workdir.write(f"inbox/meter-reads/route-{n}.csv", (header + "".join(route)).encode())
    assert workdir.hub("cycle").code == 0
    assert _store(workdir.root) == (3, 0)
    _migrate_ledger_to(workdir.root, "0021")
    engine = create_engine(f"sqlite:///{workdir.root / 'var' / 'hub.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0021"
        assert conn.execute(text("SELECT count(*) FROM key_runs")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM key_hashes")).scalar() == 30
    engine.dispose()
    for n, route in enumerate(routes):
        workdir.write(f"inbox/meter-reads/again-{n}.csv", (header + "".join(reversed(route))).encode())
    again = workdir.hub("cycle", "--json")
    assert again.code == 0, again.stderr
    outcomes = [o for o in again.json() if o["state"] != "skipped"]
    assert [(o["delivered"], o["already_delivered"]) for o in outcomes] == [(0, 10)] * 3


def test_a_ledger_a_newer_hub_wrote_is_refused_with_its_revision(workdir: Workdir) -> None:
    assert workdir.hub("files").code == 0  # the ledger made at this hub's head
    engine = create_engine(f"sqlite:///{workdir.root / 'var' / 'hub.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    refused = workdir.hub("files")
    assert refused.code != 0
    said = refused.stdout + refused.stderr
    assert "revision 0999, newer than this hub knows" in said, said
    assert "run that version of the hub or a later one" in said
    assert "Traceback" not in said


def test_keys_found_in_runs_name_the_run_they_are_in() -> None:
    """Large files' runs are looked up as one column of their chunks; each match is named by the
    run (batch) its position falls in, as if every run's keys carried their batch."""
    from hub.ledger.keys import _in_runs

    runs = [
        (11, pl.Series("hash", [5, 9, 1], pl.Int64)),
        (12, pl.Series("hash", [], pl.Int64)),
        (13, pl.Series("hash", [7, 9], pl.Int64)),
        (14, pl.Series("hash", [2], pl.Int64)),
    ]
    found = _in_runs(runs, pl.Series("hash", [9, 2, 3, 1], pl.Int64).implode())
    assert found.rows() == [(9, 11), (1, 11), (9, 13), (2, 14)]
    assert _in_runs(runs, pl.Series("hash", [4], pl.Int64).implode()).is_empty()

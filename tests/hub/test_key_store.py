"""The key store's hashing and splitting (hub/ledger/keys.py): stable hashes, parts by the date a key
carries, rows and runs."""

from __future__ import annotations

from datetime import date

import polars as pl

from hub.ledger.keys import RUN_MIN, key_entries, pack_entries, parts_of


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

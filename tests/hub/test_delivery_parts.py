"""A delivery a part at a time (``deliver_parts``, a file run in parts) through the real ledger and
real batch files: the same batch as in one piece (files, control file, keys, key store), nothing
delivered twice, and a failure or crash at any point leaves what a one-piece delivery would."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select

from hub.engine import cis_batch
from hub.engine.delivery import DeliveryResult, deliver_parts, recover
from hub.kernel.errors import AlreadyDelivered
from hub.ledger import Ledger, keys
from hub.ledger import schema as t
from mappings.meter_reads import MeterReadsMapping
from tests.hub.test_delivery import make_ledger, tables

STAMP = datetime(2026, 11, 22, 13, tzinfo=UTC)
Tables = dict[str, pl.DataFrame]


def cut(data: Tables, *bounds: int) -> Iterator[tuple[Tables, Tables]]:
    """``data`` in parts: rows ``bounds[i]`` to ``bounds[i + 1]`` of each table (the rest last)."""
    edges = [0, *bounds, max(f.height for f in data.values())]
    for lo, hi in itertools.pairwise(edges):
        yield {name: f.slice(lo, hi - lo) for name, f in data.items()}, {}


def run(ledger: Ledger, out: Path, parts: Any) -> DeliveryResult:
    """A run of the file's delivery, its parts one after another."""
    return deliver_parts(
        ledger,
        exchange="mr",
        folder=out,
        file_id=1,
        run_id=ledger.start_run("mr", "test"),
        parts=parts,
        models={m.txn_type: m for m in MeterReadsMapping.produces},
        key_date_at=MeterReadsMapping.key_date_at,
        meta={"exchange": "mr"},
        stamp=STAMP,
    )


def kept(ledger: Ledger, out: Path) -> dict[str, Any]:
    """The published files (by name: the batch ids are alike) and what the ledger keeps of the keys."""
    with ledger.tx() as conn:
        d, h, r = t.delivered_transactions.c, t.key_hashes.c, t.key_runs.c
        delivered = [
            (txn_type, count, pl.read_ipc(io.BytesIO(blob)).rows())
            for txn_type, count, blob in conn.execute(
                select(d.txn_type, d.count, d["keys"]).order_by(d.batch_pk, d.txn_type)
            )
        ]
        rows = sorted(tuple(row) for row in conn.execute(select(h.part, h.hash, h.batch_pk)).all())
        runs = sorted(
            (part, count, sorted(keys.run_entries(part, count, blob).rows()))
            for part, count, blob in conn.execute(select(r.part, r.count, r.hashes))
        )
        batches = [
            (b.batch_id, b.transactions, b.control_sha256, b.published_at is not None)
            for b in conn.execute(select(t.batches)).all()
        ]
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())} if out.is_dir() else {}
    return {"files": files, "delivered": delivered, "rows": rows, "runs": runs, "batches": batches}


@pytest.mark.parametrize("run_min", [keys.RUN_MIN, 40])  # the key store's rows; runs of a day's keys
def test_a_delivery_in_parts_is_the_delivery_in_one_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_min: int
) -> None:
    monkeypatch.setattr(keys, "RUN_MIN", run_min)
    data = tables(300)
    found = []
    for name, parts in (("whole", [(data, {})]), ("parts", cut(data, 0, 70, 71, 200))):
        ledger = make_ledger(f"sqlite:///{tmp_path / name}.db")
        result = run(ledger, tmp_path / name, parts)
        assert result.total == 300 and result.already_delivered == 0
        found.append((result.delivered, kept(ledger, tmp_path / name)))
        ledger.close()
    assert found[1] == found[0]
    delivered, store = found[1]
    assert sum(delivered.values()) == 300 and not [n for n in store["files"] if n.startswith(".")]
    assert {part == keys.SMALL for part, _, _ in store["runs"]} == {run_min != 40}, "a run, else a small run"
    (control,) = [json.loads(b) for n, b in store["files"].items() if n.endswith(".control.json")]
    assert control["transactions"] == 300


def test_rows_delivered_before_are_left_out_of_every_part(tmp_path: Path) -> None:
    ledger = make_ledger(f"sqlite:///{tmp_path / 'hub.db'}")
    out = tmp_path / "cis"
    assert run(ledger, out, cut(tables(50, start=100), 20)).total == 50
    again = run(ledger, out, cut(tables(300), 90, 130, 260))
    assert again.total == 250 and again.already_delivered == 50
    delivered = [row[0] for p in out.glob("*.csv") for row in pl.read_csv(p).rows()]
    assert len(delivered) == len(set(delivered)) == 300, "every key once, over both batches"
    assert run(ledger, out, cut(tables(300), 150)).total == 0


def test_a_redelivery_in_parts_is_the_batch_of_the_new_rows_alone(tmp_path: Path) -> None:
    """Rows the ledger holds, in the middle parts of a file delivered in parts, are left out: the
    batch (data files byte for byte, control file, keys kept) is the one of the new rows alone."""
    data = tables(300)
    held = {name: f.slice(100, 80) for name, f in data.items()}  # rows 100-179: in parts 2 and 3
    new = {name: pl.concat([f.slice(0, 100), f.slice(180)]) for name, f in data.items()}
    found = []
    for name, parts in (("new rows", [(new, {})]), ("every row", cut(data, 90, 130, 260))):
        ledger = make_ledger(f"sqlite:///{tmp_path / name}.db")
        assert run(ledger, tmp_path / name, [(held, {})]).total == 80
        again = run(ledger, tmp_path / name, parts)
        assert (again.total, again.already_delivered) == (220, 0 if name == "new rows" else 80)
        found.append(kept(ledger, tmp_path / name))
        ledger.close()
    assert found[1] == found[0]
    controls = [json.loads(b) for n, b in found[1]["files"].items() if n.endswith(".control.json")]
    assert sorted(c["transactions"] for c in controls) == [80, 220]


def test_a_key_in_two_parts_is_refused_and_nothing_is_delivered(tmp_path: Path) -> None:
    ledger = make_ledger(f"sqlite:///{tmp_path / 'hub.db'}")
    out = tmp_path / "cis"
    data = tables(100)
    first, second = cut(data, 60)
    with pytest.raises(AlreadyDelivered, match="occurs twice in one batch"):
        run(ledger, out, [first, second, first])  # the first part's keys again, in a later part
    assert kept(ledger, out) == {"files": {}, "delivered": [], "rows": [], "runs": [], "batches": []}
    assert run(ledger, out, cut(data, 60)).total == 100


def test_a_failure_between_parts_leaves_nothing_staged_or_recorded(tmp_path: Path) -> None:
    """The parts stop coming (the spill cannot be read, the process is stopped) after two parts
    were appended to the staged files: they are removed, nothing is recorded, and the next run
    delivers everything."""
    ledger = make_ledger(f"sqlite:///{tmp_path / 'hub.db'}")
    out = tmp_path / "cis"
    data = tables(200)

    def failing() -> Iterator[tuple[Tables, Tables]]:
        parts = cut(data, 50, 120)
        yield next(parts)
        yield next(parts)
        assert [p.name for p in out.iterdir() if p.name.startswith(".")], "two parts are staged"
        raise OSError("the spill file cannot be read")

    with pytest.raises(OSError, match="spill"):
        run(ledger, out, failing())
    assert kept(ledger, out) == {"files": {}, "delivered": [], "rows": [], "runs": [], "batches": []}
    assert run(ledger, out, cut(data, 50, 120)).total == 200


def test_a_crash_after_the_commit_of_a_delivery_in_parts_is_published_by_recovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tables(120)
    whole = make_ledger(f"sqlite:///{tmp_path / 'whole.db'}")
    run(whole, tmp_path / "whole", [(data, {})])
    ledger = make_ledger(f"sqlite:///{tmp_path / 'hub.db'}")
    out = tmp_path / "cis"

    def killed(staged: cis_batch.StagedBatch) -> None:
        raise KeyboardInterrupt("killed between commit and rename")

    monkeypatch.setattr(cis_batch, "publish", killed)
    with pytest.raises(KeyboardInterrupt):
        run(ledger, out, cut(data, 30, 31, 90))
    monkeypatch.undo()
    assert not list(out.glob("*.control.json")), "the CIS sees nothing of an unpublished batch"
    assert len(list(out.glob(".*.tmp"))) == 3
    assert len(recover(ledger, {"mr": out})) == 1
    assert kept(ledger, out) == kept(whole, tmp_path / "whole"), "the batch delivered in one piece"
    assert run(ledger, out, cut(data, 60)).total == 0, "recovered keys count as delivered"

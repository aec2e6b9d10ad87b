"""Exactly-once delivery through the real ledger (SQLite file) and real batch files."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from formats.base import ReadContext
from formats.meter_reads import MeterReadsFormat, MeterReadsOptions
from hub.engine import cis_batch
from hub.engine.delivery import DeliveryResult, deliver, recover
from hub.engine.sample import meter_reads_frame, to_csv
from hub.ledger import Ledger
from mappings.base import MapContext
from mappings.meter_reads import MeterReadsMapping, MeterReadsMappingOptions

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def tables(n: int, start: int = 0) -> dict[str, pl.DataFrame]:
    """Transactions of ``n`` generated reads (rows ``start`` to ``start + n``), through the real
    format and mapping."""
    data = to_csv(meter_reads_frame(start + n, now=NOW).slice(start))
    fmt = MeterReadsFormat(MeterReadsOptions())
    ctx = ReadContext("f.csv", NOW)
    valid = fmt.validate(fmt.read(data, ctx), ctx)
    assert not valid.problems
    return MeterReadsMapping(MeterReadsMappingOptions()).map(valid.table, MapContext("f.csv"))


def make_ledger(url: str) -> Ledger:
    ledger = Ledger.open(url)
    file_id = ledger.add_file(
        exchange="mr",
        name="f.csv",
        sha256="0" * 64,
        size=1,
        source="s",
        state="mapped",
        landed_path="/nowhere",
    )
    assert file_id == 1
    return ledger


def run(ledger: Ledger, out: Path, data: dict[str, pl.DataFrame], run_id: int = 0) -> DeliveryResult:
    run_id = run_id or ledger.start_run("mr", "test")
    return deliver(
        ledger,
        exchange="mr",
        folder=out,
        file_id=1,
        run_id=run_id,
        tables=data,
        models={m.txn_type: m for m in MeterReadsMapping.produces},
        facts={},
        meta={"exchange": "mr"},
        stamp=datetime.now(UTC),
    )


def test_a_key_the_ledger_holds_is_never_delivered_again(tmp_path: Path, ledger_url: str) -> None:
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"
    first = run(ledger, out, tables(500))
    assert first.total == 500 and set(first.delivered) == {"MeterRead", "ReadException"}
    second = run(ledger, out, tables(500))
    assert second.batch_id is None and second.total == 0 and second.already_delivered == 500
    overlap = run(ledger, out, tables(500, start=400))
    assert overlap.total == 400 and overlap.already_delivered == 100
    keys = pl.concat([pl.read_csv(p, infer_schema=False) for p in out.glob("*.csv")], how="diagonal")
    assert keys.height == 900 and keys["idempotency_key"].n_unique() == 900


def test_a_crash_after_the_commit_is_published_by_recovery(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"

    def killed(staged: cis_batch.StagedBatch) -> None:
        raise KeyboardInterrupt("killed between commit and rename")

    monkeypatch.setattr(cis_batch, "publish", killed)
    with pytest.raises(KeyboardInterrupt):
        run(ledger, out, tables(20))
    monkeypatch.undo()
    assert not list(out.glob("*.control.json")), "the CIS sees nothing of an unpublished batch"
    assert len(list(out.glob(".*.tmp"))) == 3

    [batch_id] = recover(ledger, {"mr": out})
    [control] = [json.loads(p.read_text()) for p in out.glob("*.control.json")]
    assert control["batch_id"] == batch_id and control["transactions"] == 20
    assert not list(out.glob(".*.tmp"))
    assert recover(ledger, {"mr": out}) == []
    assert run(ledger, out, tables(20)).total == 0, "recovered keys count as delivered"


def test_a_crash_before_the_commit_leaves_nothing_delivered(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"

    def failing(*args: object, **kwargs: object) -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr(ledger, "record_batch", failing)
    with pytest.raises(RuntimeError):
        run(ledger, out, tables(5))
    monkeypatch.undo()
    assert not list(out.iterdir()), "staged files of a failed delivery are removed"

    (out / ".mr-20260101T000000-f1-r9.MeterRead.csv.tmp").write_text("left by a killed process")
    assert recover(ledger, {"mr": out}) == []
    assert not list(out.iterdir())
    assert run(ledger, out, tables(5)).total == 5, "nothing was recorded, so everything is delivered now"


def _deliver_in_process(db: str, out: str, queue: multiprocessing.Queue[int]) -> None:
    ledger = Ledger.open(db)
    result = run(ledger, Path(out), tables(2000))
    queue.put(result.total)


def test_two_processes_delivering_the_same_keys_deliver_them_once(tmp_path: Path, ledger_url: str) -> None:
    make_ledger(ledger_url).close()
    db = ledger_url
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[int] = ctx.Queue()
    procs = [
        ctx.Process(target=_deliver_in_process, args=(db, str(tmp_path / "cis"), queue)) for _ in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert sorted(queue.get() for _ in procs) == [0, 2000]
    assert len(list((tmp_path / "cis").glob("*.control.json"))) == 1

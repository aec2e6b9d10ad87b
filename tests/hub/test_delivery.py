"""Exactly-once delivery through the real ledger (SQLite file) and real batch files."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from formats.base import ReadContext
from formats.meter_reads import MeterReadsFormat, MeterReadsOptions
from hub.engine import cis_batch, delivery
from hub.engine.delivery import DeliveryResult, deliver, recover
from hub.engine.sample import meter_reads_frame
from hub.engine.sample_common import to_csv
from hub.kernel.errors import DeliveryRetryable
from hub.ledger import Ledger, keys
from hub.ledger import schema as t
from mappings.base import MapContext
from mappings.meter_reads import MeterReadsMapping, MeterReadsMappingOptions

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def tables(n: int, start: int = 0, now: datetime = NOW) -> dict[str, pl.DataFrame]:
    """Transactions of ``n`` generated reads (rows ``start`` to ``start + n``) read two days
    before ``now``, through the real format and mapping."""
    data = to_csv(meter_reads_frame(start + n, now=now).slice(start))
    fmt = MeterReadsFormat(MeterReadsOptions())
    ctx = ReadContext("f.csv", now)
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


def run(
    ledger: Ledger,
    out: Path,
    data: dict[str, pl.DataFrame],
    run_id: int = 0,
    key_date_at: int | None = MeterReadsMapping.key_date_at,
) -> DeliveryResult:
    run_id = run_id or ledger.start_run("mr", "test")
    return deliver(
        ledger,
        exchange="mr",
        folder=out,
        file_id=1,
        run_id=run_id,
        tables=data,
        models={m.txn_type: m for m in MeterReadsMapping.produces},
        key_date_at=key_date_at,
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


# How the key store keeps and finds keys: rows looked up one by one; rows of a large file's days read
# at once; runs (many keys of one day in one blob); small runs (a small batch's keys in one blob),
# alone or some folded into rows. The limits are lowered so small files take each way:
# (RUN_MIN, PROBE_MAX, FOLD_AT) and what the store holds after five deliveries (runs, small runs, rows).
STORE_WAYS = {
    "rows": ((10**9, 10**9, 1), (False, False, True)),
    "rows of the days": ((10**9, 100, 1), (False, False, True)),
    "runs": ((50, 10**9, 1), (True, False, False)),
    "small runs": ((10**9, 10**9, 10**9), (False, True, False)),
    "small runs, some folded": ((10**9, 10**9, 3), (False, True, True)),
}


def held_forms(ledger: Ledger) -> tuple[bool, bool, bool]:
    """Whether the key store holds runs, small runs and rows."""
    r = t.key_runs.c
    with ledger.tx() as conn:
        runs = conn.execute(select(func.count()).where(r.part != keys.SMALL)).scalar_one()
        small = conn.execute(select(func.count()).where(r.part == keys.SMALL)).scalar_one()
        rows = conn.execute(select(func.count()).select_from(t.key_hashes)).scalar_one()
    return runs > 0, small > 0, rows > 0


@pytest.mark.parametrize("way", STORE_WAYS)
def test_keys_delivered_long_ago_are_still_refused(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    (run_min, probe_max, fold_at), forms = STORE_WAYS[way]
    monkeypatch.setattr(keys, "RUN_MIN", run_min)
    monkeypatch.setattr(keys, "PROBE_MAX", probe_max)
    monkeypatch.setattr(keys, "FOLD_AT", fold_at)
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"
    long_ago = NOW - timedelta(days=700)
    assert run(ledger, out, tables(300, now=long_ago)).total == 300
    for day in range(1, 4):  # the history grows: other reads, other days
        assert run(ledger, out, tables(300, now=NOW - timedelta(days=10 * day))).total == 300
    again = run(ledger, out, tables(400, now=long_ago))
    assert again.total == 100 and again.already_delivered == 300
    assert held_forms(ledger) == forms


# the third delivery folds: it makes three small runs, or 250 keys in them
@pytest.mark.parametrize("fold_at, fold_keys", [(3, 10**9), (10**9, 250)], ids=["runs", "keys"])
def test_small_runs_are_folded_into_rows_and_every_key_is_still_found(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch, fold_at: int, fold_keys: int
) -> None:
    """A small batch's keys are one small run; the delivery that brings the store to ``FOLD_AT`` of
    them (or ``FOLD_KEYS`` keys in them) folds them all into rows: every key delivered, in a small
    run or folded, is refused again."""
    monkeypatch.setattr(keys, "FOLD_AT", fold_at)
    monkeypatch.setattr(keys, "FOLD_KEYS", fold_keys)
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"
    assert run(ledger, out, tables(100)).total == 100
    assert held_forms(ledger) == (False, True, False)
    first = run(ledger, out, tables(150))  # a key in a small run is found
    assert (first.total, first.already_delivered) == (50, 100)
    assert held_forms(ledger) == (False, True, False)
    assert run(ledger, out, tables(100, start=150)).total == 100  # the third: folded
    assert held_forms(ledger) == (False, False, True)
    with ledger.tx() as conn:
        kept = conn.execute(select(func.count()).select_from(t.key_hashes)).scalar_one()
    assert kept == 250
    assert run(ledger, out, tables(50, start=250)).total == 50  # a small run beside the rows
    assert held_forms(ledger) == (False, True, True)
    for start, n in ((0, 100), (100, 50), (150, 100), (250, 50)):
        again = run(ledger, out, tables(n, start=start))
        assert again.batch_id is None and again.already_delivered == n
    mixed = run(ledger, out, tables(400))
    assert (mixed.total, mixed.already_delivered) == (100, 300)


@pytest.mark.parametrize("fold_at", [keys.FOLD_AT, 1, 2])  # small runs kept, folded at once, or later
def test_keys_dated_anew_are_indexed_again(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch, fold_at: int
) -> None:
    """A kind that starts dating its keys (or stops) has its exchange's history indexed anew, on the
    first check after the change: nothing delivered before is delivered again."""
    monkeypatch.setattr(keys, "FOLD_AT", fold_at)
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"
    assert run(ledger, out, tables(200), key_date_at=None).total == 200
    dated = run(ledger, out, tables(300))
    assert dated.total == 100 and dated.already_delivered == 200
    undated = run(ledger, out, tables(400), key_date_at=None)
    assert undated.total == 100 and undated.already_delivered == 300


def test_many_undated_keys_are_stored_and_probed_whole(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Undated keys are rows of the store, inserted and looked up in bulk (several probe chunks):
    every one is kept, every one delivered before is held back, every new one goes out."""
    monkeypatch.setattr(keys, "FOLD_AT", 1)  # the small run of 7,000 keys folded at once: rows
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"
    assert run(ledger, out, tables(7_000), key_date_at=None).total == 7_000
    with ledger.tx() as conn:
        kept = conn.execute(select(func.count()).select_from(t.key_hashes)).scalar_one()
    assert kept == 7_000
    again = run(ledger, out, tables(2 * keys.CHUNK + 2_000), key_date_at=None)
    assert again.total == 2 * keys.CHUNK + 2_000 - 7_000 and again.already_delivered == 7_000
    assert run(ledger, out, tables(2 * keys.CHUNK + 2_000), key_date_at=None).batch_id is None


@pytest.mark.parametrize("fold_at", [keys.FOLD_AT, 1])  # the hashes in small runs; folded into rows
def test_keys_that_share_a_hash_are_told_apart_by_the_key(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch, fold_at: int
) -> None:
    """With every key hashed alike, a hash found is confirmed on the key itself: different keys are
    delivered, the same keys are not, and a file is not refused for keys that only share a hash."""
    monkeypatch.setattr(keys, "FOLD_AT", fold_at)
    stable = keys.key_entries

    def one_hash(asked: pl.Series, key_date_at: int | None) -> pl.DataFrame:
        return stable(asked, key_date_at).with_columns(pl.lit(7, pl.Int64).alias("hash"))

    monkeypatch.setattr(keys, "key_entries", one_hash)
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"
    assert run(ledger, out, tables(200)).total == 200
    both = run(ledger, out, tables(300))
    assert both.total == 100 and both.already_delivered == 200
    assert run(ledger, out, tables(300)).already_delivered == 300


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


# a file staged while its keys are checked (as a large one is), or after
BESIDE = pytest.mark.parametrize("beside", [0, 10**9], ids=["staged while checked", "checked first"])


@BESIDE
def test_a_file_partly_delivered_before_is_staged_again_without_those_rows(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch, beside: int
) -> None:
    """The rows found delivered before are not in the file's batch, whose files and control totals
    are the new rows' alone (a file staged while its keys were checked is staged again)."""
    monkeypatch.setattr(delivery, "STAGED_WHILE_CHECKED", beside)
    ledger = make_ledger(ledger_url)
    first, again = tmp_path / "first", tmp_path / "again"
    assert run(ledger, first, tables(300)).total == 300
    overlap = run(ledger, again, tables(300, start=200))
    assert overlap.total == 200 and overlap.already_delivered == 100
    assert not list(again.glob(".*")), "no staged file of the first write is left"
    control = json.loads(overlap.control_path.read_text()) if overlap.control_path else {}
    assert control["transactions"] == 200
    before = pl.concat([pl.read_csv(p, infer_schema=False) for p in first.glob("*.csv")], how="diagonal")
    for entry in control["files"]:
        rows = pl.read_csv(again / entry["name"], infer_schema=False)
        assert rows.height == entry["count"]
        assert not rows["idempotency_key"].is_in(before["idempotency_key"].implode()).any()
    assert sum(e["count"] for e in control["files"]) == 200


@BESIDE
def test_a_key_check_that_fails_while_the_rows_are_staged_leaves_nothing(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch, beside: int
) -> None:
    monkeypatch.setattr(delivery, "STAGED_WHILE_CHECKED", beside)
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"

    def failing(*args: object, **kwargs: object) -> object:
        raise RuntimeError("database went away")

    monkeypatch.setattr(ledger, "check_keys", failing)
    with pytest.raises(RuntimeError, match="went away"):
        run(ledger, out, tables(50))
    monkeypatch.delattr(ledger, "check_keys")
    assert not out.exists() or not list(out.iterdir()), "no row staged meanwhile is left"
    with ledger.tx() as conn:
        assert conn.execute(select(func.count()).select_from(t.batches)).scalar_one() == 0
    assert run(ledger, out, tables(50)).total == 50


def test_staging_that_fails_while_the_keys_are_checked_leaves_nothing(
    tmp_path: Path, ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check, in the delivery's worker, ends before the transaction it uses is rolled back."""
    monkeypatch.setattr(delivery, "STAGED_WHILE_CHECKED", 0)
    ledger = make_ledger(ledger_url)
    out = tmp_path / "cis"
    checked = []
    real_check, real_append = ledger.check_keys, cis_batch.BatchWriter.append

    def slow_check(*args: object, **kwargs: object) -> object:
        import time

        time.sleep(0.2)  # still checking when the staging fails
        checked.append(real_check(*args, **kwargs))  # type: ignore[arg-type]
        return checked[-1]

    def full_disk(*args: object, **kwargs: object) -> None:
        raise DeliveryRetryable("cannot write CIS batch: no space left on device")

    monkeypatch.setattr(ledger, "check_keys", slow_check)
    monkeypatch.setattr(cis_batch.BatchWriter, "append", full_disk)
    with pytest.raises(DeliveryRetryable, match="no space"):
        run(ledger, out, tables(50))
    assert len(checked) == 1, "the check finished before the delivery gave up"
    monkeypatch.delattr(ledger, "check_keys")
    monkeypatch.setattr(cis_batch.BatchWriter, "append", real_append)
    assert not out.exists() or not list(out.iterdir())
    assert run(ledger, out, tables(50)).total == 50, "nothing was recorded"


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

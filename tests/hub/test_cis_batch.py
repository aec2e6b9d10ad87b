"""The CIS batch writer: data files hold exactly the rows, and the control file's sha256, sizes
and counts describe the files byte for byte, however many slices a data file was written in."""

from __future__ import annotations

import errno
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from hub.engine import cis_batch
from hub.kernel.errors import DeliveryRetryable
from hub.kernel.transactions import columns_of
from mappings.meter_reads import MeterRead


def reads(n: int) -> pl.DataFrame:
    stamp = datetime(2026, 11, 20, 14, 15, tzinfo=UTC)
    return pl.DataFrame(
        {
            "idempotency_key": [f"M{i}|1|2026-11-20T14:15:00Z" for i in range(n)],
            "account": [f"{i:010d}" for i in range(n)],
            "meter": [f"M{i}" for i in range(n)],
            "register": ["1"] * n,
            "read_at": [stamp] * n,
            "reading": list(range(100, 100 + n)),
            "prior_reading": [90] * n,
            "consumption": [i + 10 for i in range(n)],
            "read_type": ["actual"] * n,
            "read_code": ["01"] * n,
            "rollover": [False] * n,
            "route": ["R0001"] * n,
            "sequence": list(range(n)),
            "reader_id": ["RD01"] * n,
            "trouble_code": [None] * n,
            "source_line": list(range(2, n + 2)),
        }
    )


@pytest.mark.parametrize("rows", [0, 1, 10])
def test_control_file_describes_each_data_file_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    monkeypatch.setattr(cis_batch, "SLICE_ROWS", 3)  # 10 rows are written in four slices
    frame = reads(rows)
    staged = cis_batch.stage(
        tmp_path, "b1", {MeterRead.txn_type: (MeterRead, frame)}, {"exchange": "meter-reads"}
    )
    cis_batch.publish(staged)

    data = (tmp_path / "b1.MeterRead.csv").read_bytes()
    expected = frame.select(columns_of(MeterRead)).write_csv(datetime_format="%Y-%m-%dT%H:%M:%SZ")
    assert data == expected.encode()
    assert data.count(b"idempotency_key") == 1  # one header, however many slices
    control = json.loads((tmp_path / "b1.control.json").read_text())
    (entry,) = control["files"]
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["bytes"] == len(data)
    assert entry["count"] == rows
    assert entry["totals"] == {
        "reading": sum(range(100, 100 + rows)),
        "consumption": sum(range(10, 10 + rows)),
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b1.MeterRead.csv", "b1.control.json"]


def test_a_failed_write_leaves_no_staged_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills while the second part of a batch is written: nothing staged is left."""
    monkeypatch.setattr(cis_batch, "SLICE_ROWS", 3)
    written = cis_batch._DataFile.write
    parts = [0]

    def disk_full(self: cis_batch._DataFile, chunk: bytes) -> int:
        if parts[0] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return written(self, chunk)

    monkeypatch.setattr(cis_batch._DataFile, "write", disk_full)
    writer = cis_batch.BatchWriter(tmp_path, "b1")
    parts[0] = 1
    writer.append({MeterRead.txn_type: (MeterRead, reads(10))})
    assert [p.name for p in tmp_path.iterdir()] == [".b1.MeterRead.csv.tmp"]
    parts[0] = 2
    with pytest.raises(DeliveryRetryable, match=r"cannot write CIS batch b1 .*No space left on device"):
        writer.append({MeterRead.txn_type: (MeterRead, reads(10))})
    assert list(tmp_path.iterdir()) == []


def test_a_batch_staged_a_part_at_a_time_is_the_batch_staged_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cis_batch, "SLICE_ROWS", 3)
    frame = reads(10)
    meta = {"exchange": "meter-reads"}
    cis_batch.publish(
        cis_batch.stage(tmp_path / "once", "b1", {MeterRead.txn_type: (MeterRead, frame)}, meta)
    )
    writer = cis_batch.BatchWriter(tmp_path / "parts", "b1")
    for offset, length in ((0, 0), (0, 4), (4, 0), (4, 6)):  # an empty part first: the header still once
        writer.append({MeterRead.txn_type: (MeterRead, frame.slice(offset, length))})
    cis_batch.publish(writer.finish(meta))
    once = {p.name: p.read_bytes() for p in (tmp_path / "once").iterdir()}
    parts = {p.name: p.read_bytes() for p in (tmp_path / "parts").iterdir()}
    assert parts == once
    assert sorted(parts) == ["b1.MeterRead.csv", "b1.control.json"]
    assert parts["b1.MeterRead.csv"].count(b"idempotency_key") == 1
    assert json.loads(parts["b1.control.json"])["files"][0]["count"] == 10


def test_a_table_in_uneven_chunks_is_written_as_one_piece(tmp_path: Path) -> None:
    """A mapped table's columns come in different numbers of chunks, in their own order, with
    columns the CIS never sees: the data file holds the model's columns in the model's order, byte
    for byte the rows of one piece, and the ledger keeps every key with its source line."""
    from hub.engine.delivery import key_lines
    from hub.ledger import pack_keys

    whole = reads(10).with_columns(pl.Series("_line", list(range(2, 12))))
    pieces = pl.concat([whole.slice(0, 3), whole.slice(3, 4), whole.slice(7, 3)], rechunk=False)
    columns = [pieces.get_column(name) for name in reversed(whole.columns) if name != "meter"]
    uneven = pl.DataFrame([*columns, whole.get_column("meter")])  # as polars leaves them: no query
    assert len(set(uneven.n_chunks("all"))) > 1  # the columns' chunks do not line up

    cis_batch.publish(cis_batch.stage(tmp_path, "b1", {MeterRead.txn_type: (MeterRead, uneven)}, {}))

    expected = whole.select(columns_of(MeterRead)).write_csv(datetime_format=cis_batch.DATETIME_FORMAT)
    assert (tmp_path / "b1.MeterRead.csv").read_bytes() == expected.encode()
    packed = pack_keys(key_lines(uneven))
    kept = pl.read_ipc(io.BytesIO(packed.blob))
    assert packed.count == 10
    assert kept.rows() == list(zip(whole.get_column("idempotency_key"), range(2, 12), strict=True))


def test_a_large_data_file_goes_to_the_disk_as_it_is_written_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data file of many chunks (``hub.kernel.direct``) is written straight to the disk where the
    system takes direct writes, else through the page cache with each chunk handed to the disk as
    it fills: byte for byte the CSV of the rows at once either way, with its control entry's
    count, size and sha256."""
    import sys

    from hub.kernel import direct

    asked: list[bool] = []
    set_direct = direct._set_direct
    monkeypatch.setattr(direct, "_set_direct", lambda fd, on: asked.append(on) or set_direct(fd, on))
    frame = reads(120_000)
    tables = {MeterRead.txn_type: (MeterRead, frame)}
    cis_batch.publish(cis_batch.stage(tmp_path / "direct", "b1", tables, {}))
    assert asked[0] is True  # the first full chunk asked for direct writes

    handed: list[tuple[int, int]] = []
    real = direct._writeback()
    if real is not None:

        def noted(fd: int, start: int, length: int, flags: int) -> int:
            handed.append((start, length))
            return real(fd, start, length, flags)

        monkeypatch.setattr(direct, "_writeback", lambda: noted)
    monkeypatch.setattr(direct, "_O_DIRECT", 0)  # a system without direct writes
    cis_batch.publish(cis_batch.stage(tmp_path / "cached", "b1", tables, {}))

    written = (tmp_path / "direct" / "b1.MeterRead.csv").read_bytes()
    assert (tmp_path / "cached" / "b1.MeterRead.csv").read_bytes() == written
    assert len(written) > 2 * direct.CHUNK
    expected = frame.select(columns_of(MeterRead)).write_csv(datetime_format=cis_batch.DATETIME_FORMAT)
    assert written == expected.encode()
    entry = json.loads((tmp_path / "direct" / "b1.control.json").read_bytes())["files"][0]
    assert (entry["count"], entry["bytes"]) == (120_000, len(written))
    assert entry["sha256"] == hashlib.sha256(written).hexdigest()
    assert (real is not None) is sys.platform.startswith("linux")
    if real is not None:  # every full chunk of both data files handed on as it filled
        chunks = [(k * direct.CHUNK, direct.CHUNK) for k in range(len(written) // direct.CHUNK)]
        assert sorted(set(handed)) == chunks


@pytest.mark.parametrize("side_by_side_rows", [0, 1_000_000])
def test_types_written_side_by_side_or_one_after_another_are_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, side_by_side_rows: int
) -> None:
    """A large batch writes each type's file in a thread of its own; a small one writes them in turn
    (starting threads costs more than it saves there). The files are the same either way."""
    from mappings.meter_reads import ReadException

    monkeypatch.setattr(cis_batch, "SLICE_ROWS", 3)
    held = reads(7).with_columns(
        pl.lit("hi/low").alias("exception"), pl.lit("reading far above the usual").alias("reason")
    )
    tables = {"MeterRead": (MeterRead, reads(10)), "ReadException": (ReadException, held)}
    meta = {"exchange": "meter-reads"}
    cis_batch.publish(cis_batch.stage(tmp_path / "expected", "b1", tables, meta))
    monkeypatch.setattr(cis_batch, "SIDE_BY_SIDE_ROWS", side_by_side_rows)
    writer = cis_batch.BatchWriter(tmp_path / "got", "b1")
    writer.append(tables)
    writer.append({name: (model, frame.slice(0, 2)) for name, (model, frame) in tables.items()})
    cis_batch.publish(writer.finish(meta))
    got = {p.name: p.read_bytes() for p in (tmp_path / "got").iterdir()}
    control = json.loads(got["b1.control.json"])
    assert {f["type"]: f["count"] for f in control["files"]} == {"MeterRead": 12, "ReadException": 9}
    for entry in control["files"]:
        data = got[entry["name"]]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        assert data.count(b"\n") == entry["count"] + 1  # the header once
    expected = (tmp_path / "expected" / "b1.MeterRead.csv").read_bytes()
    assert got["b1.MeterRead.csv"].startswith(expected)

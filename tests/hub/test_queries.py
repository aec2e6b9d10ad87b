"""``hub.kernel.queries``: a small table's queries run on polars' in-memory engine, a large one's on
polars' default (streaming) engine, and which engine ran never changes what a file maps to: the
same transactions, exceptions and problems, line for line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import yaml

from hub.engine.config import DEFAULT_CONFIG, parse_config
from hub.engine.file_map import map_file
from hub.engine.mapping import Mapped
from hub.engine.sample import meter_reads_csv
from hub.kernel import queries
from hub.kernel.problems import Problem
from hub.kernel.queries import STREAMING_ROWS, engine_for

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_small_tables_go_to_the_in_memory_engine_and_large_ones_to_polars_default() -> None:
    assert engine_for(0) == "in-memory"
    assert engine_for(1_400) == "in-memory"
    assert engine_for(STREAMING_ROWS - 1) == "in-memory"
    assert engine_for(STREAMING_ROWS) == "auto"
    assert engine_for(1_000_000) == "auto"


def _mapped(tmp_path: Path, data: bytes) -> Mapped:
    settings = parse_config(yaml.safe_load(DEFAULT_CONFIG), root=tmp_path)
    return map_file(data, "upload.csv", settings.exchange("meter-reads"), now=NOW, received=NOW)


def _seen(mapped: Mapped) -> tuple[dict[str, pl.DataFrame], list[Problem], int]:
    return mapped.tables, mapped.problems, mapped.rejected


@pytest.mark.parametrize("rows", [1_400, 60_000])
def test_an_upload_maps_the_same_on_either_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    data = meter_reads_csv(rows, bad=40, now=NOW)
    monkeypatch.setattr(queries, "STREAMING_ROWS", 10**9)
    memory_tables, memory_problems, memory_rejected = _seen(_mapped(tmp_path, data))
    monkeypatch.setattr(queries, "STREAMING_ROWS", 0)
    streaming_tables, streaming_problems, streaming_rejected = _seen(_mapped(tmp_path, data))

    assert memory_problems and memory_rejected > 0  # the upload's broken rows were found,
    assert memory_tables["MeterRead"].height > rows // 2  # and most rows mapped
    assert memory_tables["ReadException"].height > 0
    assert streaming_problems == memory_problems
    assert streaming_rejected == memory_rejected
    assert streaming_tables.keys() == memory_tables.keys()
    for name, table in memory_tables.items():
        assert streaming_tables[name].equals(table), name


def _streamed(capfd: pytest.CaptureFixture[str]) -> bool:
    """Whether a query over a table in memory ran on polars' streaming engine since the last call
    (its verbose log; reading the CSV itself always goes through that engine's reader)."""
    return "polars-stream: running in-memory-source" in capfd.readouterr().err


def test_a_small_clean_upload_runs_no_query_on_the_streaming_engine(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    small_upload, large_upload = meter_reads_csv(1_400, now=NOW), meter_reads_csv(STREAMING_ROWS, now=NOW)
    with pl.Config(verbose=True):
        pl.LazyFrame({"a": [1]}).collect(engine="streaming")
        if not _streamed(capfd):
            pytest.skip("this polars does not log which engine ran a query")
        small = _mapped(tmp_path, small_upload)
        small_streamed = _streamed(capfd)
        large = _mapped(tmp_path, large_upload)
        large_streamed = _streamed(capfd)
    assert small.tables["MeterRead"].height > 1_000 and not small.problems
    assert not small_streamed  # typing, the checks and the mapping all ran in memory
    assert large.tables["MeterRead"].height > STREAMING_ROWS // 2
    assert large_streamed

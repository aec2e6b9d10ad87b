"""Realistic sample partner files for the demo, the tests and the benchmarks.

Meter-reader uploads are generated with polars expressions (a million rows in well under a second),
deterministic for a seed: routes of ~200 stops, zero-padded account numbers, 5-dial readings with
rollovers and zero consumption, the default read codes in realistic proportions, and optional bad
rows of every kind the validator must catch. The other kinds' samples are in ``sample_*`` modules
(``sample_common``: what they share); ``hub demo``'s drop-folder files are written here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import polars as pl

from hub.engine.sample_ach import demo_ach_returns
from hub.engine.sample_common import mix, to_csv
from hub.engine.sample_kinds import SampleFile

if TYPE_CHECKING:
    from hub.engine.config import Settings

HEADER = (
    "route,sequence,account,meter,register,read_at,reading,prior_reading,read_code,reader_id,trouble_code"
)

# (code, share per 1000 rows)
CODE_MIX = (
    ("01", 930),
    ("02", 20),
    ("03", 15),
    ("04", 10),
    ("05", 8),
    ("06", 6),
    ("07", 4),
    ("08", 4),
    ("09", 3),
)

BAD_KINDS = (
    "bad_date",
    "missing_reading",
    "unknown_code",
    "not_a_number",
    "future",
    "duplicate",
    "field_count",
    "missing_account",
)


def meter_reads_frame(rows: int, *, now: datetime | None = None, seed: int = 1) -> pl.DataFrame:
    """Valid upload rows as strings, in route order."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    start = now - timedelta(days=2)
    i = pl.int_range(0, rows, dtype=pl.Int64)
    code_pick = mix(i, seed, 1000)
    code: pl.Expr = pl.lit("01")
    upper = 1000
    for name, share in reversed(CODE_MIX):
        code = pl.when(code_pick < upper).then(pl.lit(name)).otherwise(code)
        upper -= share
    prior = mix(i, seed + 1, 100_000)
    usage = 5 + mix(i, seed + 2, 60) + pl.when(mix(i, seed + 3, 50) == 0).then(0).otherwise(900)
    zero = mix(i, seed + 4, 400) == 0
    reading = pl.when(zero).then(prior).otherwise((prior + usage) % 100_000)
    no_read = code.is_in(["04", "05", "06"])
    seconds = (i * 37 + mix(i, seed + 5, 30)) % (36 * 3600)
    frame = pl.select(
        route=pl.lit("R") + (i // 200 + 1).cast(pl.String).str.zfill(4),
        sequence=(i % 200 * 10 + 10).cast(pl.String),
        account=(1_000_000 + i * 7 + seed).cast(pl.String).str.zfill(10),
        meter=pl.lit("M") + (5_000_000 + i).cast(pl.String),
        register=pl.lit("1"),
        read_at=(pl.lit(start) + pl.duration(seconds=seconds)).dt.strftime("%Y-%m-%dT%H:%M:%S"),
        reading=pl.when(no_read)
        .then(pl.lit(None, pl.String))
        .otherwise(reading.cast(pl.String).str.zfill(5)),
        prior_reading=prior.cast(pl.String).str.zfill(5),
        read_code=code,
        reader_id=pl.lit("RD") + (i // 2000 % 40 + 1).cast(pl.String).str.zfill(2),
        trouble_code=pl.when(mix(i, seed + 6, 100) == 0)
        .then(pl.lit("LK"))
        .otherwise(pl.lit(None, pl.String)),
    )
    return frame


def meter_reads_csv(rows: int, *, bad: int = 0, now: datetime | None = None, seed: int = 1) -> bytes:
    """An upload of ``rows`` data rows of which ``bad`` break a rule (one kind after another)."""
    now = now or datetime.now(UTC)
    frame = meter_reads_frame(rows, now=now, seed=seed)
    if bad == 0:
        return to_csv(frame)
    lines = to_csv(frame).decode().splitlines()
    step = max(1, rows // (bad + 1))
    future = (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")
    for n in range(bad):
        idx = 1 + min(rows - 1, (n + 1) * step)  # +1 skips the header
        cells = lines[idx].split(",")
        kind = BAD_KINDS[n % len(BAD_KINDS)]
        if kind == "bad_date":
            cells[5] = cells[5][:10].replace("-", "/")
        elif kind == "missing_reading":
            cells[8], cells[6] = "01", ""
        elif kind == "unknown_code":
            cells[8] = "10"
        elif kind == "not_a_number":
            cells[6], cells[8] = "12O45", "01"
        elif kind == "future":
            cells[5] = future
        elif kind == "duplicate":
            cells = lines[idx - 1].split(",")
        elif kind == "field_count":
            cells.append("extra")
        elif kind == "missing_account":
            cells[2] = ""
        lines[idx] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


def meter_reads_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """``hub sample --kind meter-reads``: read in the two days before now (noon of ``today`` when
    that is another day)."""
    now = datetime.now(UTC)
    if today != now.date():
        now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    return SampleFile(meter_reads_csv(rows, bad=min(bad, rows), now=now, seed=seed), rows, min(bad, rows))


def write_demo_uploads(settings: Settings, stamp: str, rows: int) -> int:
    """``hub demo``: three route uploads into the meter-reads drop folder -- a clean one, one with
    eight bad rows, and the clean one sent again under another name; returns how many."""
    ex = settings.exchange("meter-reads")
    ex.source_path.mkdir(parents=True, exist_ok=True)
    good = meter_reads_csv(rows, seed=int(stamp) % 9973)
    files = {
        f"{stamp}-1-route-north.csv": good,
        f"{stamp}-2-route-south.csv": meter_reads_csv(rows, bad=8, seed=int(stamp) % 9973 + 1),
        f"{stamp}-3-route-north-resent.csv": good,
    }
    for name, data in files.items():
        (ex.source_path / name).write_bytes(data)
    return len(files)


def write_demo_returns(settings: Settings, stamp: str) -> list[str]:
    """``hub demo``: a day's returns into the ach-returns drop folder, when that exchange is
    configured; returns the exchanges to cycle besides meter-reads."""
    ex = settings.exchanges.get("ach-returns")
    if ex is None or ex.config.kind != "ach-returns":
        return []
    ex.source_path.mkdir(parents=True, exist_ok=True)
    (ex.source_path / f"{stamp}-returns.ach").write_bytes(demo_ach_returns(seed=int(stamp) % 9973))
    return [ex.name]

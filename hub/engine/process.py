"""One file through its exchange (``hub process``), with the work that needs no ledger started first.

Landing starts at once in a thread, and so do parsing, validation and mapping when the exchange's
kind looks nothing up; only then is the pipeline imported (SQLAlchemy with it, beside the copy, hash
and fsync) and the ledger opened. Nothing is recorded before the ledger is open: the landed copy is
content-addressed (harmless without a record) and the states the mapping reached are recorded once
the file is (``Engine.process_path``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from hub.engine.file_map import map_landed, maps_ahead, utc_now
from hub.engine.landing import land_in_background
from hub.kernel.background import in_background

if TYPE_CHECKING:
    from concurrent.futures import Future
    from pathlib import Path

    from hub.engine.config import Exchange, Settings
    from hub.engine.file_map import Progress
    from hub.engine.landing import Landed
    from hub.engine.mapping import Mapped
    from hub.engine.outcome import Outcome


def process_path(
    settings: Settings,
    path: Path,
    exchange: str,
    *,
    progress: Progress | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Outcome:
    """Land ``path`` and run it through ``exchange``; the source file is left where it is."""
    ex = settings.exchange(exchange)  # an unknown exchange is a usage error before anything is landed
    landing = mapping = None
    if path.is_file():
        landing = land_in_background(path, settings.landed_dir)
        if maps_ahead(ex, path.stat().st_size):
            now = clock()
            mapping = in_background(lambda: _map(landing, ex, path.name, now), f"mapping {path.name}")
    from hub.engine.pipeline import Ahead, Engine

    try:
        engine = Engine(settings, progress=progress, clock=clock)
        try:
            ahead = None if landing is None else Ahead(landing, mapping)
            return engine.process_path(path, exchange, ahead=ahead)
        finally:
            engine.close()
    finally:
        if landing is not None:
            landing.exception()  # never leave with a landing half-written (it cleans up after itself)


def _map(landing: Future[Landed], ex: Exchange, name: str, now: datetime) -> Mapped:
    landed = landing.result()  # polars and the formats load meanwhile
    return map_landed(landed.path, landed.data, name, ex, now=now)

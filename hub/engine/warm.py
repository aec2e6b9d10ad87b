"""What ``hub run`` does once at start so that a file it takes later pays only for its own work:
every enabled exchange's format and kind made from its options (importing their modules), the
modules a format imports on first use (``Format.warm_up``: pandera for meter reads), the source
connectors and the modules every file's run imports on first use (delivery, sending, look-ups, the
key store's hashing), and a rehearsal of the large files of the kinds that take them
(``hub.engine.rehearsal``: memory pages, polars' threads and kernels, the CIS writer). A one-shot
command imports only what its one file needs instead.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from hub.engine.logs import log, tagged
from hub.engine.rehearsal import rehearse, rehearses
from hub.kernel.errors import HubError

if TYPE_CHECKING:
    from hub.engine.config import Exchange, Settings

# Imported inside functions on a file's first run (imports point down, and one-shot commands skip
# what they do not use).
PER_FILE = (
    "hub.engine.delivery",
    "hub.engine.cis_batch",
    "hub.engine.sending",
    "hub.engine.lookups",
    "hub.engine.replies",
    "formats.base",
    "mappings.base",
    "polars_hash",  # the key store's hashes (hub.ledger.keys)
)
SOURCES = {"folder": "connectors.local", "sftp": "connectors.sftp"}


def warm_up(settings: Settings, usual_rows: Callable[[str], int | None] | None = None) -> list[str]:
    """Prepare every enabled exchange; returns their names. A failure is logged and left for the
    exchange's first file to report where it belongs (its outcome), never stopping the service.
    ``usual_rows``: an exchange's largest recent file (None: none yet); its rehearsal is that large,
    at most ``service.rehearse_rows``, so a hub of small files does not hold a large file's memory."""
    start = time.perf_counter()
    most = settings.config.service.rehearse_rows
    for module in PER_FILE:
        importlib.import_module(module)
    warmed = []
    rehearsed: set[str] = set()  # kinds: the pages, threads and kernels are the process's, once is enough
    for name, ex in settings.exchanges.items():
        if not ex.config.enabled:
            continue
        with tagged(exchange=name):
            try:
                importlib.import_module(SOURCES.get(ex.config.source.type, "connectors.local"))
                ex.format(ex.format_options).warm_up()
                ex.kind(ex.mapping_options)
                if most and rehearses(ex) and ex.kind.name not in rehearsed:
                    usual = usual_rows(name) if usual_rows is not None else None
                    rows = most if usual is None else min(most, usual)
                    if rows and _rehearse(settings, ex, rows):
                        rehearsed.add(ex.kind.name)
            except (HubError, ImportError, ValueError) as exc:  # its first file reports it
                log.warning("%s: not prepared at start: %s", name, exc, extra={"event": "warm_up_failed"})
                continue
        warmed.append(name)
    seconds = time.perf_counter() - start
    log.info(
        "prepared %s exchange(s) in %.2f s: %s",
        len(warmed),
        seconds,
        ", ".join(warmed) or "none",
        extra={"event": "warmed_up"},
    )
    return warmed


def _rehearse(settings: Settings, ex: Exchange, rows: int) -> bool:
    """The exchange's rehearsal (``hub.engine.rehearsal``), logged; whether it ran. A failure is
    logged and left: the exchange's files run as they would without it."""
    import polars as pl

    start = time.perf_counter()
    try:
        mapped = rehearse(settings, ex, rows)
    except (HubError, OSError, ValueError, pl.exceptions.PolarsError) as exc:
        log.warning("%s: rehearsal failed: %s", ex.name, exc, extra={"event": "rehearsal_failed"})
        return False
    if not mapped:
        log.warning(
            "%s: not rehearsed: a generated file does not fit its format options",
            ex.name,
            extra={"event": "rehearsal_failed"},
        )
        return False
    seconds = time.perf_counter() - start
    log.info(
        "%s: rehearsed a file of %s rows in %.2f s", ex.name, mapped, seconds, extra={"event": "rehearsed"}
    )
    return True

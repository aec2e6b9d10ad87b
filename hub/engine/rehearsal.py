"""A rehearsal of an exchange's file run at ``hub run``'s start: a generated file of the exchange's
kind (``hub sample``'s) parsed, validated and mapped as a file taken from its folder would be (the
mapping in a thread of its own), its transactions written as a CIS batch and its keys packed for
the ledger, all in a scratch folder that is removed after; nothing is recorded or delivered.

Why: the first file a service takes pays once for what every later file finds ready: the
allocator's pages (a 1,000,000-row upload touches ~700 MB; the service keeps freed pages 600 s,
``hub.cli.startup``), polars' thread pool and kernels, the CSV writer's and the key packer's
threads. Measured in the service (``bench/service.py``, bench/README.md): the first 1,000,000-row
upload after start faulted ~186,000 pages against ~50,000 for the next ones. The rehearsal's rows
(``service.rehearse_rows``) should be those of the exchange's usual large upload; 0 rehearses nothing.
A kind is rehearsed once (``hub.engine.warm``), by its first enabled exchange whose options fit.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from hub.kernel.background import in_background

if TYPE_CHECKING:
    from hub.engine.config import Exchange, Settings

# The sample (``hub sample --kind``) each rehearsed exchange kind takes; kinds not listed are not
# rehearsed (their files are small, or a generated file would not fit their options).
SAMPLE_OF_KIND = {"meter-reads": "meter-reads"}


def rehearses(ex: Exchange) -> bool:
    """Whether the exchange's kind has a rehearsal (inbound, with a sample of its own)."""
    return ex.kind.name in SAMPLE_OF_KIND


def rehearse(settings: Settings, ex: Exchange, rows: int) -> int:
    """Run a generated file of ``rows`` rows through the exchange's format and kind and write its
    CIS batch in a scratch folder under the hub's ``var`` (removed after); returns the rows mapped.
    Raises what the file's run would (a failure is the caller's to log)."""
    import polars as pl

    from hub.engine.cis_batch import BatchWriter
    from hub.engine.delivery import Fresh
    from hub.engine.file_map import map_file, utc_now
    from hub.engine.sample_kinds import SAMPLES
    from hub.engine.taken import Taken
    from hub.ledger.keys import key_entries

    data = SAMPLES[SAMPLE_OF_KIND[ex.kind.name]].make(rows).data
    name = f"rehearsal-{ex.name}.csv"
    mapping = in_background(partial(map_file, data, name, ex, now=utc_now()), f"mapping {name}")
    tables = mapping.result().tables
    del data, mapping
    if not tables:  # the generated file does not fit the exchange's options (columns, delimiter)
        return 0
    models = {m.txn_type: m for m in ex.kind.produces}
    settings.var.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rehearsal-", dir=settings.var) as scratch:
        writer = BatchWriter(Path(scratch), f"rehearsal-{ex.name}")
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:  # as a delivery packs keys while writing
                taken = Taken()
                keys = pl.concat([f.get_column("idempotency_key") for f in tables.values()])
                taken.add(Fresh(tables, 0, 0, key_entries(keys, ex.kind.key_date_at)), pool)
                writer.append({t: (models[t], f) for t, f in tables.items()})
                taken.first_duplicate()
                entries = pool.submit(taken.packed_entries)
                writer.finish({"exchange": ex.name, "rehearsal": True})
                taken.packed_keys()
                entries.result()
        finally:
            writer.discard()
    return sum(f.height for f in tables.values())

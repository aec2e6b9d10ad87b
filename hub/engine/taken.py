"""What a delivery took of a file so far, a part at a time (``hub.engine.delivery.deliver_parts``):
the counts of new rows by type and of rows delivered before, the new rows' keys packed as the ledger
keeps them (``pack_keys``, a part at a time, joined at the end), their key store entries as compact
arrays (a 64-bit hash and a 32-bit day a key, never the keys themselves) and the payments held in
suspense among them. Nothing of a part's rows is kept once the next part is read.
"""

from __future__ import annotations

import io
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from hub.engine.suspense import summaries_added, suspense_summary
from hub.ledger import PackedKeys, joined_keys, pack_entries, pack_keys
from hub.ledger import keys as key_store
from hub.ledger.keys import PackedEntries

if TYPE_CHECKING:
    from hub.engine.delivery import Fresh


class Taken:
    """The parts of one delivery taken so far (``add``). ``keep_keys``: keep the new keys
    themselves too, for a kind's reply (a kind that replies is never run in parts)."""

    def __init__(self, *, keep_keys: bool = False) -> None:
        self.delivered: dict[str, int] = {}  # new rows by type, every type seen (0 when none)
        self.already = 0
        self.store = 0
        self.suspense: dict[str, Any] | None = None
        self._packed: dict[str, list[Future[PackedKeys]]] = {}
        self._hashes: list[np.ndarray[Any, Any]] = []
        self._days: list[np.ndarray[Any, Any]] = []
        self._keys: list[pl.Series] | None = [] if keep_keys else None

    @property
    def count(self) -> int:
        return sum(self.delivered.values())

    def add(self, fresh: Fresh, pool: Executor) -> None:
        """One part's new rows (``not_delivered``'s ``Fresh``); their keys are packed in ``pool``."""
        from hub.engine.delivery import key_lines

        self.store, self.already = fresh.store, self.already + fresh.already
        for name, frame in fresh.tables.items():
            self.delivered[name] = self.delivered.get(name, 0) + frame.height
            if frame.height:
                self._packed.setdefault(name, []).append(pool.submit(pack_keys, key_lines(frame)))
        self._hashes.append(fresh.entries.get_column("hash").to_numpy().astype(np.int64, copy=True))
        self._days.append(fresh.entries.get_column("part").to_numpy().astype(np.int32, copy=True))
        if self._keys is not None:
            self._keys.append(fresh.entries.get_column("key"))
        self.suspense = summaries_added(self.suspense, suspense_summary(fresh.tables))

    def keys_now(self) -> pl.Series:
        """The new keys (``keep_keys``), in the order taken."""
        assert self._keys is not None
        return pl.concat(self._keys) if self._keys else pl.Series("key", [], pl.String)

    def first_duplicate(self) -> str | None:
        """A key that occurs twice among the new keys of every part, or None. Distinct hashes prove
        there is none cheaply; only the keys of hashes that occur twice are read back (from their
        packed keys) and compared."""
        hashes = np.sort(np.concatenate(self._hashes)) if self._hashes else np.empty(0, np.int64)
        twice = hashes[1:][hashes[1:] == hashes[:-1]]
        del hashes
        if not twice.size:
            return None
        shared = pl.Series("hash", np.unique(twice)).implode()
        maybe = [
            entries.filter(pl.col("hash").is_in(shared)).get_column("key")
            for packs in self._packed.values()
            for job in packs
            for entries in [key_store.key_entries(_packed_keys(job.result()), None)]
        ]
        keys = pl.concat(maybe) if maybe else pl.Series("key", [], pl.String)
        repeated = keys.filter(keys.is_duplicated())
        return None if repeated.is_empty() else str(repeated[0])

    def packed_keys(self) -> dict[str, PackedKeys]:
        """Each type's new keys and source lines, as one blob a type (``hub.ledger.PackedKeys``)."""
        return {name: joined_keys([job.result() for job in jobs]) for name, jobs in self._packed.items()}

    def packed_entries(self) -> PackedEntries:
        """The new keys' entries in the exchange's key store (``hub.ledger.pack_entries``)."""
        hashes = np.concatenate(self._hashes) if self._hashes else np.empty(0, np.int64)
        days = np.concatenate(self._days) if self._days else np.empty(0, np.int32)
        self._hashes, self._days = [hashes], [days]
        return pack_entries(self.store, pl.DataFrame({"hash": hashes, "part": days}))


def _packed_keys(packed: PackedKeys) -> pl.Series:
    return pl.read_ipc(io.BytesIO(packed.blob), columns=["key"]).get_column("key")

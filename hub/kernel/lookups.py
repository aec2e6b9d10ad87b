"""Named look-ups: what an exchange kind may ask of the hub's memory, by name.

A kind declares the names it uses (``ExchangeKind.lookups``); the engine answers each with a table
(``hub.engine.lookups`` lists the names and their columns). A kind never sees the ledger, so it can
be tested with a table in the ledger's place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:
    import polars as pl

# The keys asked: a list, or a polars column (no nulls, no repeats), which the answer turns into
# Python values only when it has something to look them up in (200,000 of them cost ~10 ms).
Keys: TypeAlias = "Sequence[str] | pl.Series"


class Lookups(Protocol):
    """Answers a kind's look-ups."""

    def find(self, name: str, keys: Keys, **where: object) -> pl.DataFrame | None:
        """The rows of look-up ``name`` whose key is one of ``keys`` (narrowed by ``where``, e.g.
        ``since``/``until`` dates); None when what it looks in is not there at all (no accounts
        extract ever loaded, no ledger at hand): "nothing known", not "not found"."""
        ...


class NoLookups:
    """No memory at hand: every look-up answers None (a dry run of a mapping, a unit test)."""

    def find(self, name: str, keys: Keys, **where: object) -> pl.DataFrame | None:
        return None


NO_LOOKUPS = NoLookups()

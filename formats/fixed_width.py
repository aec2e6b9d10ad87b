"""A field of a fixed-width record (NACHA, lockbox): name, 1-based inclusive positions, and what
it may hold. ``N`` digits, ``A`` printable text and ``D`` a date mean the same everywhere; ``B``,
``T`` and ``C`` are the formats' own (see ``formats.nacha_layout`` and ``formats.lockbox_layout``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["N", "A", "D", "B", "T", "C"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    start: int
    end: int
    kind: Kind = "A"
    optional: bool = False  # blank allowed (checked only when present)
    sensitive: bool = False  # masked wherever a value is shown

    @property
    def width(self) -> int:
        return self.end - self.start + 1

    @property
    def positions(self) -> str:
        return f"{self.start}-{self.end}" if self.end > self.start else str(self.start)

    def cut(self, record: str) -> str:
        return record[self.start - 1 : self.end]

"""``hub sample --kind K``: which generator writes each kind of sample file, and for which exchange of
the default hub.yaml it is meant. A new kind is one entry in ``SAMPLES`` (its generator a function
``(rows, *, bad, seed, today) -> SampleFile`` in the module of its family)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from hub.kernel.errors import UsageError


@dataclass(frozen=True)
class SampleFile:
    """A generated file: its bytes, how many rows (checks, entries, readings…) it holds, how many of
    them break a rule, and their total in cents where the kind carries money."""

    data: bytes
    rows: int
    bad: int = 0
    amount_cents: int | None = None


class Maker(Protocol):
    def __call__(self, rows: int, *, bad: int, seed: int, today: date) -> SampleFile: ...


@dataclass(frozen=True)
class SampleKind:
    maker: str  # "module:function"
    exchange: str  # the default hub.yaml's exchange that takes it
    help: str

    def make(self, rows: int, *, bad: int = 0, seed: int = 1, today: date | None = None) -> SampleFile:
        module, name = self.maker.split(":")
        maker: Maker = getattr(importlib.import_module(module), name)
        return maker(rows, bad=bad, seed=seed, today=today or date.today())


SAMPLES: dict[str, SampleKind] = {
    "meter-reads": SampleKind("hub.engine.sample:meter_reads_sample", "meter-reads", "a route upload"),
    "ach-returns": SampleKind(
        "hub.engine.sample_ach:ach_returns_sample",
        "ach-returns",
        "the bank's NACHA returns and NOCs of the debit-extract sample's debits",
    ),
    "debit-extract": SampleKind(
        "hub.engine.sample_ach:debit_extract_sample", "ach-debits", "a CIS autopay extract to originate"
    ),
    "lockbox": SampleKind(
        "hub.engine.sample_bank:lockbox_sample", "lockbox", "the bank's lockbox transmission of a day"
    ),
    "bai2": SampleKind(
        "hub.engine.sample_bank:bai2_sample",
        "bai2",
        "the bank's BAI2 report crediting the lockbox sample's deposit of the same day and seed",
    ),
    "consumption": SampleKind(
        "hub.engine.sample_consumption:consumption_sample", "consumption", "a district's histories"
    ),
    "consumption-adjustments": SampleKind(
        "hub.engine.sample_usage:adjustments_sample",
        "consumption-adjustments",
        "sewer adjustment requests for the consumption sample's accounts",
    ),
    "winter-average-request": SampleKind(
        "hub.engine.sample_usage:winter_request_sample", "winter-averages", "a winter-average request"
    ),
    "greenbutton": SampleKind(
        "hub.engine.sample_usage:greenbutton_sample", "green-button", "Green Button interval usage XML"
    ),
    "pledges": SampleKind(
        "hub.engine.sample_pledges:pledges_sample", "pledges", "an agency's energy-assistance pledges"
    ),
    "placements": SampleKind(
        "hub.engine.sample_placements:placements_sample",
        "placements",
        "a CIS extract of closed accounts to place with a collection agency",
    ),
    "remittance": SampleKind(
        "hub.engine.sample_placements:remittance_sample",
        "remittances",
        "an agency's remittance for the placements sample's accounts",
    ),
    "collection-ack": SampleKind(
        "hub.engine.sample_collections:ack_sample",
        "placement-acks",
        "an agency's acknowledgement of the placements sample",
    ),
    "collection-status": SampleKind(
        "hub.engine.sample_collections:status_sample",
        "collection-status",
        "an agency's status updates for the placements sample's accounts",
    ),
    "recall-extract": SampleKind(
        "hub.engine.sample_collections:recall_sample",
        "recalls",
        "a CIS extract of placed accounts to recall",
    ),
}


def column_cents(data: bytes, column: str) -> int:
    """The sum of a CSV column of dollars, in cents (a value that is not dollars counts nothing)."""
    import csv
    import io
    from decimal import Decimal, InvalidOperation

    total = 0
    for row in csv.DictReader(io.StringIO(data.decode())):
        try:
            total += int(Decimal(row[column]) * 100)
        except (InvalidOperation, TypeError):
            continue
    return total


def sample_kind(kind: str) -> SampleKind:
    try:
        return SAMPLES[kind]
    except KeyError:
        raise UsageError(f"--kind {kind!r}: no sample of that kind (one of {', '.join(SAMPLES)})") from None

"""The exchange kind: one object per kind of exchange declares what it is; the engine does the rest.

A kind declares its format, the CIS transaction types it produces (declared beside it, in
``mappings``), the ledger look-ups it needs by name (``hub.kernel.lookups``), the facts it wants
kept (tables ``map`` returns beside the transactions), and its direction. It never touches the
ledger, the pipeline or a connector: the engine resolves the look-ups, delivers exactly once,
keeps the facts in the delivery's own transaction and owns every schema change.

Inbound kinds turn a partner file's valid rows into CIS transaction tables (``map``). Outbound
kinds (``OutboundKind``) turn a CIS extract's valid rows into the partner's rows (``map``) and
those not sent before into the partner's file (``write``). Every output table carries the row's
line (``hub.kernel.rows.LINE``) and an ``idempotency_key`` that is the same every time the same
business event is mapped. Mappings are vectorised polars expressions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from hub.kernel.lookups import NO_LOOKUPS, Lookups

if TYPE_CHECKING:
    import polars as pl

    from hub.kernel.problems import Problem
    from hub.kernel.transactions import CisTransaction

Direction = Literal["inbound", "outbound"]


class MappingOptions(BaseModel):
    """A kind's options (``mapping_options`` in hub.yaml), declared beside the kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=MappingOptions)
R = TypeVar("R")


class PerTable(Generic[R]):
    """One result per table: a kind whose ``map`` and ``notes`` need the same checks computes them
    once for the table the engine passes to both."""

    def __init__(self) -> None:
        self._last: tuple[object, R] | None = None

    def get(self, table: object, make: Callable[[], R]) -> R:
        if self._last is None or self._last[0] is not table:
            self._last = (table, make())
        return self._last[1]


@dataclass(frozen=True)
class MapContext:
    """What a mapping may know besides the rows: the source file's name (for messages; the CIS
    learns it from the batch's control file, not from every row) and the answers to the kind's
    look-ups. Nothing that differs between two arrivals of the same business event (file ids,
    times) is here, so idempotency keys stay deterministic."""

    source_file: str
    lookup: Lookups = NO_LOOKUPS


class ExchangeKind(ABC, Generic[M]):
    """A kind of exchange, registered by ``name`` in ``mappings._BUILTIN`` (or a ``kinds:`` line of
    hub.yaml)."""

    name: ClassVar[str]
    direction: ClassVar[Direction] = "inbound"
    default_format: ClassVar[str]
    options_model: ClassVar[type[MappingOptions]]
    # The CIS transaction types ``map`` returns (inbound), one table each, by ``txn_type``.
    produces: ClassVar[tuple[type[CisTransaction], ...]] = ()
    # Ledger look-ups ``map`` and ``notes`` ask for (``ctx.lookup.find(name, ...)``).
    lookups: ClassVar[frozenset[str]] = frozenset()
    # Facts to keep: tables ``map`` returns beside the transactions, by name, each row with the
    # ``idempotency_key`` of the transaction it belongs to; kept when that transaction is delivered.
    persists: ClassVar[frozenset[str]] = frozenset()
    # True when each output row depends on its input row only: the engine may then map every typed
    # row while the format's rules still run, and drop the rejected lines afterwards.
    row_wise: ClassVar[bool] = False
    # Where every idempotency key carries the date of its business event: the offset of an ISO date
    # (YYYY-MM-DD) in the key, negative counting from its end. The ledger keeps keys by that date, so
    # a delivery reads only the dates of its own keys however long the history; None: no date.
    key_date_at: ClassVar[int | None] = None
    # Keys of the exchange's configuration, beside ``mapping_options``, that are parts of the
    # options (e.g. ach-debits' ``originator``).
    option_sections: ClassVar[tuple[str, ...]] = ()
    # Warnings (by rule) for rows held back until a delivery of another kind (by name) may complete
    # them: after such a delivery the engine runs the file again; its keys post nothing twice.
    retried_after: ClassVar[dict[str, str]] = {}
    # Options (by field) taken from the mapping options of the exchange of another kind (by name),
    # one source of truth: what the exchange writes under such a field may only agree with it.
    options_from: ClassVar[dict[str, str]] = {}
    # True when the kind sends the partner a reply about every received file (``reply``): the
    # engine then keeps the rows the format read for it.
    replies: ClassVar[bool] = False
    # The partner's files carry personal data: an exchange of the kind must configure ``encryption``
    # (OpenPGP) unless it says ``encrypt: false`` explicitly.
    requires_encryption: ClassVar[bool] = False

    def __init__(self, options: M) -> None:
        self.options = options

    @classmethod
    def check_options(cls, options: MappingOptions, format_options: BaseModel) -> list[str]:
        """Cross-checks between mapping and format options; each string is one mistake."""
        return []

    @abstractmethod
    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        """Valid rows -> {transaction type: table, fact name: table}; every input row lands in
        exactly one transaction table."""

    @classmethod
    def reply_partners(cls, options: MappingOptions) -> frozenset[str]:
        """The partners this kind's replies may be for (``ReplyFile.partner``), for the check of an
        exchange's ``reply_destinations``; none by default."""
        return frozenset()

    def reply(self, ctx: ReplyContext) -> ReplyFile | None:
        """The file to send back to the partner about a received file (an acknowledgement), built
        from what happened to each of its lines; None (the default): the kind sends none. Asked once
        per run of a received file, after the run's outcome is recorded."""
        return None

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """What the kind leaves out on purpose, or finds worth a word, as warnings (e.g. BAI2
        details that are not the utility's to post), so nothing in a file disappears silently.

        A problem with severity ``error`` and a ``line`` rejects that line's row, as a validation
        problem does (under the exchange's row policy): the engine drops the line from every table
        ``map`` returned and counts it rejected. Checks that need the whole file or the ledger (an
        overlap with another row, an account the CIS does not know) reject rows this way; ``map``
        may leave such rows out itself."""
        return []


class OnePass(ExchangeKind[M]):
    """A kind whose tables and notes come from one pass over the rows (``map_and_note``), made once
    per table: ``map`` and ``notes``, which the engine calls in turn, share it."""

    def __init__(self, options: M) -> None:
        super().__init__(options)
        self._pass: PerTable[tuple[dict[str, pl.DataFrame], list[Problem]]] = PerTable()

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        return self._pass.get(table, lambda: self.map_and_note(table, ctx))[0]

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        return self._pass.get(table, lambda: self.map_and_note(table, ctx))[1]

    @abstractmethod
    def map_and_note(
        self, table: pl.DataFrame, ctx: MapContext
    ) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
        """The kind's tables (what ``map`` returns) and its notes (what ``notes`` returns)."""


@dataclass(frozen=True)
class ReplyContext:
    """What happened to a received file, line by line, for a kind's reply (``ExchangeKind.reply``):
    the rows the format read (string columns and ``LINE``; None when nothing could be read), the
    run's problems, the lines whose transactions this file posted (in this run or an earlier one),
    those whose keys another file posted before, and whether the file was rejected whole. A file
    whose content arrived before (state ``duplicate``: not run again) gets ``same_as``, the name of
    the earlier file, and ``earlier_reply``, the last reply sent about it (None: none was)."""

    source_file: str
    read: pl.DataFrame | None
    problems: list[Problem]
    posted_lines: frozenset[int]
    posted_before: frozenset[int]
    file_rejected: bool
    same_as: str | None = None
    earlier_reply: bytes | None = None


@dataclass(frozen=True)
class ReplyFile:
    """A reply as the kind wrote it: its name, its folder (relative to the hub's working folder,
    or absolute), its bytes and its counts (e.g. by status), shown by ``hub show``, and the partner
    it is for when the kind knows it (e.g. an agency id; one of ``reply_partners``): the exchange's
    ``reply_destinations`` may also push it to that partner's server."""

    name: str
    folder: str
    data: bytes
    counts: dict[str, int] = field(default_factory=dict)
    partner: str | None = None


@dataclass(frozen=True)
class WriteContext:
    """What an outbound kind may know while it writes the partner's file: the exchange, the
    file's creation time (in the exchange's time zone, to the minute) and the answers to its
    look-ups, taken inside the ledger transaction that records the file (the kind's lock held)."""

    exchange: str
    created: datetime
    lookup: Lookups = NO_LOOKUPS


@dataclass(frozen=True)
class PartnerFile:
    """An outbound file as written: its bytes, how many entries it carries, the kind's fields of
    the file name (``OutboundKind.name_fields``), the facts to keep (by name, each row with the
    ``idempotency_key`` of the row it comes from) and warnings about it."""

    data: bytes
    entries: int
    name_fields: dict[str, str] = field(default_factory=dict)
    facts: dict[str, pl.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class OutboundKind(ExchangeKind[M]):
    """A kind that turns a CIS extract into a partner's file, sent to a folder or an SFTP server.

    ``map`` returns one table, named ``output``: a row per entry, keyed. The engine leaves out the
    rows whose keys went out before, holds the kind's ``lock`` and asks ``write`` for the file of
    the rest, keeps a copy, records keys and facts in one transaction, and only then sends it."""

    direction: ClassVar[Direction] = "outbound"
    output: ClassVar[str]  # the name of the partner's rows (counted and keyed as a transaction type)
    describes: ClassVar[str]  # what the file is, for messages: "a NACHA file"
    default_folder: ClassVar[str]  # under the outbox, when the destination names no folder
    default_file_name: ClassVar[str]
    # Fields the kind adds to the file-name template, each with a sample value (besides the
    # engine's ``{exchange}``, ``{created:...}`` and ``{file_id}``).
    name_fields: ClassVar[dict[str, str]] = {}

    def lock(self) -> str | None:
        """The name that serialises writers of this kind's files across processes and nodes (e.g.
        one originating bank's trace numbers); None: the exchange's own."""
        return None

    @abstractmethod
    def write(self, rows: pl.DataFrame, ctx: WriteContext) -> PartnerFile:
        """The partner's file of ``rows`` (those of ``map``'s output not sent before). Raise
        ``MappingError`` when it cannot be written as meant; nothing is sent then."""

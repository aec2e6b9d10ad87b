"""The mapping base: valid partner rows -> CIS transaction tables (or CIS extract -> partner rows).

A mapping returns one table per CIS transaction type, each with the type's columns
(``hub.kernel.transactions.columns_of``) and the row's source line, and an ``idempotency_key`` that is
the same every time the same business event is mapped. Mappings are vectorised polars expressions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Connection

    from hub.kernel.problems import Problem
    from hub.ledger import Ledger


class MappingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=MappingOptions)


@dataclass(frozen=True)
class MapContext:
    """What a mapping may know besides the rows: the source file's name (for messages;
    the CIS learns it from the batch's control file, not from every row).
    Nothing that differs between two arrivals of the same business event (file ids, times) is
    here, so idempotency keys stay deterministic."""

    source_file: str
    # Debits the hub originated, by trace number (``hub.ledger.Ledger.originated``): lets a return
    # name the payment it reverses. None when no ledger is at hand (a dry run without one).
    originals: Callable[[Sequence[str]], dict[str, dict[str, Any]]] | None = None
    # The CIS's accounts, by number (``hub.ledger.Ledger.reference_accounts``): number -> {name,
    # service_address, status, active}; an absent number is unknown to the CIS. None when no ledger
    # is at hand or no accounts extract was ever loaded (``hub reference load accounts``).
    accounts: Callable[[Sequence[str]], dict[str, dict[str, Any]]] | None = None
    # The lockbox payments the hub delivered (``hub.ledger.Ledger.lockbox_payments``): (lockboxes,
    # since, until) -> deposit rows of side "lockbox"; lets a BAI2 returned item name its payment.
    lockbox_payments: Callable[[Sequence[str], date, date], list[dict[str, Any]]] | None = None


class Mapping(ABC, Generic[M]):
    """An exchange kind, registered by ``kind`` in ``mappings._BUILTIN``."""

    kind: ClassVar[str]
    default_format: ClassVar[str]
    options_model: ClassVar[type[MappingOptions]]
    # True when each output row depends on its input row only: the pipeline may then map every
    # typed row while the format's rules still run, and drop the rejected lines afterwards.
    row_wise: ClassVar[bool] = False
    # True when ``map`` looks up the ledger (``MapContext.originals``, ``accounts``): the file is then checked
    # once the ledger is open, never ahead of it.
    needs_ledger: ClassVar[bool] = False

    def __init__(self, options: M) -> None:
        self.options = options

    @classmethod
    def check_options(cls, options: MappingOptions, format_options: BaseModel) -> list[str]:
        """Cross-checks between mapping and format options; each string is one mistake."""
        return []

    @abstractmethod
    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        """Valid rows -> {transaction type: table}; every input row lands in exactly one table."""

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """What the mapping leaves out on purpose, as warnings (e.g. BAI2 details that are not the
        utility's to post), so nothing in a file disappears without a word. Default: nothing."""
        return []

    def record(
        self,
        ledger: Ledger,
        conn: Connection,
        delivered: dict[str, pl.DataFrame],
        *,
        exchange: str,
        file_id: int,
    ) -> None:
        """Keep facts about the rows just delivered (not those delivered before) in the ledger, in the
        delivery's own transaction: e.g. deposits for reconciliation (``Ledger.record_deposits``).
        The default keeps nothing."""

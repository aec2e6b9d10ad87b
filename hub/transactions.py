"""The CIS transaction contract: one pydantic model per transaction type.

The models document each type's fields and check single transactions (tests, small files); the
vectorised mappings produce tables with exactly these columns, in this order (``columns_of``).
Money is integer cents; readings are integer register units; times are UTC ISO 8601.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

# ``register`` is the CIS's name for a meter register; it shadows ABCMeta.register harmlessly.
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)


class CisTransaction(BaseModel):
    """Fields every CIS transaction carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    txn_type: ClassVar[str]
    total_fields: ClassVar[tuple[str, ...]] = ()

    idempotency_key: str = Field(min_length=1)
    source_line: int = Field(ge=1)


class MeterRead(CisTransaction):
    """A register reading the CIS bills from."""

    txn_type: ClassVar[str] = "MeterRead"
    total_fields: ClassVar[tuple[str, ...]] = ("reading", "consumption")

    account: str
    meter: str
    register: str
    read_at: datetime
    reading: int = Field(ge=0)
    prior_reading: int | None = Field(None, ge=0)
    consumption: int | None = None
    read_type: Literal["actual", "estimate", "customer"]
    read_code: str
    rollover: bool
    route: str
    sequence: int
    reader_id: str
    trouble_code: str | None = None


class ReadException(CisTransaction):
    """A read held for review instead of posting: no-read codes, tamper, wrong route, hi/low failures."""

    txn_type: ClassVar[str] = "ReadException"
    total_fields: ClassVar[tuple[str, ...]] = ("reading", "consumption")

    exception: str
    reason: str
    account: str
    meter: str
    register: str
    read_at: datetime
    reading: int | None = None
    prior_reading: int | None = None
    consumption: int | None = None
    read_code: str
    route: str
    sequence: int
    reader_id: str
    trouble_code: str | None = None


TRANSACTION_TYPES: dict[str, type[CisTransaction]] = {m.txn_type: m for m in (MeterRead, ReadException)}


def columns_of(model: type[CisTransaction]) -> list[str]:
    """The column order of a transaction type's data file: key first, source last."""
    names = list(model.model_fields)
    head = ["idempotency_key"]
    tail = ["source_line"]
    return head + [n for n in names if n not in head and n not in tail] + tail

"""The CIS transaction contract: the base of the pydantic model of every transaction type.

Each type is declared beside the exchange kinds that produce it (``mappings``), as a subclass of
``CisTransaction``; a model documents the type's fields and checks single transactions (tests, small
files); the vectorised mappings produce tables with exactly its columns, in this order
(``columns_of``). Money is integer cents; readings are integer register units; times are UTC ISO 8601.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class CisTransaction(BaseModel):
    """Fields every CIS transaction carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    txn_type: ClassVar[str]
    total_fields: ClassVar[tuple[str, ...]] = ()

    idempotency_key: str = Field(
        min_length=1, description="the same for the same business event, whichever file carries it"
    )
    source_line: int = Field(ge=1, description="the line of the source file the row comes from")


def columns_of(model: type[CisTransaction]) -> list[str]:
    """The column order of a transaction type's data file: key first, source last."""
    names = list(model.model_fields)
    head = ["idempotency_key"]
    tail = ["source_line"]
    return head + [n for n in names if n not in head and n not in tail] + tail

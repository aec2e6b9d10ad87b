"""The CIS autopay extract -> NACHA debit entries (kind ``ach-debits``, an outbound exchange).

Each valid extract row becomes one entry: transaction code 27 (checking debit) or 37 (savings
debit), the customer's bank (routing, account), the amount, the utility account as the individual
id (so a return names it even without the ledger) and the customer's name. Trace numbers and
effective dates come from the origination (``hub.engine.origination``), which holds the ledger.
Key: ``D|<payment id>``: a payment is originated once, however often the CIS exports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from hub.kernel.rows import LINE
from mappings.base import MapContext, Mapping, MappingOptions

if TYPE_CHECKING:
    import polars as pl

TXN_TYPE = "AchDebit"
TRANSACTION_CODES = {"checking": 27, "savings": 37}  # debits; 22/32 would be credits
COLUMNS = (
    "payment_id",
    "account",
    "name",
    "routing",
    "dfi_account",
    "transaction_code",
    "amount_cents",
    "effective_date",
    "idempotency_key",
)


class AchDebitsMapping(Mapping[MappingOptions]):
    kind: ClassVar[str] = "ach-debits"
    default_format: ClassVar[str] = "debit-extract"
    options_model: ClassVar[type[MappingOptions]] = MappingOptions
    row_wise: ClassVar[bool] = True

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        code = pl.col("account_type").replace_strict(TRANSACTION_CODES, return_dtype=pl.Int64)
        key = pl.lit("D|") + pl.col("payment_id")
        entries = table.with_columns(code.alias("transaction_code"), key.alias("idempotency_key"))
        return {TXN_TYPE: entries.select(*COLUMNS, LINE)}

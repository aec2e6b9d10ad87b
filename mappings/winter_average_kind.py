"""Kind ``winter-average``: a request (season, requested_at) -> the season's ``WinterAverage``
transactions that were never delivered or changed since.

The accounts are those with a delivered consumption history meeting the season's window (look-ups
``consumption_accounts`` then ``consumption_histories``) and, once a CIS accounts extract is
loaded, its active accounts (look-up ``cis_accounts``: without history they get the default). Each
average is computed by the pure ``winter_averages`` and compared with the last one delivered
(look-up ``winter_averages``) by ``superseding``: an unchanged average posts nothing, a changed
one is delivered with the next revision in its key, naming the key it supersedes. Delivered
averages are kept (fact ``winter_averages``), so the next request compares with them. A request
without a season computes the season whose window closed most recently before it was made (a
scheduled run).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from hub.kernel.errors import MappingError
from hub.kernel.rows import LINE
from hub.kernel.transactions import columns_of
from mappings.base import ExchangeKind, MapContext, MappingOptions
from mappings.winter_average import WinterAverage, WinterAverageOptions, superseding, winter_averages

if TYPE_CHECKING:
    import polars as pl

FACT = "winter_averages"


class WinterAverageMappingOptions(WinterAverageOptions, MappingOptions):
    """The winter window and defaults (``mapping_options`` of the exchange ``winter-averages``)."""


def closed_season(day: date, options: WinterAverageOptions) -> int:
    """The season whose window ended most recently before ``day`` (the window's last day past)."""
    return day.year if options.window(day.year)[1] < day else day.year - 1


class WinterAverageKind(ExchangeKind[WinterAverageMappingOptions]):
    name = "winter-average"
    default_format = "winter-average-request"
    options_model: ClassVar[type[MappingOptions]] = WinterAverageMappingOptions
    produces = (WinterAverage,)
    lookups = frozenset({"consumption_accounts", "consumption_histories", "winter_averages", "cis_accounts"})
    persists = frozenset({FACT})

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        requests = table.with_columns(
            pl.coalesce(
                pl.col("season"),
                pl.col("requested_at").map_elements(
                    lambda at: closed_season(at.date(), self.options), return_dtype=pl.Int64
                ),
            ).alias("season")
        ).unique("season", keep="first", maintain_order=True)  # a request holds a row or two
        found = [self._season(season, line, ctx) for season, line in requests.select("season", LINE).rows()]
        txns = pl.concat(found, how="vertical") if found else _empty(self.options.places)
        fact = txns.select(
            "idempotency_key",
            "account",
            "season",
            pl.col("average_per_day").cast(pl.String).alias("average"),
            "days_covered",
            LINE,
        )
        return {WinterAverage.txn_type: txns, FACT: fact}

    def _season(self, season: int, line: int, ctx: MapContext) -> pl.DataFrame:
        import polars as pl

        first, last = self.options.window(season)
        candidates = ctx.lookup.find("consumption_accounts", [], since=first, until=last)
        accounts = [] if candidates is None else candidates.get_column("account").to_list()
        histories = ctx.lookup.find("consumption_histories", accounts, since=first, until=last)
        if histories is None:
            raise MappingError("winter averages need the delivered consumption histories (no ledger at hand)")
        wanted = set(histories.get_column("account").to_list())
        cis = ctx.lookup.find("cis_accounts", [])
        if cis is not None:  # the CIS's active accounts get an average too (a default without history)
            wanted |= set(cis.get_column("account").to_list())
        accounts = sorted(wanted)
        new = winter_averages(histories, accounts, season, self.options)
        delivered = ctx.lookup.find(FACT, accounts, season=season)
        if delivered is not None:
            new = superseding(new, delivered)
        return new.with_columns(pl.lit(line, pl.Int64).alias(LINE))


def _empty(places: int) -> pl.DataFrame:
    """No request row valid: no transactions, with the columns the engine expects."""
    import polars as pl

    typed: dict[str, pl.DataType] = {
        "season": pl.Int64(),
        "days_covered": pl.Int64(),
        "periods_used": pl.Int64(),
    }
    typed["average_per_day"] = pl.Decimal(38, places)
    typed["source_line"] = pl.Int64()
    schema = {c: typed.get(c, pl.String()) for c in columns_of(WinterAverage)}
    return pl.DataFrame(schema={**schema, LINE: pl.Int64()})

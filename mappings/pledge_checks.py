"""The checks of pledges that need the configuration, the CIS accounts extract or the whole file.

Each rejected pledge is named by its line, field, value (masked where personal) and the reason the
agency's acknowledgement carries: ``unknown-agency``, ``unknown-program``, ``over-cap``,
``unknown-account``, ``account-not-active``, ``name-mismatch``, ``duplicate-pledge`` (the same
agency and pledge id on an earlier line). Warnings, the pledge posted: ``address-mismatch``,
``name-close`` (the name differs but scores at or above the threshold: flagged for review),
``double-pledge`` (the same account, amount and date from two agencies, in the file or posted
before from another file (look-up ``pledges``): posted, flagged for review). Columnar: each check
is a polars expression over the file; Python runs only per problem found (and per name that
differs after normalising, to score it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from hub.kernel.errors import MappingError
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE
from mappings.pledge_names import normalised, scores

if TYPE_CHECKING:
    from mappings.base import MapContext
    from mappings.pledges import PledgeOptions

LOAD_ACCOUNTS = "hub reference load accounts <extract.csv>"


@dataclass
class Checked:
    """The rows with their CIS columns, the lines rejected here, and the problems (errors, warnings)."""

    rows: pl.DataFrame
    rejected: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _programs(opts: PledgeOptions) -> pl.DataFrame:
    rows = [
        (agency, program, p.cap_cents, p.protection_days)
        for agency, a in opts.agencies.items()
        for program, p in a.programs.items()
    ]
    schema = {"agency_id": pl.String, "program": pl.String, "_cap": pl.Int64, "_days": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _address(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_uppercase().str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars()


def _dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _known_agencies(table: pl.DataFrame, opts: PledgeOptions) -> None:
    """A file none of whose pledges is from a configured agency is not this exchange's: rejected
    whole (``MappingError``), naming the agencies it holds and those configured."""
    given = table.get_column("agency_id").unique().sort().to_list()
    if given and not set(given) & set(opts.agencies):
        raise MappingError(
            f"unknown-agency: agency {', '.join(given)} is not a configured agency of this exchange "
            f"(configured: {', '.join(sorted(opts.agencies))}); nothing in the file was posted"
        )


def _with_accounts(rows: pl.DataFrame, ctx: MapContext) -> pl.DataFrame:
    accounts = rows.get_column("account").unique().sort().to_list()
    known = ctx.lookup.find("accounts", accounts)
    if known is None:
        raise MappingError(
            f"no CIS accounts extract was ever loaded, so no pledge can be matched to an account; "
            f"run `{LOAD_ACCOUNTS}`, then reprocess this file"
        )
    found = known.select(
        pl.col("number").alias("account"),
        pl.lit(True).alias("_found"),
        pl.col("name").alias("_cis_name"),
        pl.col("service_address").alias("_cis_address"),
        pl.col("status").alias("_status"),
        pl.col("active").alias("_active"),
    )
    return rows.join(found, on="account", how="left", maintain_order="left").with_columns(
        pl.col("_found").fill_null(False)
    )


def _name_scores(rows: pl.DataFrame) -> pl.DataFrame:
    """``_score``: 100 for names equal once normalised, else rapidfuzz's score; null without a
    CIS name to compare."""
    both = rows.with_columns(
        normalised(pl.col("customer_name")).alias("_given_n"), normalised(pl.col("_cis_name")).alias("_cis_n")
    )
    differ = both.filter(pl.col("_cis_n").is_not_null() & (pl.col("_given_n") != pl.col("_cis_n")))
    scored = pl.DataFrame(
        {
            LINE: differ.get_column(LINE),
            "_fuzzy": pl.Series(
                scores(differ.get_column("_given_n").to_list(), differ.get_column("_cis_n").to_list()),
                dtype=pl.Float64,
            ),
        }
    )
    return both.join(scored, on=LINE, how="left", maintain_order="left").with_columns(
        pl.when(pl.col("_cis_n").is_null())
        .then(None)
        .when(pl.col("_given_n") == pl.col("_cis_n"))
        .then(100.0)
        .otherwise(pl.col("_fuzzy"))
        .alias("_score")
    )


def _rules(opts: PledgeOptions) -> list[tuple[str, str, pl.Expr]]:
    """(rule, field, failing) in the order a pledge's first reason is taken."""
    threshold = float(opts.name_threshold)
    agency_ok = pl.col("agency_id").is_in(list(opts.agencies))
    program_ok = agency_ok & pl.col("_cap").is_not_null()
    account_ok = program_ok & pl.col("_found")
    return [
        ("unknown-agency", "agency_id", ~agency_ok),
        ("unknown-program", "program", agency_ok & pl.col("_cap").is_null()),
        ("over-cap", "amount", program_ok & (pl.col("amount_cents") > pl.col("_cap"))),
        ("unknown-account", "account", program_ok & ~pl.col("_found")),
        ("account-not-active", "account", account_ok & ~pl.col("_active").fill_null(False)),
        ("name-mismatch", "customer_name", account_ok & (pl.col("_score") < threshold)),
        ("duplicate-pledge", "pledge_id", pl.col("_first_line") != pl.col(LINE)),
    ]


def _message(rule: str, r: dict[str, object], opts: PledgeOptions) -> str:
    account = mask(str(r["account"]))
    if rule == "unknown-agency":
        return f"agency {r['agency_id']} is not configured (configured: {', '.join(sorted(opts.agencies))})"
    if rule == "unknown-program":
        agency = opts.agencies[str(r["agency_id"])]
        return (
            f"program {r['program']} is not one of agency {r['agency_id']}'s ({', '.join(agency.programs)})"
        )
    if rule == "over-cap":
        cap = int(r["_cap"])  # type: ignore[call-overload]
        return f"{_dollars(int(r['amount_cents']))} is over the {r['program']} cap of {_dollars(cap)}"  # type: ignore[call-overload]
    if rule == "unknown-account":
        return f"account {account} is not in the CIS accounts extract"
    if rule == "account-not-active":
        return f"account {account} is {r['_status']}, not active"
    if rule == "name-mismatch":
        return (
            f"customer name {mask(str(r['customer_name']))} does not match the account's name "
            f"{mask(str(r['_cis_name']))} (score {r['_score']:.0f} below {opts.name_threshold})"
        )
    return f"pledge {r['pledge_id']} of agency {r['agency_id']} is also on line {r['_first_line']}"


def _value(rule: str, field_name: str, r: dict[str, object]) -> str | None:
    value = r[field_name]
    text = None if value is None else str(value)
    return mask(text) if field_name == "customer_name" else text


def check(table: pl.DataFrame, opts: PledgeOptions, ctx: MapContext) -> Checked:
    if table.height == 0:
        return Checked(rows=_keyed(table.with_columns(pl.lit(None, pl.Int64).alias("_days"))))
    rows = table.with_columns(pl.col("program").str.to_uppercase())
    _known_agencies(rows, opts)
    rows = rows.join(_programs(opts), on=["agency_id", "program"], how="left", maintain_order="left")
    rows = _name_scores(_with_accounts(rows, ctx))
    rows = rows.with_columns(pl.col(LINE).min().over("agency_id", "pledge_id").alias("_first_line"))
    rules = _rules(opts)
    flags = rows.select(LINE, *[bad.fill_null(False).alias(rule) for rule, _, bad in rules])
    problems: list[Problem] = []
    rejected: set[int] = set()
    for rule, field_name, _ in rules:
        hit = flags.get_column(rule) & ~flags.get_column(LINE).is_in(list(rejected))
        for r in rows.filter(hit).iter_rows(named=True):
            line = int(r[LINE])
            rejected.add(line)
            problems.append(
                Problem.of(
                    rule,
                    _message(rule, r, opts),
                    line=line,
                    field=field_name,
                    value=_value(rule, field_name, r),
                )
            )
    kept = _with_delivered(rows.filter(~pl.col(LINE).is_in(list(rejected))), ctx)
    warned = _warnings(kept, opts)
    problems += warned.problems
    problems.sort(key=lambda p: p.line or 0)
    return Checked(rows=_keyed(warned.rows), rejected=sorted(rejected), problems=problems)


def _with_delivered(rows: pl.DataFrame, ctx: MapContext) -> pl.DataFrame:
    """``_posted_by``: another agency whose pledge of the same account, amount and date was posted
    before (from an earlier file), as ``AGENCY pledge ID``; null when none."""
    found = (
        ctx.lookup.find("pledges", rows.get_column("account").unique().sort().to_list())
        if rows.height
        else None
    )
    if found is None or found.height == 0:
        return rows.with_columns(pl.lit(None, pl.String).alias("_posted_by"))
    before = found.select(
        "account",
        "amount_cents",
        "pledge_date",
        pl.col("agency").alias("_other_agency"),
        pl.concat_str([pl.col("agency"), pl.lit(" pledge "), pl.col("pledge_id")]).alias("_posted_by"),
    )
    hits = (
        rows.select(LINE, "agency_id", "account", "amount_cents", "pledge_date")
        .join(before, on=["account", "amount_cents", "pledge_date"], how="inner")
        .filter(pl.col("_other_agency") != pl.col("agency_id"))
        .group_by(LINE)
        .agg(pl.col("_posted_by").first())
    )
    return rows.join(hits, on=LINE, how="left", maintain_order="left")


def _warnings(rows: pl.DataFrame, opts: PledgeOptions) -> Checked:
    """Pledges posted but worth a word: a different service address, a close name, the same
    account, amount and date from two agencies (the last two flagged for review)."""
    address_off = (
        pl.col("service_address").is_not_null()
        & pl.col("_cis_address").is_not_null()
        & (_address(pl.col("service_address")) != _address(pl.col("_cis_address")))
    )
    close = pl.col("_score") < 100.0
    in_file = pl.col("agency_id").n_unique().over("account", "amount_cents", "pledge_date") > 1
    double = in_file | pl.col("_posted_by").is_not_null()
    rows = rows.with_columns(address_off.alias("_addr_off"), close.alias("_close"), double.alias("_double"))
    problems: list[Problem] = []
    for r in rows.filter(pl.col("_addr_off") | pl.col("_close") | pl.col("_double")).iter_rows(named=True):
        line = int(r[LINE])
        if r["_addr_off"]:
            problems.append(
                Problem.of(
                    "address-mismatch",
                    f"service address {mask(r['service_address'])} differs from the account's "
                    f"{mask(r['_cis_address'])}; posted",
                    line=line,
                    field="service_address",
                    value=mask(r["service_address"]),
                    severity="warning",
                )
            )
        if r["_close"]:
            problems.append(
                Problem.of(
                    "name-close",
                    f"customer name {mask(r['customer_name'])} is close to the account's name "
                    f"{mask(r['_cis_name'])} (score {r['_score']:.0f}); posted for review",
                    line=line,
                    field="customer_name",
                    value=mask(r["customer_name"]),
                    severity="warning",
                )
            )
        if r["_double"]:
            problems.append(
                Problem.of(
                    "double-pledge",
                    f"account {mask(r['account'])} has the same amount and date pledged by another "
                    f"agency ({r['_posted_by'] or 'in this file'}); posted for review",
                    line=line,
                    field="account",
                    value=r["account"],
                    severity="warning",
                )
            )
    review = (
        pl.when(pl.col("_double"))
        .then(pl.lit("same account, amount and date from two agencies"))
        .when(pl.col("_close"))
        .then(pl.lit("customer name close to, not equal to, the CIS name"))
        .otherwise(None)
    )
    rows = rows.with_columns(review.alias("review_reason")).with_columns(
        pl.col("review_reason").is_not_null().alias("review")
    )
    return Checked(rows=rows, problems=problems)


def _keyed(rows: pl.DataFrame) -> pl.DataFrame:
    """The CIS columns: key, agency, protection end, review flags."""
    if "review" not in rows.columns:
        rows = rows.with_columns(
            pl.lit(False).alias("review"), pl.lit(None, pl.String).alias("review_reason")
        )
    key = pl.concat_str([pl.lit("AP"), pl.col("agency_id"), pl.col("pledge_id")], separator="|")
    return rows.with_columns(
        key.alias("idempotency_key"),
        pl.col("agency_id").alias("agency"),
        (pl.col("pledge_date") + pl.duration(days=pl.col("_days"))).alias("protect_until"),
        pl.col(LINE).alias("source_line"),
    )

"""The CIS extract of closed accounts to place with a collection agency (CSV).

Header: ``account,name,ssn,date_of_birth,address,city,state,zip,phone,balance,service_from,
service_to,last_payment_date,first_delinquency_date,close_date,flags`` (other names through
``columns``; extra columns are ignored). Checked column by column: required fields (an SSN or a
date of birth: the agency must be able to tell the guarantor), the SSN (9 digits, dashes allowed,
never an impossible one: area 000, 666 or 900-999, group 00, serial 0000), dates (valid, not in the
future, service from <= to <= close date; a date of birth at least 16 and at most 120 years back),
the balance (positive dollars, at most two decimals), ZIP (5 or 9 digits), state (a USPS code),
phone (10 digits when given) and flags (any of deceased, bankruptcy, attorney, dispute, separated
by ``;``, ``|`` or blanks); an account twice is refused on its later lines.

SSNs and dates of birth are personal: a problem shows at most the SSN's last four digits and never
a date of birth; names, addresses and phones are masked as the hub masks names.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from formats.base import FormatOptions, Parsed, ReadContext, Validated
from formats.csv_fields import CsvFieldsFormat, CsvFieldsOptions
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

    from formats.row_rules import Check

FIELDS = (
    "account",
    "name",
    "ssn",
    "date_of_birth",
    "address",
    "city",
    "state",
    "zip",
    "phone",
    "balance",
    "service_from",
    "service_to",
    "last_payment_date",
    "first_delinquency_date",
    "close_date",
    "flags",
)
REQUIRED = ("account", "name", "address", "city", "state", "zip", "balance", "service_from", "close_date")
DATES = (
    "date_of_birth",
    "service_from",
    "service_to",
    "last_payment_date",
    "first_delinquency_date",
    "close_date",
)
FLAGS = ("deceased", "bankruptcy", "attorney", "dispute")
# USPS codes: the states, DC, the territories and the armed forces' addresses
STATES = frozenset(
    {
        *("AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA"),
        *("KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM"),
        *("NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA"),
        *("WV", "WI", "WY", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP"),
    }
)
PERSONAL = frozenset({"name", "address", "phone"})  # masked as names are
HIDDEN = frozenset({"date_of_birth"})  # never shown at all


class PlacementExtractOptions(CsvFieldsOptions):
    """Options of the ``placement-extract`` format (``format_options`` in hub.yaml)."""

    FIELDS: ClassVar[tuple[str, ...]] = FIELDS


def typed(raw: pl.DataFrame, opts: PlacementExtractOptions) -> pl.DataFrame:
    """Every row typed (a value that does not convert is null; the checks say why): the dates,
    ``balance_cents`` (Int64, exact), ``ssn`` as 9 digits, ``zip`` and ``phone`` as digits, ``state``
    upper case, ``flags`` as a sorted ``;``-joined list."""
    import polars as pl

    from formats.row_rules import cents, dates

    words = pl.col("flags").str.to_lowercase().str.extract_all(r"[a-z]+")
    return raw.with_columns(
        *[dates(pl.col(f), opts.date_formats).alias(f) for f in DATES],
        cents(pl.col("balance")).alias("balance_cents"),
        pl.col("ssn").str.replace_all("-", "").alias("ssn"),
        pl.col("zip").str.replace_all("-", "").alias("zip"),
        pl.col("phone").str.replace_all(r"[^0-9]", "").alias("phone"),
        pl.col("state").str.to_uppercase().alias("state"),
        words.list.unique().list.sort().list.join(";").replace("", None).alias("flags"),
        words.alias("_flag_words"),
    )


def _checks(opts: PlacementExtractOptions, today: date) -> list[Check]:
    """Every check in the order it is reported (per field, only the first one its value breaks)."""
    import polars as pl

    col = pl.col
    t = {f: col(f"t_{f}") for f in (*DATES, "balance_cents", "ssn", "zip", "phone", "state")}
    formats = ", ".join(opts.date_formats)
    checks: list[Check] = [(f, "required", col(f).is_null(), f"{f} is required") for f in REQUIRED]
    checks.append(
        (
            "ssn",
            "required",
            col("ssn").is_null() & col("date_of_birth").is_null(),
            "an SSN or a date of birth is required (the agency must be able to tell the guarantor)",
        )
    )
    ssn = t["ssn"]
    checks += [
        (
            "ssn",
            "ssn-format",
            col("ssn").is_not_null() & ~col("ssn").str.contains(r"^\d{3}-?\d{2}-?\d{4}$"),
            "SSN {value} is not 9 digits",
        ),
        (
            "ssn",
            "ssn-impossible",
            ssn.str.slice(0, 3).is_in(["000", "666"])
            | ssn.str.starts_with("9")
            | (ssn.str.slice(3, 2) == "00")
            | (ssn.str.slice(5, 4) == "0000"),
            "SSN {value} cannot exist (area 000, 666 or 9xx, group 00 or serial 0000)",
        ),
    ]
    for f in DATES:
        checks.append(
            (f, "date", col(f).is_not_null() & t[f].is_null(), f"{f} {{value}} is not a date ({formats})")
        )
        checks.append((f, "future-date", t[f] > today, f"{f} {{value}} is after today ({today:%Y-%m-%d})"))
    born = t["date_of_birth"]
    checks += [
        (
            "date_of_birth",
            "implausible-age",
            (born > date(today.year - 16, today.month, min(today.day, 28)))
            | (born < date(today.year - 120, 1, 1)),
            "date of birth {value} is less than 16 or more than 120 years ago",
        ),
        (
            "service_to",
            "date-order",
            t["service_to"] < t["service_from"],
            "service_to {value} is before service_from",
        ),
        (
            "close_date",
            "date-order",
            t["close_date"] < t["service_from"],
            "close_date {value} is before service_from",
        ),
        (
            "balance",
            "bad-amount",
            col("balance").is_not_null() & t["balance_cents"].is_null(),
            "balance {value} is not an amount in dollars with at most two decimals",
        ),
        ("balance", "not-positive", t["balance_cents"] <= 0, "balance {value} must be more than zero"),
        (
            "zip",
            "zip",
            col("zip").is_not_null() & ~t["zip"].str.contains(r"^(\d{5}|\d{9})$"),
            "ZIP {value} is not 5 or 9 digits",
        ),
        (
            "state",
            "state",
            col("state").is_not_null() & ~t["state"].is_in(sorted(STATES)),
            "state {value} is not a USPS state code",
        ),
        (
            "phone",
            "phone",
            col("phone").is_not_null() & (t["phone"].str.len_chars() != 10),
            "phone {value} is not 10 digits",
        ),
        (
            "flags",
            "unknown-flag",
            col("t__flag_words").list.eval(~pl.element().is_in(FLAGS)).list.any(),
            f"flags {{value}} holds a flag that is not one of {', '.join(FLAGS)}",
        ),
    ]
    return checks


class PlacementExtractFormat(CsvFieldsFormat[PlacementExtractOptions]):
    name: ClassVar[str] = "placement-extract"
    title: ClassVar[str] = "placement extract CSV"
    sniff_columns: ClassVar[tuple[str, ...]] = ("account", "balance", "service_from", "close_date")
    options_model: ClassVar[type[FormatOptions]] = PlacementExtractOptions
    fields: ClassVar[tuple[str, ...]] = FIELDS
    required: ClassVar[tuple[str, ...]] = REQUIRED
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account", "ssn", "date_of_birth", *PERSONAL})

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Typed valid rows and one problem per broken field of each row, plus repeated accounts."""
        from zoneinfo import ZoneInfo

        import polars as pl

        from formats.row_rules import broken

        raw = parsed.table
        t = typed(raw, self.options)
        today = ctx.now.astimezone(ZoneInfo(ctx.timezone)).date()
        both = pl.concat([raw, t.select(pl.exclude(LINE).name.prefix("t_"))], how="horizontal")
        problems = [
            *parsed.problems,
            *broken(both, _checks(self.options, today), self.shown),
            *_repeated(raw),
        ]
        problems.sort(key=lambda p: (p.line or 0, FIELDS.index(p.field) if p.field in FIELDS else 0))
        bad = sorted({p.line for p in problems if p.line is not None and p.severity == "error"})
        valid = t.filter(~pl.col(LINE).is_in(bad)).drop("balance", "_flag_words")
        return Validated(table=valid, problems=problems, rows=parsed.rows)

    def shown(self, field: str, value: object) -> str | None:
        """A value as a report may show it: SSNs and accounts to their last four characters, dates of
        birth not at all, names, addresses and phones masked."""
        if value is None:
            return None
        if field in HIDDEN:
            return "*" * len(str(value))
        return mask(str(value)) if field in (*PERSONAL, "ssn", "account") else str(value)


def _repeated(raw: pl.DataFrame) -> list[Problem]:
    """An account on a later line again: an error naming the first line (placed once)."""
    import polars as pl

    rows = raw.select(LINE, "account").filter(pl.col("account").is_not_null())
    again = rows.with_columns(pl.col(LINE).min().over("account").alias("first")).filter(
        pl.col(LINE) != pl.col("first")
    )
    return [
        Problem.of(
            "duplicate-account",
            f"account {mask(r['account'])} is on line {r['first']} already; each account once",
            line=r[LINE],
            field="account",
            value=r["account"],
        )
        for r in again.iter_rows(named=True)
    ]

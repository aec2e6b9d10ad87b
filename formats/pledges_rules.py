"""Typing and the row checks of pledge files, column by column (polars expressions).

Rules (each named by the reason code the agency's acknowledgement carries): ``missing-field``
(a required value is blank), ``bad-amount`` (not a positive amount in dollars and at most two
decimals; ``$`` and thousands separators are allowed), ``bad-date`` (not a date of the configured
formats, or ``expires`` not after ``pledge_date``), ``expired`` (``expires`` before the day the hub
received the file: a file run again later is judged as of the day the agency sent it). The typed
table adds ``amount_cents`` (Int64) and types the two dates.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from formats.base import Parsed, ReadContext, Validated
from formats.pledges import REQUIRED_FIELDS, Layout
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE

# dollars, optionally with $ and thousands separators, at most two decimals
AMOUNT = r"^\$?(\d+|\d{1,3}(,\d{3})+)(\.\d{0,2})?$"
MAX_DOLLARS_DIGITS = 12
PERSONAL = ("customer_name", "service_address")


def _date(raw: pl.Expr, formats: list[str]) -> pl.Expr:
    return pl.coalesce([raw.str.strptime(pl.Date, f, strict=False) for f in formats])


def _cents(raw: pl.Expr) -> pl.Expr:
    plain = raw.str.replace_all(r"[$,]", "")
    dollars = plain.str.extract(r"^(\d+)").cast(pl.Int64, strict=False)
    frac = plain.str.extract(r"\.(\d*)$").fill_null("").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    return dollars * 100 + frac.fill_null(0)


def typed(raw: pl.DataFrame, opts: Layout) -> pl.DataFrame:
    """Every row typed; a value that does not convert is null (``problems`` says why)."""
    ok = pl.col("amount").str.contains(AMOUNT) & (
        pl.col("amount").str.replace_all(r"[$,]", "").str.extract(r"^(\d+)").str.len_chars()
        <= MAX_DOLLARS_DIGITS
    )
    return raw.with_columns(
        pl.when(ok).then(_cents(pl.col("amount"))).alias("amount_cents"),
        _date(pl.col("pledge_date"), opts.date_formats).alias("pledge_date"),
        _date(pl.col("expires"), opts.date_formats).alias("expires"),
    )


def _shown(field: str, value: str | None) -> str | None:
    return mask(value) if field in PERSONAL else value


def problems(
    raw: pl.DataFrame, t: pl.DataFrame, opts: Layout, today: date, day: str = "today"
) -> list[Problem]:
    """Every failing (line, field, rule), at most one per line and field; ``today`` is the day
    expiry is judged on, called ``day`` in messages."""
    given = {f: pl.col(f).is_not_null() for f in REQUIRED_FIELDS}
    formats = ", ".join(opts.date_formats)
    checks: list[tuple[str, str, pl.Expr, str]] = [
        (f, "missing-field", ~ok, f"{f} is required") for f, ok in given.items()
    ]
    checks += [
        (
            "amount",
            "bad-amount",
            given["amount"] & pl.col("t_amount_cents").is_null(),
            "is not an amount in dollars with at most two decimals",
        ),
        ("amount", "bad-amount", pl.col("t_amount_cents") == 0, "must be more than zero"),
        (
            "pledge_date",
            "bad-date",
            given["pledge_date"] & pl.col("t_pledge_date").is_null(),
            f"is not a valid date ({formats})",
        ),
        (
            "expires",
            "bad-date",
            given["expires"] & pl.col("t_expires").is_null(),
            f"is not a valid date ({formats})",
        ),
        (
            "expires",
            "bad-date",
            pl.col("t_expires") <= pl.col("t_pledge_date"),
            "is not after the pledge date",
        ),
        ("expires", "expired", pl.col("t_expires") < pl.lit(today), f"is before {day} ({today:%Y-%m-%d})"),
    ]
    both = pl.concat([raw, t.select(pl.exclude(LINE).name.prefix("t_"))], how="horizontal")
    flags = both.select(LINE, *[c.fill_null(False).alias(str(i)) for i, (_, _, c, _) in enumerate(checks)])
    found: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for i, (field, rule, _, why) in enumerate(checks):
        hit = flags.get_column(str(i))
        if not hit.any():
            continue
        for line, value in both.filter(hit).select(LINE, field).iter_rows():
            if (line, field) in seen:
                continue
            seen.add((line, field))
            message = why if rule == "missing-field" else f"{field} {_shown(field, value)!r} {why}"
            found.append(Problem.of(rule, message, line=line, field=field, value=_shown(field, value)))
    return found


def validate_pledges(parsed: Parsed, opts: Layout, ctx: ReadContext) -> Validated:
    from zoneinfo import ZoneInfo

    raw = parsed.table
    t = typed(raw, opts)
    zone = ZoneInfo(ctx.timezone)
    today = (ctx.received or ctx.now).astimezone(zone).date()
    day = "today" if today == ctx.now.astimezone(zone).date() else "the day the file was received"
    found = [*parsed.problems, *problems(raw, t, opts, today, day)]
    bad = sorted({p.line for p in found if p.line is not None and p.severity == "error"})
    valid = t.filter(~pl.col(LINE).is_in(bad)) if bad else t
    found.sort(key=lambda p: p.line or 0)
    return Validated(table=valid, problems=found, rows=parsed.rows)

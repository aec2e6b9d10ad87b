"""Typing and the pandera schema of meter-reader uploads.

One pass collects every failure: values that do not convert (integer, date/time), then the schema's
checks (required, patterns, ranges, code lists, read date not in the future and within the window,
reading present when the read code needs one, duplicate reads within the file). pandera is imported
here only, where a table is validated: importing it costs most of a second.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from formats.base import Parsed, PendingValidation, ReadContext, Validated
from formats.meter_reads import MeterReadsOptions
from formats.schema_pass import evaluable, failing
from hub.kernel.background import in_background
from hub.kernel.problems import Problem
from hub.kernel.queries import engine_for
from hub.kernel.rows import LINE

ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
# ASCII digits (\d is any script's): others fail the fixed format anyway and take the full chain
LOCAL_SECONDS = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$"
INTEGER = r"^[0-9]{1,18}$"  # what ``whole_number`` takes
SIGNED_INTEGER = r"^[+-]?[0-9]{1,18}$"
INTEGER_FIELDS = ("sequence", "reading", "prior_reading", "average_usage")
KEY = ["meter", "register", "read_at"]
DUPLICATE = "the same meter, register and read time appear earlier in the file"


def _datetime_expr(raw: pl.Expr, formats: list[str] | None, tz: str) -> pl.Expr:
    """String -> UTC datetime; null where the value does not parse. Times without an offset are in
    ``tz``; a local time that does not exist (DST gap) is null."""
    if formats is None:
        # %z needs minutes: an hours-only offset (+05), which ISO 8601 and ISO_DATETIME allow, gets :00
        norm = raw.str.replace(" ", "T").str.replace(r"Z$", "+00:00").str.replace(r"([+-]\d{2})$", "${1}:00")
        valid = raw.str.contains(ISO_DATETIME)
        aware = pl.coalesce(
            norm.str.to_datetime(f, time_zone="UTC", strict=False, cache=False)
            for f in ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z")
        )
        naive = pl.coalesce(
            norm.str.to_datetime(f, strict=False, cache=False)
            for f in ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M")
        )
        local = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        return pl.when(valid).then(pl.coalesce(aware, local.dt.convert_time_zone("UTC")))
    parts = []
    for fmt in formats:
        if "%z" in fmt or "%Z" in fmt:
            parts.append(raw.str.to_datetime(fmt, time_zone="UTC", strict=False, cache=False))
        else:
            parts.append(
                raw.str.to_datetime(fmt, strict=False, cache=False)
                .dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
                .dt.convert_time_zone("UTC")
            )
    return pl.coalesce(parts)


def _local_seconds(col: pl.Expr, tz: str) -> pl.Expr:
    """The common local form ``YYYY-MM-DDTHH:MM:SS`` parsed with one fixed format (UTC datetime);
    null for any other value."""
    return pl.when(col.str.contains(LOCAL_SECONDS)).then(
        # no cache: read times rarely repeat, and polars' cache of parsed values costs 40% more
        col.str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False, cache=False)
        .dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )


def _other_datetimes(raw: pl.Series, fast: pl.Series, tz: str) -> pl.Series:
    """``fast`` (``_local_seconds`` of ``raw``) with the values it left null parsed by the full ISO
    8601 chain (several formats, each a pass over the column: only those values take it)."""
    rest = (fast.is_null() & raw.is_not_null()).arg_true()
    if rest.len() == 0:
        return fast
    slow = raw.gather(rest).to_frame().select(_datetime_expr(pl.col(raw.name), None, tz)).to_series()
    return fast.scatter(rest, slow)


def parse_datetimes(raw: pl.Series, formats: list[str] | None, tz: str) -> pl.Series:
    """String -> UTC datetime (``_datetime_expr``). By default the common local form
    ``YYYY-MM-DDTHH:MM:SS`` is parsed with one fixed format first, and only the other values go
    through the full ISO 8601 chain."""
    if formats is not None:
        return raw.to_frame().select(_datetime_expr(pl.col(raw.name), formats, tz)).to_series()
    fast = raw.to_frame().select(_local_seconds(pl.col(raw.name), tz).alias(raw.name)).to_series()
    return _other_datetimes(raw, fast, tz)


def whole_number(col: pl.Expr) -> pl.Expr:
    """A whole number of 1 to 18 digits (``INTEGER``) as Int64; null for anything else. polars'
    cast takes digits with an optional sign, so a value of at most 18 bytes that casts and starts
    with neither sign is exactly one that matches ``INTEGER``, at half the cost of the pattern."""
    digits_only = (col.str.len_bytes() <= 18) & ~col.str.starts_with("+") & ~col.str.starts_with("-")
    return pl.when(digits_only).then(col.cast(pl.Int64, strict=False))


def _typed(raw: pl.DataFrame, opts: MeterReadsOptions, tz: str) -> pl.DataFrame:
    """Every row typed in one plan (the reading's test is shared by its value and its digits)."""
    ints = {f: whole_number(pl.col(f)) for f in INTEGER_FIELDS}
    digits = pl.max_horizontal(pl.col("reading").str.len_chars(), pl.col("prior_reading").str.len_chars())
    default = opts.datetime_formats is None
    read_at = pl.col("read_at")
    when = _local_seconds(read_at, tz) if default else _datetime_expr(read_at, opts.datetime_formats, tz)
    typed = (
        raw.lazy()
        .with_columns(
            *[expr.alias(f) for f, expr in ints.items()],
            when.alias("read_at"),
            pl.when(ints["reading"].is_not_null()).then(digits).cast(pl.Int32).alias("reading_digits"),
        )
        .collect(engine=engine_for(raw.height))
    )
    if not default:
        return typed
    parsed = _other_datetimes(raw.get_column("read_at"), typed.get_column("read_at"), tz)
    return typed if parsed is typed.get_column("read_at") else typed.with_columns(parsed)


def _conversion_problems(raw: pl.DataFrame, typed: pl.DataFrame) -> list[Problem]:
    expected = {f: "a whole number of register units (digits only)" for f in INTEGER_FIELDS}
    expected["read_at"] = "a date and time (ISO 8601 by default, e.g. 2026-11-20T08:15:00)"
    # a value that was given but did not convert; the nulls of both sides are counted, not compared
    # row by row, because there are usually none to report
    if all(raw.get_column(f).null_count() == typed.get_column(f).null_count() for f in expected):
        return []
    problems: list[Problem] = []
    for field, what in expected.items():
        failed = raw.get_column(field).is_not_null() & typed.get_column(field).is_null()
        bad = raw.select(LINE, pl.col(field).alias("value")).filter(failed)
        rule = "datetime" if field == "read_at" else "integer"
        problems.extend(
            Problem.of(rule, f"{field} is not {what}", line=line, field=field, value=value)
            for line, value in bad.iter_rows()
        )
    return problems


def build_schema(opts: MeterReadsOptions, ctx: ReadContext) -> pa.DataFrameSchema:
    latest = ctx.now + timedelta(minutes=opts.future_tolerance_minutes)
    earliest = ctx.now - timedelta(days=opts.read_window_days)
    codes = sorted(opts.read_codes)
    need = [c for c, spec in opts.read_codes.items() if spec.reading == "required"]
    forbid = [c for c, spec in opts.read_codes.items() if spec.reading == "none"]
    trouble = (
        pa.Check.isin(opts.trouble_codes, error="code_list")
        if opts.trouble_codes is not None
        else pa.Check.str_matches(r"^[0-9A-Za-z]{1,4}$", error="pattern")
    )

    def frame_check(name: str, expr: Callable[[], pl.Expr]) -> pa.Check:
        return pa.Check(lambda data: data.lazyframe.select(expr()), name=name)

    return pa.DataFrameSchema(
        {
            "route": pa.Column(pl.String, pa.Check.str_length(1, 20, error="length")),
            "sequence": pa.Column(pl.Int64, pa.Check.in_range(0, 999_999, error="range")),
            "account": pa.Column(pl.String, pa.Check.str_matches(opts.account_pattern, error="pattern")),
            "meter": pa.Column(pl.String, pa.Check.str_matches(opts.meter_pattern, error="pattern")),
            "register": pa.Column(pl.String, pa.Check.str_matches(opts.register_pattern, error="pattern")),
            "read_at": pa.Column(
                pl.Datetime("us", "UTC"),
                [
                    pa.Check.le(latest, error="not_in_future"),
                    pa.Check.ge(earliest, error="read_window"),
                ],
            ),
            "reading": pa.Column(
                pl.Int64, pa.Check.in_range(0, opts.max_reading, error="range"), nullable=True
            ),
            "prior_reading": pa.Column(
                pl.Int64, pa.Check.in_range(0, opts.max_reading, error="range"), nullable=True
            ),
            "read_code": pa.Column(pl.String, pa.Check.isin(codes, error="code_list")),
            "reader_id": pa.Column(pl.String, pa.Check.str_length(1, 20, error="length")),
            "trouble_code": pa.Column(pl.String, trouble, nullable=True),
            "average_usage": pa.Column(pl.Int64, pa.Check.ge(0, error="range"), nullable=True),
        },
        checks=[
            frame_check(
                "reading_required", lambda: pl.col("reading").is_not_null() | ~pl.col("read_code").is_in(need)
            ),
            frame_check(
                "reading_not_expected",
                lambda: pl.col("reading").is_null() | ~pl.col("read_code").is_in(forbid),
            ),
            frame_check(
                "duplicate_read",
                # hashes first (half the cost); _schema_problems confirms each candidate exactly
                lambda: key_hash().is_first_distinct() | pl.any_horizontal(pl.col(KEY).is_null()),
            ),
        ],
    )


def _messages(opts: MeterReadsOptions, ctx: ReadContext) -> dict[str, Callable[[str, Any], str]]:
    codes = ", ".join(sorted(opts.read_codes))
    return {
        "required": lambda f, v: f"{f} is required",
        "length": lambda f, v: f"{f} must be 1 to 20 characters",
        "range": lambda f, v: f"{f} {v} is out of range",
        "pattern": lambda f, v: f"{f} does not have the expected form",
        "code_list": lambda f, v: (
            f"read code {v!r} is not one of the configured codes ({codes})"
            if f == "read_code"
            else f"{f} {v!r} is not a configured code"
        ),
        "not_in_future": lambda f, v: (
            f"read time {v} is in the future (processed at {ctx.now:%Y-%m-%d %H:%M} UTC)"
        ),
        "read_window": lambda f, v: (
            f"read time {v} is older than the {opts.read_window_days}-day read window"
        ),
        "reading_required": lambda f, v: "the read code needs a reading but none was given",
        "reading_not_expected": lambda f, v: (
            "the read code means the meter was not read, but a reading was given"
        ),
        "duplicate_read": lambda f, v: DUPLICATE,
    }


FRAME_CHECK_FIELD = {
    "reading_required": "reading",
    "reading_not_expected": "reading",
    "duplicate_read": "meter",
}
RULE_OF = {"not_nullable": "required", "dtype": "type"}


def key_hash() -> pl.Expr:
    """A 64-bit hash of each row's key, to find duplicate candidates: equal keys hash alike, and
    ``_exact_duplicates`` confirms each candidate on the key itself. Each column hashed with its
    own seed, combined by xor: a quarter cheaper than hashing the key as a struct."""
    meter, register, read_at = (pl.col(c).hash(seed=s) for c, s in zip(KEY, (1, 2, 3), strict=True))
    return meter ^ register ^ read_at


def _exact_duplicates(typed: pl.DataFrame, candidates: list[int]) -> set[int]:
    """The candidate rows (flagged because their key's hash occurred earlier) whose key itself
    occurred earlier: a hash collision is not a duplicate."""
    if not candidates:
        return set()
    hashes = typed.select(key_hash().alias("hash"), pl.int_range(pl.len()).alias("index"))
    flagged = hashes.get_column("hash").gather(candidates).unique()
    group = hashes.filter(pl.col("hash").is_in(flagged.implode())).get_column("index")
    again = ~typed.select(KEY)[group].select(pl.struct(KEY).is_first_distinct()).to_series()
    return set(group.filter(again).to_list())


def _key_hashes(typed: pl.DataFrame) -> pl.DataFrame:
    """Two independent 64-bit hashes of each row's key (null: a key with a null is no duplicate)."""
    key = pl.struct(KEY)
    complete = ~pl.any_horizontal(pl.col(KEY).is_null())
    return typed.select(
        pl.when(complete).then(key.hash(seed=0)).alias("h0"),
        pl.when(complete).then(key.hash(seed=0x9E3779B9)).alias("h1"),
    )


def _repeated_from_earlier(
    raw: pl.DataFrame,
    typed: pl.DataFrame,
    earlier: dict[str, Any],
    found: list[Problem],
    converted: set[tuple[int | None, str | None]],
) -> list[Problem]:
    """Rows of this part whose key a part before it had (the same ``duplicate_read`` as within a
    part), then this part's keys added to ``earlier["keys"]``. Earlier keys are kept as a pair of
    independent 64-bit hashes (16 bytes a row, not the values): among 10 million rows, two
    different keys alike in both are a chance under 1 in 10^24."""
    hashes = _key_hashes(typed)
    known: pl.DataFrame | None = earlier.get("keys")
    problems = []
    if known is not None and known.height:
        # the earlier keys that share a first hash with this part's, found by a set of this part's
        # (not a join, which would build a table of every earlier key: ~1 GB at 10 million rows)
        near = known.filter(pl.col("h0").is_in(hashes.get_column("h0").drop_nulls().implode()))
        hit = hashes.with_row_index("index").join(near, on=["h0", "h1"], how="semi")
        lines = raw.get_column(LINE)
        flagged = {p.line for p in found if p.rule == "duplicate_read"}  # within this part
        for index in hit.get_column("index").to_list():
            line = int(lines[index])
            if line in flagged or (line, "meter") in converted:
                continue
            value = raw.item(index, "meter")
            problems.append(Problem.of("duplicate_read", DUPLICATE, line=line, field="meter", value=value))
    fresh = hashes.drop_nulls()
    earlier["keys"] = fresh if known is None else pl.concat([known, fresh], rechunk=False)
    return problems


def _failure_cases(schema: pa.DataFrameSchema, typed: pl.DataFrame) -> pl.DataFrame | None:
    try:
        schema.validate(typed, lazy=True)
    except SchemaErrors as exc:
        cases: pl.DataFrame = exc.failure_cases
        return cases
    return None


def run_schema(schema: pa.DataFrameSchema, typed: pl.DataFrame) -> pl.DataFrame | None:
    """Every failure case of the schema (pandera's table: column, check, index, ...), or None.

    A table that passes every check is told in one polars query (``formats.schema_pass``). Else
    pandera runs its checks one after another, each a pass over one column; the column checks and
    the frame checks are run as two schemas in two threads (polars releases the GIL), which keeps
    both cores busy."""
    if evaluable(schema):
        part = failing(schema, typed)
        if part is None:
            return None
        schema = part  # the checks that failed: pandera finds the same failure cases with them
    columns = pa.DataFrameSchema(schema.columns)
    frame = pa.DataFrameSchema({}, checks=schema.checks)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = [c for c in pool.map(_failure_cases, (columns, frame), (typed, typed)) if c is not None]
    return pl.concat(parts, how="diagonal_relaxed") if parts else None


def _schema_problems(
    failures: pl.DataFrame, raw: pl.DataFrame, typed: pl.DataFrame, opts: MeterReadsOptions, ctx: ReadContext
) -> list[Problem]:
    messages = _messages(opts, ctx)
    cases = failures.filter(pl.col("index").is_not_null())
    duplicates = _exact_duplicates(
        typed, cases.filter(pl.col("check") == "duplicate_read").get_column("index").to_list()
    )
    lines = raw.get_column(LINE)
    problems = []
    for column, check, index in cases.select("column", "check", "index").iter_rows():
        if check == "duplicate_read" and index not in duplicates:
            continue
        rule = RULE_OF.get(check, check)
        field = column if column is not None else FRAME_CHECK_FIELD.get(rule, "row")
        value = raw.item(index, field) if field in raw.columns else None
        render = messages.get(rule, lambda f, v, r=rule: f"{f} failed {r}")
        problems.append(
            Problem.of(rule, render(field, value), line=int(lines[index]), field=field, value=value)
        )
    return problems


def start_validation(parsed: Parsed, opts: MeterReadsOptions, ctx: ReadContext) -> PendingValidation:
    """Type every row now; run the conversion check and the pandera schema in a worker thread
    (polars and pandera's checks release the GIL), so the caller can map meanwhile."""
    raw = parsed.table
    zoneinfo.ZoneInfo(ctx.timezone)
    typed = _typed(raw, opts, ctx.timezone)
    rules = in_background(lambda: _finish(parsed, typed, opts, ctx), "validation")
    return PendingValidation(typed, rules.result)


def _finish(parsed: Parsed, typed: pl.DataFrame, opts: MeterReadsOptions, ctx: ReadContext) -> Validated:
    raw = parsed.table
    problems = list(parsed.problems) + _conversion_problems(raw, typed)
    failures = run_schema(build_schema(opts, ctx), typed)
    converted = {(p.line, p.field) for p in problems}
    if failures is not None:
        problems += [
            p for p in _schema_problems(failures, raw, typed, opts, ctx) if (p.line, p.field) not in converted
        ]
    if ctx.earlier is not None:
        problems += _repeated_from_earlier(raw, typed, ctx.earlier, problems, converted)
    bad = {p.line for p in problems if p.line is not None}
    valid = typed.filter(~pl.col(LINE).is_in(list(bad))) if bad else typed
    problems.sort(key=lambda p: (p.line or 0, p.field or ""))
    return Validated(table=valid, problems=problems, rows=parsed.rows)


def validate_reads(parsed: Parsed, opts: MeterReadsOptions, ctx: ReadContext) -> Validated:
    return start_validation(parsed, opts, ctx).result()

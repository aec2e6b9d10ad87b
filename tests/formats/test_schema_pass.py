"""``formats.schema_pass``: a table passes in one polars query exactly when pandera's own
``validate`` finds no failure case, for each way a table can break a schema (and a meter-read
upload with each kind of broken row is still reported as before: tests/formats/test_meter_reads*)."""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl
import pytest
from pandera.errors import SchemaError, SchemaErrors

from formats.schema_pass import evaluable, failing, passes

SCHEMA = pa.DataFrameSchema(
    {
        "meter": pa.Column(pl.String, pa.Check.str_matches(r"^M[0-9]{3}$")),
        "reading": pa.Column(pl.Int64, pa.Check.in_range(0, 999), nullable=True),
        "code": pa.Column(pl.String, pa.Check.isin(["01", "04"])),
        "at": pa.Column(pl.Datetime("us"), pa.Check.le(datetime(2026, 12, 1))),
    },
    checks=[
        pa.Check(lambda d: d.lazyframe.select(pl.col("reading").is_not_null() | (pl.col("code") == "04")))
    ],
)
GOOD = {
    "meter": ["M001", "M002", "M003"],
    "reading": [5, None, 999],
    "code": ["01", "04", "01"],
    "at": [datetime(2026, 11, 1), datetime(2026, 11, 2), datetime(2026, 12, 1)],
}


def pandera_accepts(table: pl.DataFrame) -> bool:
    try:
        SCHEMA.validate(table, lazy=True)
    except (SchemaError, SchemaErrors):
        return False
    return True


def changed(column: str, index: int, value: object) -> pl.DataFrame:
    data = {k: list(v) for k, v in GOOD.items()}
    data[column][index] = value
    return pl.DataFrame(
        data, schema={"meter": pl.String, "reading": pl.Int64, "code": pl.String, "at": pl.Datetime("us")}
    )


@pytest.mark.parametrize(
    ("table", "accepted"),
    [
        (changed("meter", 0, "M001"), True),  # unchanged
        (changed("meter", 1, "X002"), False),  # a column check fails
        (changed("meter", 2, None), False),  # a null where none is allowed
        (changed("reading", 2, 1000), False),  # out of range
        (changed("reading", 0, None), False),  # the frame check: a reading needed for code 01
        (changed("code", 0, "04"), True),  # no reading needed, none there: the null passes its check
        (changed("code", 1, "09"), False),  # not in the list
        (changed("at", 0, datetime(2026, 12, 2)), False),  # after the bound
        (changed("at", 0, None), False),
    ],
)
def test_a_table_passes_exactly_when_pandera_finds_no_failure(table: pl.DataFrame, accepted: bool) -> None:
    assert evaluable(SCHEMA)
    assert pandera_accepts(table) is accepted
    assert passes(SCHEMA, table) is accepted


def failure_cases(schema: pa.DataFrameSchema, table: pl.DataFrame) -> list[tuple[object, ...]]:
    try:
        schema.validate(table, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.select("schema_context", "column", "check", "failure_case", "index")
        return [tuple(str(v) for v in row) for row in cases.iter_rows()]
    return []


BROKEN = [
    changed("meter", 1, "X002"),
    changed("meter", 2, None),
    changed("reading", 2, 1000),
    changed("reading", 0, None),
    changed("code", 1, "09"),
    changed("at", 0, datetime(2026, 12, 2)),
    changed("at", 0, None),
    changed("meter", 1, "X002").with_columns(pl.lit(None, pl.String).alias("code")),
]


@pytest.mark.parametrize("table", BROKEN)
def test_pandera_finds_the_same_failure_cases_with_only_the_checks_that_failed(table: pl.DataFrame) -> None:
    part = failing(SCHEMA, table)
    assert part is not None
    whole = failure_cases(SCHEMA, table)
    assert whole and failure_cases(part, table) == whole
    checks = sum(len(c.checks) for c in SCHEMA.columns.values()) + len(SCHEMA.checks)
    assert sum(len(c.checks) for c in part.columns.values()) + len(part.checks) < checks


def test_a_table_that_passes_has_no_failing_part_and_an_unknown_type_fails_whole() -> None:
    good = changed("meter", 0, "M001")
    assert failing(SCHEMA, good) is None
    assert failing(SCHEMA, good.with_columns(pl.col("reading").cast(pl.Int32))) is SCHEMA


def test_a_wrong_type_or_a_missing_column_does_not_pass() -> None:
    good = changed("meter", 0, "M001")
    assert not passes(SCHEMA, good.with_columns(pl.col("reading").cast(pl.Int32)))
    assert not passes(SCHEMA, good.drop("code"))
    assert not pandera_accepts(good.drop("code"))


def test_schemas_with_features_it_does_not_evaluate_are_left_to_pandera() -> None:
    assert not evaluable(SCHEMA.update_column("meter", unique=True))
    assert not evaluable(pa.DataFrameSchema(SCHEMA.columns, coerce=True))
    assert not evaluable(pa.DataFrameSchema(SCHEMA.columns, strict=True))
    element_wise = pa.Column(pl.String, pa.Check(lambda v: v.startswith("M"), element_wise=True))
    assert not evaluable(pa.DataFrameSchema({"meter": element_wise}))


def test_a_pandera_whose_backend_is_not_as_known_leaves_every_table_to_pandera(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another pandera version (its check backend's internals changed) must never break validation:
    the one-query answer steps aside and pandera's own validate decides."""
    import formats.schema_pass as schema_pass
    from formats.meter_reads_schema import run_schema

    class Changed:
        def __init__(self, check: object) -> None:
            raise AttributeError("'Check' object has no attribute '_check_fn'")

    monkeypatch.setattr(schema_pass, "PolarsCheckBackend", Changed)
    assert passes(SCHEMA, pl.DataFrame(GOOD)) is False
    bad = pl.DataFrame({**GOOD, "code": ["01", "04", "99"]})
    failures = run_schema(SCHEMA, bad)
    assert failures is not None and "isin" in " ".join(failures.get_column("check").cast(pl.String).to_list())
    assert run_schema(SCHEMA, pl.DataFrame(GOOD)) is None

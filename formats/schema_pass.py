"""Whether a polars table passes a pandera schema, answered in one polars query.

pandera stays the declaration of a table's rules, and its ``validate(lazy=True)`` the one source of
failure cases; but it runs its checks one after another, each collecting a boolean column of the
whole table and then reducing it. ``passes`` takes each check's own expression from pandera's check
backend (the same rule, the same null handling), reduces it to one boolean, and collects all of
them in one ``collect_all``, which polars runs in parallel over a table it reads once. A table that
passes (the usual case) is done; one that does not is validated by pandera with the checks that
failed (``failing``), so what is reported is exactly what pandera reports. A schema using a feature
this module does not evaluate (coercion, uniqueness, regex-named columns, grouped or element-wise
checks) is left to pandera, and so is every table when pandera's check backend is not as this
module knows it (another version).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from hub.kernel.queries import engine_for

try:  # pandera's check backend: internals, so another version may lack them
    import pandera.backends.polars.builtin_checks  # noqa: F401  (the built-in checks for polars)
    from pandera.api.polars.types import PolarsData
    from pandera.backends.polars.checks import PolarsCheckBackend
    from pandera.constants import CHECK_OUTPUT_KEY

    BACKEND = True
except ImportError:
    BACKEND = False

if TYPE_CHECKING:
    import pandera.polars as pa


def evaluable(schema: pa.DataFrameSchema) -> bool:
    """Whether ``passes`` can answer for ``schema`` (else pandera alone must)."""
    columns = schema.columns.values()
    return (
        BACKEND
        and not schema.coerce
        and not schema.strict
        and not schema.ordered
        and not schema.unique
        and schema.parsers in (None, [])
        and all(not (c.coerce or c.unique or c.regex or c.parsers or c.drop_invalid_rows) for c in columns)
        and not any(c.default is not None for c in columns)
        and all(_simple(check) for c in columns for check in c.checks)
        and all(_simple(check) for check in schema.checks)
    )


def _simple(check: pa.Check) -> bool:
    return check.groupby is None and not check.element_wise and check.n_failure_cases is None


def passes(schema: pa.DataFrameSchema, table: pl.DataFrame) -> bool:
    """True when ``table`` has the schema's columns with their declared types, no null where one
    is not allowed, and passes every check: what pandera's ``validate`` would accept without a
    failure case. False means: ask pandera (something failed, or could not be told here)."""
    return failing(schema, table) is None


def failing(schema: pa.DataFrameSchema, table: pl.DataFrame) -> pa.DataFrameSchema | None:
    """None when ``table`` passes (``passes``); else the part of ``schema`` for pandera to validate:
    the columns and checks that failed here, in the schema's order (a check that passes has no
    failure case, so pandera finds the same ones as with the whole schema, in the same order, for
    a fraction of its work: ~1.5 ms a check even on a small table), or the whole schema when a
    column or its type is not as declared or this could not be told here."""
    try:
        return _failing(schema, table)
    except (AttributeError, TypeError):  # pandera's internals are not as this module knows them
        return schema


def _failing(schema: pa.DataFrameSchema, table: pl.DataFrame) -> pa.DataFrameSchema | None:
    from pandera.polars import DataFrameSchema

    types = table.schema
    frame = table.lazy()
    plans: list[pl.LazyFrame] = []
    owners: list[tuple[str | None, int | None]] = []  # (column or None: the frame's, check or None: nulls)
    for name, column in schema.columns.items():
        if name not in types:
            return schema
        if column.dtype is not None and not column.dtype.check(types[name], PolarsData(frame, name)):
            return schema
        if not column.nullable:
            plans.append(frame.select((pl.col(name).null_count() == 0).alias(CHECK_OUTPUT_KEY)))
            owners.append((name, None))
        plans += [_reduced(check, frame, name) for check in column.checks]
        owners += [(name, pos) for pos in range(len(column.checks))]
    plans += [_reduced(check, frame, None) for check in schema.checks]
    owners += [(None, pos) for pos in range(len(schema.checks))]
    results = pl.collect_all(plans, engine=engine_for(table.height))
    failed = {owner for owner, result in zip(owners, results, strict=True) if not bool(result.item())}
    if not failed:
        return None
    columns = {
        name: column.set_checks([check for pos, check in enumerate(column.checks) if (name, pos) in failed])
        for name, column in schema.columns.items()
        if any(owner == name for owner, _ in failed)
    }
    checks = [check for pos, check in enumerate(schema.checks) if (None, pos) in failed]
    return DataFrameSchema(columns, checks=checks)


def _reduced(check: pa.Check, frame: pl.LazyFrame, key: str | None) -> pl.LazyFrame:
    """One check over ``frame`` (a column's, or the frame's when ``key`` is None) reduced to one
    boolean: every row passes, a null passing where the check ignores nulls (pandera's rule)."""
    builtin = getattr(check._check_fn, "__name__", None)
    if builtin is not None and check.is_builtin_check(builtin):
        # as pandera's Check.__call__: the built-in's polars implementation, registered since
        check._check_fn = check.get_builtin_check_fn(builtin)
    out: pl.LazyFrame | bool = PolarsCheckBackend(check).apply(PolarsData(frame, key or "*"))
    if isinstance(out, bool):
        return pl.LazyFrame({CHECK_OUTPUT_KEY: [out]})
    result = pl.col(CHECK_OUTPUT_KEY)
    passed = (result | result.is_null()) if check.ignore_na else result.fill_null(False)
    return out.select(passed.all())

"""``hub reference``: load the CIS's reference extracts (accounts, meters, billing periods) into the
ledger, where mappings check that an account exists and is active (and the green-button roll-up
finds an account's billing periods), and say which extract is loaded and since when.

Exit codes as for every ``hub`` command: 0 done; 1 the extract was refused (nothing loaded, the
current load stays); 2 usage or configuration error; 3 retry (ledger busy).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli.output import emit, err, out, render
from hub.kernel.wording import counted

if TYPE_CHECKING:
    from hub.cli.progress import Steps
    from hub.engine.reference import Extract

reference_app = typer.Typer(
    no_args_is_help=True,
    help="CIS reference data (accounts, meters, billing periods) that mappings check partner files against.",
)

KindArg = Annotated[str, typer.Argument(metavar="KIND", help="accounts | meters | billing-periods")]
ConfigOpt = Annotated[Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def _kind(kind: str) -> str:
    from hub.engine.reference import HEADERS

    if kind not in HEADERS:
        raise typer.BadParameter(f"{kind!r} is not one of {', '.join(HEADERS)}", param_hint="KIND")
    return kind


@reference_app.command("load")
def load(
    kind: KindArg,
    path: Annotated[Path, typer.Argument(metavar="PATH", help="the CIS extract (CSV)")],
    config: ConfigOpt = Path("hub.yaml"),
    json_out: JsonOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="load it even with far fewer rows than the current load")
    ] = False,
) -> None:
    """Check a CIS extract and make it the current reference data, replacing the previous load in
    one transaction. A bad extract loads nothing (exit 1) and the current load stays; one with far
    fewer rows than the current load (``reference.min_row_ratio``, 80 %) needs --force (exit 2)."""
    from hub.cli.progress import steps
    from hub.engine import operator
    from hub.engine.config import load_config
    from hub.kernel.errors import UsageError, os_reason

    kind = _kind(kind)
    settings = load_config(config)
    with steps(json_out) as progress:
        try:
            extract = _read(kind, path, progress)
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {os_reason(exc)}") from None
        rows = len(extract.rows)
        if extract.ok:
            progress.stage(f"loading {counted(rows, 'row')} of {path.name} into the ledger", rows, "rows")
        result = operator.load_reference(settings, extract, progress.advance, force=force)
    if json_out:
        emit(result)
    elif "shrunk" in result:
        s = result["shrunk"]
        err.print(
            f"[red]not loaded:[/red] {render().shown(result['file'])} has {counted(s['rows'], 'row')}, "
            "the current "
            f"{kind} load {s['current_rows']} (under {s['min_ratio']:.0%}); a truncated extract? "
            "Nothing loaded; use --force to load it anyway",
            highlight=False,
        )
    else:
        _show_load(result)
    if "shrunk" in result:
        raise typer.Exit(2)
    if not result["loaded"]:
        raise typer.Exit(1)


def _read(kind: str, path: Path, progress: Steps) -> Extract:
    """The extract read (bytes shown as they are read, on a terminal) and checked."""
    from hub.cli.progress import read_bytes
    from hub.engine.reference import MAX_EXTRACT_BYTES, check_extract, read_extract

    if not progress.shown or path.stat().st_size > MAX_EXTRACT_BYTES:
        return read_extract(kind, path)
    data = read_bytes(path, progress)
    progress.stage(f"checking {path.name}")
    return check_extract(kind, data, path.name)


def _show_load(result: dict[str, Any]) -> None:
    kind, name = result["kind"], result["file"]
    if result["loaded"]:
        replaced = "" if result["replaced"] is None else f", replacing load {result['replaced']}"
        rows = counted(result["rows"], kind.removesuffix("s"))
        out.print(f"loaded {rows} from {name} as load {result['load_id']}{replaced}")
        if result["by_status"]:
            out.print("by status: " + ", ".join(f"{s} {n}" for s, n in result["by_status"].items()))
        return
    from hub.cli.render import print_problems
    from hub.kernel.problems import Problem

    current = result["current_load"]
    keeps = "no current load" if current is None else f"load {current} stays current"
    out.print(
        f"[red]refused[/red] {name} ({kind}): {counted(result['problem_count'], 'problem')}; "
        f"nothing loaded, {keeps}"
    )
    problems = [Problem(**p) for p in result["problems"]]
    print_problems(out, problems, result["problem_count"], more=" (see --json)")


@reference_app.command("status")
def status(config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Each kind's current load: the file, its sha256, rows and when it was loaded."""
    from hub.engine import operator
    from hub.engine.config import load_config

    rows = operator.reference_status(load_config(config))
    if json_out:
        emit(rows)
        return
    from rich.table import Table

    table = Table(title="Reference data", title_justify="left")
    for col in ("kind", "load", "file", "rows", "loaded at", "age", "sha256"):
        table.add_column(col)
    now = datetime.now(UTC)
    for r in rows:
        if not r["loaded"]:
            table.add_row(r["kind"], "", "[yellow]never loaded[/]", "", "", "", "")
            continue
        table.add_row(
            r["kind"],
            str(r["load_id"]),
            r["file"],
            str(r["rows"]),
            r["loaded_at"].isoformat(timespec="seconds"),
            _age(now - r["loaded_at"]),
            r["sha256"][:12],
        )
    out.print(table)


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return (
        f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.0f} days"
    )


@reference_app.command("sample")
def sample(
    kind: KindArg,
    path: Annotated[Path, typer.Argument(metavar="PATH")],
    rows: Annotated[int, typer.Option(min=1)] = 1000,
    seed: int = 1,
) -> None:
    """Write a generated CIS extract (the accounts or meters of `hub sample`'s uploads of that seed)."""
    from hub.engine.sample_common import accounts_csv, meters_csv

    if _kind(kind) not in ("accounts", "meters"):
        raise typer.BadParameter(f"no sample of {kind}; accounts | meters", param_hint="KIND")
    data = accounts_csv(rows, seed=seed) if kind == "accounts" else meters_csv(rows, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    out.print(f"wrote {path}: {counted(rows, kind.removesuffix('s'))}")

"""The ``hub`` command: operator commands with rich tables for people and ``--json`` for scripts.

Exit codes: 0 done; 1 a file or rows were rejected, or the input is invalid; 2 usage or
configuration error; 3 could not finish for a reason that may pass (retry).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from hub.cli import startup
from hub.cli.errors import run_command, wants_json, warnings_to_stderr
from hub.cli.help import show_flags_as_flags
from hub.cli.inspect import inspect_command
from hub.cli.keys import keys_app
from hub.cli.output import emit, exit_for, out, render, show_outcome, show_outcomes
from hub.cli.partners import partner_app
from hub.cli.pledges import pledges_command
from hub.cli.reconcile import reconcile_command
from hub.cli.reference import reference_app
from hub.cli.sample import register as register_sample
from hub.cli.suspense import suspense_command
from hub.cli.users import (
    ConsoleThread,
    UploadLimitOpt,
    console_app,
    console_command,
    console_tls,
    user_app,
)
from hub.engine.config import DEFAULT_CONFIG, Settings, load_config

if TYPE_CHECKING:
    from hub.engine.file_map import Progress
    from hub.engine.pipeline import Engine

T = TypeVar("T")
PROBLEM_KEYS = ("line", "field", "value", "rule", "message", "level", "positions", "severity")
ONE_SHOT = frozenset(
    {"process", "validate", "reprocess", "cycle", "demo", "originate", "winter-average", "recall"}
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Utility Exchange Hub: move, check and map partner files into CIS transactions.",
)


show_flags_as_flags()
app.command("inspect")(inspect_command)
app.command("reconcile")(reconcile_command)
app.command("pledges")(pledges_command)
app.command("suspense")(suspense_command)
app.add_typer(reference_app, name="reference")
app.add_typer(keys_app, name="keys")
app.add_typer(user_app, name="user")
app.add_typer(partner_app, name="partner")
app.command("console")(console_command)
register_sample(app)

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]
ExchangeOpt = Annotated[str, typer.Option("--exchange", "-x", help="the exchange the file belongs to")]


def _settings(config: Path) -> Settings:
    return load_config(config)


def _with_progress(json_out: bool, work: Callable[[Progress | None], T]) -> T:
    """Run ``work`` with the stage it reached shown on a terminal (never for ``--json``)."""
    from hub.cli.progress import steps

    with steps(json_out) as progress:
        return work(progress.pipeline if progress.shown else None)


def _with_engine(
    config: Path | Settings, json_out: bool, work: Callable[[Engine], T], *, recover: bool = True
) -> T:
    """Open the engine (ledger, recovery unless ``recover`` is False), run ``work`` with a
    progress line, close it."""
    from hub.engine.pipeline import Engine

    settings = config if isinstance(config, Settings) else _settings(config)

    def opened(progress: Progress | None) -> T:
        engine = Engine(settings, progress=progress, recover=recover)
        try:
            return work(engine)
        finally:
            engine.close()

    return _with_progress(json_out, opened)


@app.command()
def init(
    config: ConfigOpt = Path("hub.yaml"),
    force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a commented default hub.yaml and the exchanges' drop folders."""
    from hub.kernel.errors import UsageError

    if config.exists() and not force:
        raise UsageError(f"{config} exists already", hint="use --force to overwrite it")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(DEFAULT_CONFIG, encoding="utf-8")
    settings = _settings(config)
    folders = [ex.source_path for ex in settings.exchanges.values()]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    if json_out:
        emit({"config": str(config), "exchanges": list(settings.exchanges), "folders": [*map(str, folders)]})
    else:
        out.print(f"wrote {config} with exchanges: {', '.join(settings.exchanges)}")


@app.command()
def process(
    path: Path, exchange: ExchangeOpt, config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False
) -> None:
    """Land one file and run it through an exchange (the source file is left where it is)."""
    from hub.engine.process import process_path

    settings = _settings(config)
    outcome = _with_progress(
        json_out, lambda progress: process_path(settings, path, exchange, progress=progress)
    )
    show_outcome(outcome, json_out)
    exit_for([outcome])


@app.command()
def validate(
    path: Path, exchange: ExchangeOpt, config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False
) -> None:
    """Dry run: check a file and print every problem; nothing is landed or delivered."""
    outcome = _with_engine(config, json_out, lambda engine: engine.dry_run(path, exchange), recover=False)
    show_outcome(outcome, json_out, dry_run=True)
    exit_for([outcome])


@app.command()
def originate(
    path: Path, exchange: ExchangeOpt, config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False
) -> None:
    """Originate the autopay debit file from a CIS extract: check it, write the NACHA file, send it."""
    from hub.engine.config_outbound import is_outbound
    from hub.kernel.errors import UsageError

    settings = _settings(config)
    if not is_outbound(settings.exchange(exchange).kind):
        raise UsageError(f"exchange {exchange!r} takes partner files in; use `hub process`")
    outcome = _with_engine(settings, json_out, lambda engine: engine.process_path(path, exchange))
    show_outcome(outcome, json_out)
    exit_for([outcome])


@app.command()
def recall(
    account: Annotated[str, typer.Argument(help="the CIS account to recall")],
    agency: Annotated[str, typer.Option("--agency", "-a", help="the agency it is placed with")],
    reason: Annotated[
        str,
        typer.Option(help="paid-at-office, bankruptcy, deceased, dispute, billing-error or other"),
    ],
    note: Annotated[str | None, typer.Option(help="a note for the agency")] = None,
    config: ConfigOpt = Path("hub.yaml"),
    json_out: JsonOpt = False,
) -> None:
    """Recall an account from the collection agency it is placed with: a recall file to the agency."""
    from hub.engine.recalls import request_recall

    outcome = _with_engine(
        config, json_out, lambda engine: request_recall(engine, account, agency, reason, note)
    )
    show_outcome(outcome, json_out)
    exit_for([outcome])


@app.command()
def cycle(
    config: ConfigOpt = Path("hub.yaml"),
    json_out: JsonOpt = False,
    exchange: Annotated[list[str] | None, typer.Option("--exchange", "-x")] = None,
) -> None:
    """Process every file waiting in the exchanges' source folders once (the nightly cycle)."""
    outcomes = _with_engine(config, json_out, lambda engine: engine.cycle(exchange))
    show_outcomes(outcomes, json_out)


@app.command("winter-average")
def winter_average(
    season: Annotated[int, typer.Option("--season", help="the year the winter window ends in")],
    config: ConfigOpt = Path("hub.yaml"),
    json_out: JsonOpt = False,
    exchange: Annotated[
        str | None, typer.Option("--exchange", "-x", help="default: the exchange of kind winter-average")
    ] = None,
) -> None:
    """Compute a season's winter averages and deliver those new or changed to the CIS."""
    from hub.engine.winter_average import request_winter_averages

    outcome = _with_engine(
        config, json_out, lambda engine: request_winter_averages(engine, season, exchange=exchange)
    )
    show_outcome(outcome, json_out)
    exit_for([outcome])


@app.command()
def run(
    config: ConfigOpt = Path("hub.yaml"),
    once: Annotated[bool, typer.Option("--once", help="run every due exchange once, then exit")] = False,
    json_out: JsonOpt = False,
    log_format: Annotated[
        str | None, typer.Option("--log-format", help="text | json (default: service.log_format)")
    ] = None,
    console: Annotated[bool, typer.Option("--console", help="serve the operator console beside it")] = False,
    console_host: Annotated[str | None, typer.Option(help="the console's address (console.host)")] = None,
    console_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="its port (console.port)")
    ] = None,
    upload_limit_mb: UploadLimitOpt = None,
) -> None:
    """The service: scheduled pulls, watched drop folders and overdue alerts, until SIGTERM/SIGINT
    (with --console, the operator console beside it, stopped with it)."""
    from hub.engine import logs
    from hub.engine.pipeline import Engine
    from scheduler import Service

    settings = _settings(config)
    fmt = log_format or settings.config.service.log_format
    if fmt not in ("text", "json"):
        raise typer.BadParameter("--log-format must be text or json")
    if console and once:
        raise typer.BadParameter("--console serves beside the service, not with --once")
    logs.setup("json" if fmt == "json" else "text")
    engine = Engine(settings)
    served: ConsoleThread | None = None
    try:
        service = Service(settings, engine)
        if not once:
            service.install_signals()
            if console:
                app = console_app(settings, upload_limit_mb=upload_limit_mb)
                section = settings.config.console
                where = (console_host or section.host, console_port or section.port)
                served = ConsoleThread(app, *where, tls=console_tls(settings))
                served.start()
                logs.log.info("operator console on %s", served.where, extra={"event": "console"})
            code = service.serve()
            raise typer.Exit(code)
        outcomes = service.run_once()
    finally:
        if served is not None:
            served.stop()
        engine.close()
    show_outcomes(outcomes, json_out)


@app.command()
def status(config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Every exchange: last run, next run, last file, whether its expected file is overdue, whether
    its source folder is missing, whether a recent deposit date does not reconcile, whether an
    agency has not acknowledged a placement file in time and whether an OpenPGP key it pins is
    missing, expired, revoked or expires soon (any: exit 1)."""
    from hub.engine import operator

    rows = operator.status(_settings(config))
    if json_out:
        emit(rows)
    else:
        render().status_table(out, rows)
    if any(
        r["overdue"]
        or r.get("unreconciled")
        or r.get("source_missing")
        or r.get("unacknowledged")
        or r.get("key_alerts")
        for r in rows
    ):
        raise typer.Exit(1)


@app.command()
def files(
    config: ConfigOpt = Path("hub.yaml"),
    json_out: JsonOpt = False,
    state: Annotated[str | None, typer.Option(help="only files in this state (or failed)")] = None,
    exchange: Annotated[str | None, typer.Option("--exchange", "-x", help="only this exchange's")] = None,
    since: Annotated[str | None, typer.Option(help="landed from: a date or date-time, hub's zone")] = None,
    until: Annotated[str | None, typer.Option(help="landed before: a date (included) or date-time")] = None,
    name: Annotated[str | None, typer.Option(help="a name pattern, any case, e.g. 'RTE*.csv'")] = None,
    limit: Annotated[int, typer.Option(min=0, help="at most this many, newest first (0: all)")] = 100,
) -> None:
    """List the files in the ledger, newest first."""
    from hub.engine.file_list import listed

    settings = _settings(config)
    found = listed(
        settings,
        exchange=exchange,
        state=state,
        since=since,
        until=until,
        name=name,
        limit=limit or None,
    )
    if json_out:
        emit({"total": found.total, "limit": found.limit, "files": [r.summary() for r in found.files]})
        return
    render().files_table(out, found.files, settings.config.timezone)
    if found.more:
        out.print(f"{found.more} more; use --limit {found.total} (or 0) to list them all")


@app.command()
def show(file_id: int, config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Show one file: its state, counts, batches and the problems of its last run (--json: all)."""
    from hub.engine import operator

    limit = None if json_out else render().SHOWN_PROBLEMS  # --json: every problem
    detail = operator.file_detail(_settings(config), file_id, problems=limit)
    record, problems, batches = detail.record, detail.problems, detail.batches
    if json_out:
        emit(
            {
                **record.summary(),
                "size": record.size,
                "landed_path": record.landed_path,
                "source": record.source,
                "already_delivered": record.already_delivered,
                "duplicate_of": record.duplicate_of,
                "replaces": record.replaces,
                "error": record.error,
                "landed_at": record.landed_at,
                "updated_at": record.updated_at,
                "batches": [
                    {"batch_id": b["batch_id"], "transactions": b["transactions"], "control": b["path"]}
                    for b in batches
                ],
                "problems": [{k: p.to_dict()[k] for k in PROBLEM_KEYS} for p in problems],
                "replies": detail.replies,
                "reports": detail.reports,
                "acknowledgements": detail.acknowledgements,
                "resolved": None
                if record.resolved_by is None
                else {"by": record.resolved_by, "at": record.resolved_at, "comment": record.resolution},
                "audit": [{**a, "at": a["at"].isoformat()} for a in detail.audit],
            }
        )
    else:
        render().file_detail(out, detail)


@app.command()
def reprocess(
    file_id: int,
    config: ConfigOpt = Path("hub.yaml"),
    json_out: JsonOpt = False,
    with_path: Annotated[Path | None, typer.Option("--with", help="a corrected file")] = None,
    accept_valid_rows: Annotated[
        bool, typer.Option("--accept-valid-rows", help="deliver the good rows")
    ] = False,
) -> None:
    """Reprocess a file: as landed (after a config fix), or with a corrected file in its place.
    Transactions delivered before are never delivered again. Recorded in the file's audit trail
    (who: the system user, "(command line)")."""
    from hub.engine.actions import reprocess_recorded

    action = "corrected" if with_path else "accept-valid-rows" if accept_valid_rows else "reprocess"
    outcome = _with_engine(
        config,
        json_out,
        lambda engine: reprocess_recorded(
            engine,
            _system_user(),
            file_id,
            action=action,
            corrected=with_path,
            accept_valid_rows=accept_valid_rows,
        )[0],
    )
    show_outcome(outcome, json_out)
    exit_for([outcome])


def _system_user() -> str:
    """Who ran ``hub reprocess``, for the audit trail: the system user's name."""
    import getpass

    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = f"uid {os.getuid()}"
    return f"{name[:40]} (command line)"


def main() -> None:
    """Console entry point: failures become one-line messages (``--json``: one JSON object) and
    exit codes, never tracebacks (``hub.cli.errors``)."""
    os.umask(0o077)  # files at rest (ledger, landed copies, reports, batches) readable by the hub's user only
    startup.prepare(sys.argv, ONE_SHOT)
    warnings_to_stderr()
    startup.leave(run_command(app, json_out=wants_json(sys.argv)))

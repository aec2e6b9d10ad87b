"""``hub sample`` (a generated partner file or CIS extract of any kind, for trying the hub) and
``hub demo`` (a nightly cycle and a banking day on the embedded default; ``--clean`` removes only
what the demo made)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.output import emit, out, render
from hub.kernel.wording import counted

if TYPE_CHECKING:
    from hub.engine.config import Settings
    from hub.engine.outcome import Outcome

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")]


def _kinds_help() -> str:
    from hub.engine.sample_kinds import SAMPLES

    return "; ".join(f"{k} ({s.help}, exchange {s.exchange})" for k, s in SAMPLES.items())


def sample_command(
    out_path: Annotated[Path, typer.Argument(metavar="PATH")],
    rows: Annotated[int, typer.Option(min=0, help="rows (checks, entries, pledges, …)")] = 1000,
    bad: Annotated[int, typer.Option(min=0, help="rows that break a rule")] = 0,
    seed: Annotated[int, typer.Option(help="the same seed as `hub reference sample accounts`")] = 1,
    kind: Annotated[str, typer.Option(help="the kind of file; see `hub sample --help`")] = "meter-reads",
    today: Annotated[
        str | None, typer.Option(help="the day the file is made, YYYY-MM-DD (default: today, UTC)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Write a generated file of one kind (a partner's file or a CIS extract), consistent with
    `hub reference sample accounts` of the same seed; --bad N rows break a rule each."""
    from hub.engine.sample_kinds import sample_kind
    from hub.kernel.errors import UsageError

    maker = sample_kind(kind)
    try:
        day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    except ValueError:
        raise UsageError(f"--today {today!r}: expected a date as YYYY-MM-DD") from None
    made = maker.make(rows, bad=bad, seed=seed, today=day)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(made.data)
    if json_out:
        emit(
            {
                "path": str(out_path),
                "kind": kind,
                "exchange": maker.exchange,
                "rows": made.rows,
                "bad": made.bad,
                "amount_cents": made.amount_cents,
                "seed": seed,
            }
        )
        return
    total = "" if made.amount_cents is None else f", total {_dollars(made.amount_cents)}"
    out.print(
        f"wrote {out_path}: {kind}, {counted(made.rows, 'row')}, {made.bad} bad{total} "
        f"(exchange {maker.exchange})"
    )


sample_command.__doc__ = f"{sample_command.__doc__}\n\nKinds: {_kinds_help()}."


def _dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def demo_command(
    config: ConfigOpt = Path("hub.yaml"),
    rows: Annotated[int, typer.Option(min=10, help="rows per sample file")] = 500,
    clean: Annotated[
        bool, typer.Option("--clean", help="remove what the demo made (only where it wrote hub.yaml)")
    ] = False,
) -> None:
    """One full nightly cycle on the embedded default: sample partner files into inbox/ (meter
    reads, ACH returns, a banking day's lockbox and BAI2 files, …), process, reconcile, summary."""
    from hub.engine import demo

    if clean:
        cleaned = demo.clean(config)
        out.print(f"removed what the demo made: {', '.join(sorted(cleaned.removed))}")
        return
    if demo.write_config(config):
        out.print(f"wrote the default configuration to {config}")
    elif not demo.is_demo_config(config):
        out.print(f"using {config} (not the demo's: `hub demo --clean` will not remove anything here)")
    from hub.engine.config import load_config

    settings = load_config(config)
    before = demo.snapshot(settings)
    try:
        outcomes, day = _run_demo(settings, rows)
    finally:
        if demo.is_demo_config(config):
            manifest = demo.Manifest.read(settings.root)
            manifest.add(before, demo.snapshot(settings))
            manifest.write(config)
    render().summary(out, outcomes)
    if day is not None:
        _banking_day(settings, day)
    ex = settings.exchange("meter-reads")
    out.print(f"CIS batches: {ex.destination_path}   ledger: {settings.config.ledger.url}")
    out.print("Next: `hub files`, `hub show ID`, `hub reprocess ID --accept-valid-rows`; `make clean-demo`")


def _run_demo(settings: Settings, rows: int) -> tuple[list[Outcome], date | None]:
    """Drop the sample files, run one cycle of their exchanges; the banking day's deposit date."""
    from hub.engine import demo
    from hub.engine.pipeline import Engine
    from hub.engine.sample import write_demo_returns, write_demo_uploads
    from hub.engine.sample_bank import deposit_day
    from hub.engine.sample_common import demo_seed
    from hub.engine.sample_consumption import write_demo_consumption
    from hub.engine.sample_pledges import write_demo_pledges

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    today = datetime.now(UTC).date()
    seed = demo_seed(stamp)
    ex = settings.exchange("meter-reads")
    uploads = counted(write_demo_uploads(settings, stamp, rows), "sample upload")
    out.print(f"generated {uploads} in {ex.source_path}")
    exchanges = ["meter-reads", *write_demo_returns(settings, stamp)]  # + a bank's returns file
    if len(exchanges) > 1:
        out.print("generated a bank's ACH return file in inbox/ach-returns")
    mine = settings.path is not None and demo.is_demo_config(settings.path)
    accounts = demo.load_sample_accounts(settings, seed, max(rows * 2, 1000), replace=mine)
    if accounts is None:
        out.print("kept the CIS accounts extract loaded (the samples' accounts may not be in it)")
    else:
        out.print(f"loaded {accounts} sample CIS accounts (`hub reference sample accounts --seed {seed}`)")
    if districts := write_demo_consumption(settings, stamp, rows):  # + a district's histories
        exchanges += districts
        out.print("generated a district's consumption histories in inbox/consumption")
    if agencies := write_demo_pledges(settings, stamp, rows):  # + an agency's pledges
        exchanges += agencies
        out.print("generated an agency's energy-assistance pledges in inbox/pledges")
    day = None
    if banking := demo.write_banking_day(settings, stamp, max(rows // 4, 10), today):
        exchanges += banking
        day = deposit_day(today)
        out.print(
            f"generated a banking day ({day}): a lockbox file in inbox/lockbox, the BAI2 report in inbox/bai2"
        )

    from hub.cli.progress import steps

    with steps(json_out=False) as progress:
        engine = Engine(settings, progress=progress.pipeline if progress.shown else None)
        try:
            return engine.cycle(exchanges, trigger="demo"), day
        finally:
            engine.close()


def _banking_day(settings: Settings, day: date) -> None:
    """The deposit day's reconciliation, as `hub reconcile --date D` prints it."""
    from hub.cli.reconcile import show_reconcile
    from hub.engine import operator

    result = operator.reconcile(settings, day)
    show_reconcile(result)
    verdict = "matched" if result["matched"] else "does NOT reconcile"
    out.print(f"Banking day {day}: lockbox files against the bank's BAI2 deposits: {verdict}")


def register(app: typer.Typer) -> None:
    """Add ``hub sample`` and ``hub demo`` to the ``hub`` command."""
    app.command("sample")(sample_command)
    app.command("demo")(demo_command)

"""What the ``hub`` command prints: JSON for scripts, rich tables for people, and the exit code
that says how the files fared. rich is imported on first use: ``--json`` runs never pay for it."""

from __future__ import annotations

import json
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from hub.engine.outcome import Outcome


class _LazyConsole:
    """A rich Console made on first use (importing rich costs ~30 ms)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


out = cast("Console", _LazyConsole(width=None if sys.stdout.isatty() else 160))
err = cast("Console", _LazyConsole(stderr=True))


def render() -> ModuleType:
    """The rich renderer (``hub.cli.render``), imported on first use."""
    from hub.cli import render as module

    return module


def emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def exit_for(outcomes: list[Outcome]) -> None:
    """Exit code 3 when a file could not be finished for a reason that may pass (retry), else 1
    when a file or any of its rows was rejected or refused, or a file could not be taken."""
    if any(o.state == "failed" and o.retryable for o in outcomes):
        raise typer.Exit(3)
    if any(o.state in ("rejected", "failed", "refused") or o.rejected for o in outcomes):
        raise typer.Exit(1)


def show_outcome(outcome: Outcome, json_out: bool, *, dry_run: bool = False) -> None:
    if json_out:
        emit(outcome.to_dict())
    else:
        render().outcome(out, outcome, dry_run=dry_run)


def show_outcomes(outcomes: list[Outcome], json_out: bool) -> None:
    """Every file's outcome (a list for ``--json``, the summary table for people), then the exit code."""
    if json_out:
        emit([o.to_dict() for o in outcomes])
    else:
        render().summary(out, outcomes)
    exit_for(outcomes)

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
    sys.stdout.write(dumps(data) + "\n")


_SCALARS = (str, int, float, bool, type(None))


def dumps(data: Any, level: int = 0) -> str:
    """``json.dumps(data, indent=2, default=str)``, character for character, in a fraction of the
    time: with ``indent`` the json module encodes in Python, value by value (0.12 s for the 26,667
    warnings of a 200,000-entry return file), so here a container of plain values (a problem, a row)
    is encoded in one call of its C encoder, whose separators put in the same line breaks."""
    if isinstance(data, dict) and data and all(isinstance(v, _SCALARS) for v in data.values()):
        return _flat(data, level)
    if isinstance(data, (list, tuple)) and data and all(isinstance(v, _SCALARS) for v in data):
        return _flat(data, level)
    if isinstance(data, (list, tuple)) and data and all(_plain_dict(v) for v in data):
        return _rows(data, level)
    inner, outer = "\n" + "  " * (level + 1), "\n" + "  " * level
    if isinstance(data, dict) and data:
        # a key as json writes it (a number, true or null becomes its text in quotes)
        items = (json.dumps(k) if isinstance(k, str) else json.dumps({k: 0})[1:-4] for k in data)
        body = ("," + inner).join(
            f"{k}: {dumps(v, level + 1)}" for k, v in zip(items, data.values(), strict=True)
        )
        return "{" + inner + body + outer + "}"
    if isinstance(data, (list, tuple)) and data:
        return "[" + inner + ("," + inner).join(dumps(v, level + 1) for v in data) + outer + "]"
    return json.dumps(data, default=str)


def _flat(data: dict[Any, Any] | list[Any] | tuple[Any, ...], level: int) -> str:
    """A non-empty container of plain values as ``json.dumps(indent=2)`` puts it at ``level``."""
    inner = "\n" + "  " * (level + 1)
    text = json.dumps(data, separators=("," + inner, ": "))
    return text[0] + inner + text[1:-1] + "\n" + "  " * level + text[-1]


def _plain_dict(data: Any) -> bool:
    return isinstance(data, dict) and bool(data) and all(isinstance(v, _SCALARS) for v in data.values())


def _rows(data: list[Any] | tuple[Any, ...], level: int) -> str:
    """A list of non-empty dicts of plain values (problems) in one call of the C encoder: its item
    separator is the dicts' (a line break and their indent); where one dict ends and the next
    begins (``}``, separator, ``{``: a line break is never inside a JSON string) the list's own line
    breaks are put in."""
    outer, inner, items = ("\n" + "  " * n for n in (level, level + 1, level + 2))
    text = json.dumps(data, separators=("," + items, ": "))
    between = text[2:-2].replace("}," + items + "{", inner + "}," + inner + "{" + items)
    return "[" + inner + "{" + items + between + inner + "}" + outer + "]"


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

"""How a ``hub`` command that fails ends, for every command in one place: a line (and a hint) on
stderr for people or, with ``--json``, one object on stdout for scripts,
``{"error": {"code", "kind", "message", "hint"}}``, with the same exit code either way.

Exit codes: 1 rejected (the input is wrong); 2 usage or configuration error, or a name that does
not exist; 3 could not finish for a reason that may pass (retry); 4 internal error; 130 aborted.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from typer.exceptions import TyperException

from hub.cli.output import err, render
from hub.kernel.errors import (
    ConfigError,
    ConnectorError,
    DeliveryError,
    HubError,
    LedgerError,
    MappingError,
    NotFound,
    ParseError,
    Rejected,
    Retryable,
    UsageError,
    ValidationFailed,
)

# The first class an error is an instance of names its kind (most specific first).
KINDS: tuple[tuple[type[HubError], str], ...] = (
    (UsageError, "usage"),
    (NotFound, "not-found"),
    (ConfigError, "config"),
    (LedgerError, "ledger"),
    (ConnectorError, "connector"),
    (ParseError, "parse"),
    (ValidationFailed, "validation"),
    (MappingError, "mapping"),
    (DeliveryError, "delivery"),
    (Rejected, "rejected"),
    (Retryable, "retry"),
)
LABELS = {1: "rejected", 2: "error", 3: "failed"}


@dataclass(frozen=True)
class Failure:
    """Why a command failed, as both outputs say it."""

    code: int
    kind: str
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "kind": self.kind, "message": self.message, "hint": self.hint}}


def failure_of(exc: HubError) -> Failure:
    """A ``HubError``'s exit code (2 configuration or a missing name, 1 rejected, 3 retry), kind
    and hint."""
    if isinstance(exc, ConfigError | NotFound):
        code = 2
    elif isinstance(exc, Rejected):
        code = 1
    else:
        code = 3
    kind = next((name for cls, name in KINDS if isinstance(exc, cls)), "error")
    return Failure(code, kind, str(exc), exc.hint)


def warnings_to_stderr() -> None:
    """The hub's warnings (e.g. waiting for a locked ledger) on stderr, one plain line each, never
    on stdout where ``--json`` goes; ``hub run`` replaces this with the service's log."""
    hub_log = logging.getLogger("hub")
    if not hub_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(message)s"))
        hub_log.addHandler(handler)


def wants_json(argv: list[str]) -> bool:
    """Whether the command line asks for ``--json`` (known before the command parses it, so a
    usage error is answered in JSON too)."""
    return "--json" in argv[1:]


def run_command(app: Callable[..., Any], *, json_out: bool) -> int:
    """Run the typer ``app``; every failure is reported here and becomes the exit code."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        return report(Failure(130, "aborted", "aborted"), json_out)
    except TyperException as exc:  # usage errors: bad option, missing argument, bad value
        if json_out:
            return report(Failure(2, "usage", exc.format_message(), "--help shows the usage"), True)
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {exc.format_message()}")
        return 2
    except HubError as exc:
        return report(failure_of(exc), json_out)
    except Exception as exc:  # a bug: keep the traceback for the developers, not on the operator's screen
        where = _crash_log()
        hint = f"details in {where}" if where else None
        return report(Failure(4, "internal", f"{type(exc).__name__}: {exc}", hint), json_out)
    return code if isinstance(code, int) else 0


def report(failure: Failure, json_out: bool) -> int:
    """Print ``failure`` (JSON on stdout, or a line on stderr) and return its exit code."""
    if json_out:
        sys.stdout.write(json.dumps(failure.to_dict(), indent=2) + "\n")
        return failure.code
    one = render().shown

    def shown(text: str) -> str:  # a message of several lines (e.g. every config mistake) stays so
        return "\n".join(one(line) for line in text.splitlines())

    if failure.code == 130:
        err.print("aborted")
    elif failure.code == 4:
        where = f"; {failure.hint}" if failure.hint else ""
        said = f"[red]internal error:[/red] {shown(failure.message)}{where}"
        err.print(said, highlight=False, soft_wrap=True)
    else:
        retry = " (retry when the cause is fixed)" if failure.code == 3 else ""
        label = LABELS.get(failure.code, "error")
        err.print(f"[red]{label}:[/red] {shown(failure.message)}{retry}", highlight=False, soft_wrap=True)
    if failure.hint and failure.code != 4:
        err.print(f"hint: {shown(failure.hint)}", highlight=False, soft_wrap=True)
    return failure.code


def _crash_log() -> Path | None:
    """Append the traceback to ``$HUB_CRASH_DIR/crash.log`` (default ``var/``); where, if written."""
    crash = Path(os.environ.get("HUB_CRASH_DIR", "var")) / "crash.log"
    try:
        crash.parent.mkdir(parents=True, exist_ok=True)
        with crash.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat()}\n{traceback.format_exc()}\n")
    except OSError:
        return None
    return crash

"""The hub's logs: readable lines for people or one JSON object per line for machines, every line
tagged with the exchange, file id and run id it concerns.

The tags come from a context (``tagged``) that the pipeline and the service set around their work,
so a log call never has to pass them. Nothing secret is logged: messages name files, counts, ids,
amounts and rules, and never repeat a value; the values of sensitive fields (accounts, DFI accounts,
SSNs, corrected data) are masked where they are known to be, when a problem is made
(``hub.kernel.problems``). Counts and ids stay readable: nothing is masked by the look of it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

LOGGER = "hub"
TAGS = ("exchange", "file_id", "run_id")
_tags: ContextVar[dict[str, Any]] = ContextVar("hub_log_tags", default={})  # noqa: B039  (never mutated)

log = logging.getLogger(LOGGER)
log.addHandler(logging.NullHandler())  # silent unless `hub run` (or an embedding program) sets it up


@contextmanager
def tagged(**tags: Any) -> Iterator[None]:
    """Tag every log line inside the block (nested blocks add to the outer tags)."""
    token = _tags.set({**_tags.get(), **{k: v for k, v in tags.items() if v is not None}})
    try:
        yield
    finally:
        _tags.reset(token)


class _Tags(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _tags.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in (*TAGS, "event", "alert"):
            value = getattr(record, key, None)
            if value is not None:
                doc[key] = value
        if record.exc_info:
            doc["error"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        tags = " ".join(f"{k}={getattr(record, k)}" for k in TAGS if getattr(record, k, None) is not None)
        line = f"{stamp} {record.levelname:<7} {record.getMessage()}"
        if tags:
            line += f"  [{tags}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup(
    fmt: Literal["text", "json"] = "text", *, stream: TextIO | None = None, level: int = logging.INFO
) -> None:
    """Send the hub's log to ``stream`` (stderr by default) in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_Tags())
    root = logging.getLogger(LOGGER)
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    for noisy in ("apscheduler", "paramiko", "watchdog"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
        logging.getLogger(noisy).handlers[:] = [handler]
        logging.getLogger(noisy).propagate = False

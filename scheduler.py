"""Turns the configured exchanges into runs.

Today: ``run_cycle`` processes everything waiting in every enabled exchange's source folder once
(what `hub cycle` and `hub demo` do). The APScheduler service with cron schedules and folder
watchers (`hub run`) builds on it.
"""

from __future__ import annotations

from pathlib import Path

from hub.config import load_config
from hub.pipeline import Hub, Outcome


def run_cycle(config: Path, exchanges: list[str] | None = None, *, trigger: str = "cycle") -> list[Outcome]:
    """One cycle over the exchanges' source folders; returns what happened to each file."""
    hub = Hub(load_config(config))
    try:
        return hub.cycle(exchanges, trigger=trigger)
    finally:
        hub.close()

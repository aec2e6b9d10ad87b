"""The hub as a service (``hub run``): scheduled pulls, watched drop folders, overdue alerts.

APScheduler 3.x runs one job per scheduled exchange (its cron expression and time zone, an explicit
id ``schedule:<exchange>``, ``coalesce``, ``max_instances=1``, the exchange's misfire grace), a
sweep job per watched folder (``sweep:<exchange>``: watchdog's inotify events are only a hint that
schedules an early sweep; the periodic sweep finds whatever an event missed, and the completion
rule decides what is taken), and a check of the expected-file calendars every minute. All jobs run
on one worker thread, one at a time: files are processed in order and the ledger sees one writer.

On start, a scheduled run missed while the service was down is made up once (the ledger knows the
last scheduled run). The first SIGTERM/SIGINT stops taking new files, finishes the one in hand and
exits 0; a second one exits at once (exit code 130) — a file cut off that way is finished or
cleanly retried on the next start, never half-delivered (``hub.engine.delivery``).
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from hub.engine.config import Settings
from hub.engine.logs import log, tagged
from hub.engine.outcome import Outcome, failure, skipped
from hub.engine.pipeline import Engine
from hub.engine.status import missed_run, next_fire
from hub.kernel.errors import HubError

SECOND_SIGNAL_EXIT = 130


def due_exchanges(settings: Settings, engine: Engine, now: datetime) -> dict[str, str]:
    """Exchange -> trigger for what a single pass (``hub run --once``) runs: every scheduled
    exchange whose scheduled time has come since its last scheduled run (or that never ran on
    schedule), and every watched exchange (a sweep)."""
    return plan_once(settings, engine, now)[0]


def plan_once(settings: Settings, engine: Engine, now: datetime) -> tuple[dict[str, str], list[Outcome]]:
    """What a single pass runs (``due_exchanges``) and a ``skipped`` outcome for every other
    exchange, saying why: disabled, manual only (neither scheduled nor watched), or not due yet."""
    zone = settings.config.timezone
    due: dict[str, str] = {}
    left: list[Outcome] = []
    for name, ex in settings.exchanges.items():
        if not ex.config.enabled:
            left.append(skipped(name, "disabled", "disabled (enabled: false in hub.yaml)"))
        elif ex.config.schedule is not None:
            last = engine.last_scheduled_run(name)
            if last is None or missed_run(ex, zone, last, now):
                due[name] = "schedule"
            else:
                fire = next_fire(ex, zone, last + timedelta(seconds=1))
                when = "" if fire is None else f"; next run {fire:%Y-%m-%d %H:%M %Z}"
                why = f"not due: ran on schedule {last:%Y-%m-%d %H:%M} UTC{when}"
                left.append(skipped(name, "not-due", why))
        elif ex.config.watch:
            due[name] = "watch"
        else:
            why = f"manual only: neither scheduled nor watched (`hub cycle -x {name}` takes its files)"
            left.append(skipped(name, "manual-only", why))
    return due, left


@dataclass
class Service:
    """``hub run``: the scheduler, the watchers and the signal handling around one ``Engine``."""

    settings: Settings
    engine: Engine
    stopping: threading.Event = field(default_factory=threading.Event)
    _signals: int = 0
    _alerted: set[tuple[str, date]] = field(default_factory=set)
    _alerted_keys: set[tuple[str, str, date]] = field(default_factory=set)
    _scheduler: Any = None
    _observer: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sweeping: set[str] = field(default_factory=set)  # watched exchanges whose sweep is running
    _again: dict[str, datetime] = field(default_factory=dict)  # ... and when to go round again

    # -- one pass -------------------------------------------------------------------------------

    def run_once(self) -> list[Outcome]:
        """Run every due exchange once (``hub run --once``), then check the calendars."""
        outcomes: list[Outcome] = []
        due, left = plan_once(self.settings, self.engine, datetime.now(UTC))
        for name, trigger in due.items():
            outcomes += self._run(name, trigger)
        self.check_expected()
        return outcomes + left

    def _run(self, name: str, trigger: str) -> list[Outcome]:
        if self.stopping.is_set():
            return []
        with tagged(exchange=name):
            try:
                return self.engine.cycle([name], trigger=trigger, should_stop=self.stopping.is_set)
            except HubError as exc:
                log.error("%s: run failed: %s", name, exc, extra={"event": "run_failed", "alert": True})
                return [failure(0, name, "(run)", exc)]

    def check_expected(self, now: datetime | None = None) -> list[str]:
        """Log an alert (once a day per exchange) for every overdue file; return the overdue ones."""
        rows = self.engine.status(now)
        self._key_alerts(rows, now or datetime.now(UTC))
        overdue = [row for row in rows if row["overdue"]]
        for row in overdue:
            key = (row["exchange"], datetime.fromisoformat(row["due_at"]).date())
            if key not in self._alerted:
                self._alerted.add(key)
                with tagged(exchange=row["exchange"]):
                    log.warning(
                        "%s: the file due by %s has not arrived",
                        row["exchange"],
                        row["due_at"],
                        extra={"event": "overdue", "alert": True},
                    )
        return [row["exchange"] for row in overdue]

    def _key_alerts(self, rows: list[dict[str, Any]], now: datetime) -> None:
        """Log an alert (once a day per exchange and key) for each pinned OpenPGP key that is
        missing, expired, revoked or expires soon (``hub status`` shows the same)."""
        for row in rows:
            for alert in row.get("key_alerts", []):
                key = (row["exchange"], alert["fingerprint"], now.date())
                if key in self._alerted_keys:
                    continue
                self._alerted_keys.add(key)
                with tagged(exchange=row["exchange"]):
                    log.warning(
                        "%s: %s", row["exchange"], alert["message"], extra={"event": "key", "alert": True}
                    )

    # -- the service ----------------------------------------------------------------------------

    def jobs(self) -> list[dict[str, Any]]:
        """The scheduler's jobs as ``add_job`` arguments (explicit ids; one place to read them)."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        zone = self.settings.config.timezone
        svc = self.settings.config.service
        specs: list[dict[str, Any]] = []
        for name, ex in self.settings.exchanges.items():
            if not ex.config.enabled:
                continue
            if ex.config.schedule is not None:
                sched = ex.config.schedule
                cron = CronTrigger.from_crontab(sched.cron, timezone=ZoneInfo(sched.timezone or zone))
                specs.append(
                    {
                        "id": f"schedule:{name}",
                        "func": self._run,
                        "args": [name, "schedule"],
                        "trigger": cron,
                        "coalesce": True,
                        "max_instances": 1,
                        "misfire_grace_time": sched.misfire_grace_seconds,
                    }
                )
            if ex.config.watch:
                specs.append(
                    {
                        "id": f"sweep:{name}",
                        "func": self._sweep,
                        "args": [name],
                        "trigger": IntervalTrigger(seconds=svc.sweep_seconds),
                        "next_run_time": datetime.now(UTC),
                        "coalesce": True,
                        "max_instances": 1,
                        "misfire_grace_time": max(1, int(svc.sweep_seconds)),
                    }
                )
        specs.append(
            {
                "id": "expected-files",
                "func": self.check_expected,
                "trigger": IntervalTrigger(seconds=60),
                "next_run_time": datetime.now(UTC),
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": 60,
            }
        )
        return specs

    def catch_up(self) -> list[str]:
        """Scheduled runs missed while the service was down: one run each, now."""
        now = datetime.now(UTC)
        zone = self.settings.config.timezone
        missed = []
        for name, ex in self.settings.exchanges.items():
            sched = ex.config.schedule
            if not ex.config.enabled or sched is None or not sched.catch_up:
                continue
            last = self.engine.last_scheduled_run(name)
            if last is not None and missed_run(ex, zone, last, now):
                log.info("%s: a scheduled run was missed while the service was down; running it now", name)
                missed.append(name)
        return missed

    def serve(self) -> int:
        """Run until a signal; returns the exit code."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        from hub.engine.warm import warm_up

        self.install_signals()
        warm_up(self.settings, self.engine.usual_rows)  # before the first job: no file pays for an import
        scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(1)}, timezone=UTC)
        self._scheduler = scheduler
        for name in self.catch_up():
            scheduler.add_job(self._run, "date", args=[name, "catch-up"], id=f"catch-up:{name}")
        for spec in self.jobs():
            scheduler.add_job(replace_existing=True, **spec)
        self._watch()
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("job %s: next run %s", job.id, job.next_run_time)
        log.info("hub run: started (pid %s)", os.getpid(), extra={"event": "started"})
        # Wake up every half second: a signal the kernel delivers to a worker thread (polars, the
        # job) only sets a flag, and Python runs the handler when the main thread next runs
        # bytecode; a wait without a timeout would sleep through it forever.
        while not self.stopping.wait(timeout=0.5):
            pass
        log.info("hub run: stopping; finishing the file in hand", extra={"event": "stopping"})
        if self._observer is not None:
            self._observer.stop()
        scheduler.shutdown(wait=True)
        log.info("hub run: stopped", extra={"event": "stopped"})
        return 0

    def _watch(self) -> None:
        """Folder events (``hub.engine.watch``): an event schedules an early sweep of its
        exchange (a hint only)."""
        from hub.engine.watch import FolderEvents

        watched = {
            ex.source_path: ex.name
            for ex in self.settings.exchanges.values()
            if ex.config.enabled and ex.config.watch
        }
        if not watched:
            return
        events = FolderEvents(watched, self._hint)
        events.start()
        self._observer = events
        log.info("watching %s folder(s) (%s)", len(watched), events.method, extra={"event": "watching"})

    def _sweep(self, name: str) -> list[Outcome]:
        """The sweep job of a watched exchange: a run of it, and another at once for every event
        that came while it ran (the scheduler would skip a job already running: such a file
        would otherwise wait for the next periodic sweep)."""
        outcomes: list[Outcome] = []
        with self._lock:
            self._sweeping.add(name)
        try:
            while True:
                with self._lock:
                    self._again.pop(name, None)
                outcomes += self._run(name, "watch")
                with self._lock:  # no event may slip in between this look and the discard
                    again = self._again.pop(name, None)
                    if again is None or self.stopping.is_set():
                        self._sweeping.discard(name)
                        return outcomes
                wait = (again - datetime.now(UTC)).total_seconds()
                if wait > 0 and self.stopping.wait(wait):
                    return outcomes
        finally:
            with self._lock:
                self._sweeping.discard(name)

    def _hint(self, name: str, renamed: bool = False) -> None:
        """A folder event: sweep the exchange soon. A file renamed into the folder is looked at
        at once; after any other event (a file being written) the sweep waits
        ``service.settle_seconds`` more, until the writer is likely done."""
        if self.stopping.is_set() or self._scheduler is None:
            return
        settle = 0.0 if renamed else self.settings.config.service.settle_seconds
        soon = datetime.now(UTC) + timedelta(seconds=settle)
        with self._lock:
            if name in self._sweeping:  # the running sweep goes round again
                earlier = self._again.get(name)
                self._again[name] = soon if earlier is None else min(earlier, soon)
                return
        job = self._scheduler.get_job(f"sweep:{name}")
        if job is not None and (job.next_run_time is None or job.next_run_time > soon):
            job.modify(next_run_time=soon)

    def install_signals(self) -> None:
        """SIGTERM/SIGINT stop the service (a second one exits at once); installed before anything
        else starts (the console), so a signal during start-up stops it cleanly too."""

        def handle(signum: int, _frame: FrameType | None) -> None:
            self._signals += 1
            if self._signals > 1:
                log.warning("second signal: exiting now; an unfinished file is finished on the next start")
                os._exit(SECOND_SIGNAL_EXIT)
            self.stopping.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

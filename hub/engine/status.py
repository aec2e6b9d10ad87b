"""What ``hub status`` shows for each exchange: its last run, its next run, its last file, and
whether the partner's file is overdue by the exchange's expected-file calendar, and the recent deposit
dates whose lockbox and bank sides do not reconcile (``unreconciled``, on the exchanges that recorded
them; ``hub reconcile --date D`` tells why), the placement files a collection agency has not
acknowledged within the exchange's ``acknowledge_within_days`` (``unacknowledged``), and the
OpenPGP keys it pins that are missing, expired, revoked or expire within
``openpgp.expiry_warning_days`` (``key_alerts``).

The calendar: a file is due by ``expected.by`` (local time) on ``expected.days`` except holidays; a
due day past its time with no file landed that (local) day is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hub.engine.config import WEEKDAYS, Exchange, Expected, Settings
from hub.engine.reconcile import recent_differences
from hub.ledger import FileRecord, Ledger


@dataclass(frozen=True)
class Due:
    """Today's expectation: when the file was due (None when it is not due today) and whether it is
    overdue."""

    due_at: datetime | None
    overdue: bool


def is_due_day(expected: Expected, day: date) -> bool:
    return WEEKDAYS[day.weekday()] in expected.days and day not in expected.holidays


def check_expected(expected: Expected, zone: str, last_landed: datetime | None, now: datetime) -> Due:
    """Whether the file due today (in ``zone``) has arrived: ``last_landed`` is when the exchange's
    latest file landed."""
    tz = ZoneInfo(expected.timezone or zone)
    local_now = now.astimezone(tz)
    today = local_now.date()
    if not is_due_day(expected, today):
        return Due(None, False)
    hour, minute = map(int, expected.by.split(":"))
    due_at = datetime.combine(today, time(hour, minute), tz)
    arrived = last_landed is not None and last_landed.astimezone(tz).date() == today
    return Due(due_at, local_now >= due_at and not arrived)


def next_fire(ex: Exchange, zone: str, after: datetime) -> datetime | None:
    """The next scheduled run after ``after``, or None for an unscheduled exchange."""
    if ex.config.schedule is None:
        return None
    from apscheduler.triggers.cron import CronTrigger

    schedule = ex.config.schedule
    trigger = CronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(schedule.timezone or zone))
    fire: datetime | None = trigger.get_next_fire_time(None, after)
    return fire


def missed_run(ex: Exchange, zone: str, last_scheduled: datetime | None, now: datetime) -> bool:
    """Whether a scheduled run fell between the last scheduled run and ``now`` (the service was down)."""
    if last_scheduled is None:
        return False
    fire = next_fire(ex, zone, last_scheduled + timedelta(seconds=1))
    return fire is not None and fire <= now


def _file_summary(record: FileRecord) -> dict[str, Any]:
    landed = record.landed_at.isoformat()
    return {"id": record.id, "name": record.name, "state": record.state, "landed_at": landed}


def _missing_folder(ex: Exchange) -> str | None:
    """A configured source folder that is not there (the embedded default one is made on use)."""
    missing = ex.config.source.type == "folder" and not ex.in_inbox and not ex.source_path.is_dir()
    return str(ex.source_path) if missing else None


def unacknowledged(ex: Exchange, ledger: Ledger, now: datetime) -> list[str]:
    """A placement exchange's files the agency has not acknowledged within its days (none for
    other exchanges)."""
    from mappings.collection_placements import PlacementOptions

    opts = ex.mapping_options
    if not isinstance(opts, PlacementOptions):
        return []
    done = ledger.acknowledged_files(opts.agency.id)
    late = now - timedelta(days=opts.acknowledge_within_days)
    return [
        f["name"]
        for f in ledger.sent_placement_files(ex.name)
        if f["name"] not in done and f["sent_at"] <= late
    ]


def exchange_status(settings: Settings, ledger: Ledger, now: datetime | None = None) -> list[dict[str, Any]]:
    """One entry per exchange, for ``hub status`` (``--json``) and the service's overdue alerts."""
    now = now or datetime.now(UTC)
    zone = settings.config.timezone
    unmatched = recent_differences(ledger)  # deposit dates whose lockbox and bank sides differ
    keys = _key_alerts(settings, now)
    rows = []
    for name, ex in settings.exchanges.items():
        run = ledger.last_run(name)
        last = ledger.last_file(name)
        fire = next_fire(ex, zone, now)
        due = (
            check_expected(ex.config.expected, zone, last.landed_at if last else None, now)
            if ex.config.expected
            else Due(None, False)
        )
        rows.append(
            {
                "exchange": name,
                "enabled": ex.config.enabled,
                "schedule": ex.config.schedule.cron if ex.config.schedule else None,
                "watch": ex.config.watch,
                "last_run": None
                if run is None
                else {
                    "id": run["id"],
                    "trigger": run["trigger"],
                    "started_at": run["started_at"].isoformat(),
                    "status": run["status"],
                    "files": run["files"],
                },
                "next_run": fire.isoformat() if fire else None,
                "last_file": None if last is None else _file_summary(last),
                "due_at": due.due_at.isoformat() if due.due_at else None,
                "overdue": due.overdue,
                "unreconciled": [r["deposit_date"] for r in unmatched if name in r["exchanges"]],
                "source_missing": _missing_folder(ex),
                "unacknowledged": unacknowledged(ex, ledger, now),
                "key_alerts": keys.get(name, []),
            }
        )
    return rows


def _key_alerts(settings: Settings, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Each enabled exchange's OpenPGP key alerts (the keyring is read once, only when a key is
    pinned; a disabled exchange, e.g. a collection agency not set up yet, alerts nothing)."""
    plans = {
        name: ex.pgp for name, ex in settings.exchanges.items() if ex.pgp is not None and ex.config.enabled
    }
    if not plans:
        return {}
    from hub.engine.openpgp import Keyring, key_alerts
    from hub.kernel.errors import HubError

    try:
        ring = Keyring(settings.var / "gnupg")
        return {name: key_alerts(plan, ring, now) for name, plan in plans.items()}
    except HubError as exc:  # no gpg, an unreadable keyring: every pinned key is in doubt
        alert = {
            "role": "keyring",
            "fingerprint": "",
            "expires": None,
            "days_left": None,
            "message": str(exc),
        }
        return {name: [alert] for name in plans}

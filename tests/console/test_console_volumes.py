"""The volumes the console charts, from a real SQLite ledger: files counted on the hub's local
day (not the UTC day), rows delivered and rejected summed, days without files present as zeros,
files older than the 60 days left out; on SQLite and PostgreSQL (the query is the dialect's)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

from hub.engine.config import DEFAULT_CONFIG, load_config
from hub.engine.volumes import volumes
from hub.ledger import Ledger

NOW = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # noon in Chicago


def _land(ledger: Ledger, exchange: str, at: datetime, delivered: int, rejected: int) -> None:
    ledger.now = lambda: at
    file_id = ledger.add_file(
        exchange=exchange,
        name="f.csv",
        sha256="0" * 64,
        size=1,
        source="t",
        state="delivered",
        landed_path="",
    )
    ledger.update_file(file_id, delivered=delivered, rejected=rejected)


def test_volumes_fold_files_into_the_hubs_local_days(tmp_path: Path, ledger_url: str) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["ledger"]["url"] = ledger_url
    config["timezone"] = "America/Chicago"
    (tmp_path / "hub.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = load_config(tmp_path / "hub.yaml")
    ledger = Ledger.open(settings.ledger_url())
    try:
        # 05:30 UTC on the 6th is 23:30 on the 5th in Chicago; 06:30 UTC is 00:30 on the 6th
        _land(ledger, "meter-reads", datetime(2026, 12, 6, 5, 30, tzinfo=UTC), 100, 0)
        _land(ledger, "meter-reads", datetime(2026, 12, 6, 6, 30, tzinfo=UTC), 40, 2)
        _land(ledger, "meter-reads", datetime(2026, 12, 6, 17, 59, tzinfo=UTC), 10, 5)
        _land(ledger, "meter-reads", NOW - timedelta(days=61), 999, 999)  # before the 60 days
        _land(ledger, "lockbox", datetime(2026, 10, 8, 12, 0, tzinfo=UTC), 7, 0)  # the first day
    finally:
        ledger.close()
    found = {v.exchange: v for v in volumes(settings, now=NOW)}
    meter = found["meter-reads"]
    assert len(meter.days) == 60 and meter.days[-1].day == date(2026, 12, 6)
    busy = {d.day: (d.files, d.delivered, d.rejected) for d in meter.days if d.files}
    assert busy == {date(2026, 12, 5): (1, 100, 0), date(2026, 12, 6): (2, 50, 7)}
    assert meter.days[0].day == date(2026, 10, 8)
    assert (found["lockbox"].days[0].files, found["lockbox"].days[0].delivered) == (1, 7)
    assert found["bai2"].files == 0

"""The service's folder events (``hub.engine.watch``) on a real folder: a file renamed into it is
reported as renamed (looked at at once), a file written in place as a hint only (the settle wait
applies), with inotify and with the watchdog fallback alike."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from hub.engine.watch import FolderEvents


class Hints:
    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []
        self.changed = threading.Condition()

    def __call__(self, exchange: str, renamed: bool) -> None:
        with self.changed:
            self.seen.append((exchange, renamed))
            self.changed.notify_all()

    def wait_for(self, wanted: tuple[str, bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while wanted not in self.seen:
                left = deadline - time.monotonic()
                assert left > 0, f"no {wanted} among {self.seen}"
                self.changed.wait(left)


@pytest.mark.parametrize("inotify", [True, False], ids=["inotify", "watchdog"])
def test_a_rename_into_the_folder_is_reported_as_renamed_and_a_write_as_a_hint(
    tmp_path: Path, inotify: bool
) -> None:
    inbox, other = tmp_path / "inbox" / "meter-reads", tmp_path / "inbox" / "ach-returns"
    hints = Hints()
    events = FolderEvents({inbox: "meter-reads", other: "ach-returns"}, hints, inotify=inotify)
    events.start()  # makes the folders
    try:
        assert events.method == ("inotify" if inotify else "watchdog")
        (inbox / "route-1.csv.part").write_bytes(b"route,sequence\n")
        hints.wait_for(("meter-reads", False))
        assert ("meter-reads", True) not in hints.seen  # still being written as far as it knows
        (inbox / "route-1.csv.part").rename(inbox / "route-1.csv")
        hints.wait_for(("meter-reads", True))
        assert all(exchange == "meter-reads" for exchange, _ in hints.seen)  # the other folder is quiet
    finally:
        events.stop()

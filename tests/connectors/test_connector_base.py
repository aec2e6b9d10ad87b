"""The connector base's decisions, with a scripted listing (logic only; the real transports are
tested in test_sftp.py and the end-to-end tests): which files are complete by each rule, which
names are refused, and how transient failures are retried."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import BinaryIO

import pytest

from connectors.base import Completion, Item, Retry, Source, check_name, with_retries
from connectors.local import FolderDestination, FolderSource
from hub.engine.landing import land
from hub.kernel.errors import ConnectorFatal, ConnectorRetryable, RefusedName


class Scripted(Source):
    """A source whose successive listings are given."""

    def __init__(self, listings: list[list[Item]], **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.listings = listings
        self.removed: list[str] = []
        self.archived: list[str] = []
        self.slept: list[float] = []
        self.sleep = self.slept.append

    def scan(self) -> list[Item]:
        return self.listings.pop(0) if len(self.listings) > 1 else self.listings[0]

    def open(self, item: Item) -> BinaryIO:
        return io.BytesIO(item.name.encode())

    def remove(self, name: str) -> None:
        self.removed.append(name)

    def archive(self, name: str) -> None:
        self.archived.append(name)

    def describe(self, item: Item) -> str:
        return item.name


def names(source: Source) -> list[str]:
    return [i.name for i in source.list().items]


def test_rename_rule_skips_partial_upload_names_and_other_patterns() -> None:
    files = [Item(n, 10, 0) for n in ("b.csv", "a.csv", "c.csv.part", ".d.csv", "e.csv.filepart", "f.txt")]
    assert names(Scripted([files], pattern="*.csv")) == ["a.csv", "b.csv"]


def test_size_stable_rule_takes_only_files_unchanged_between_two_listings() -> None:
    first = [Item("a.csv", 10, 1.0), Item("b.csv", 10, 1.0), Item("c.csv", 10, 1.0)]
    second = [Item("a.csv", 10, 1.0), Item("b.csv", 20, 2.0)]  # b grew, c vanished
    source = Scripted([first, second], completion=Completion(rule="size-stable", stable_seconds=3))
    assert names(source) == ["a.csv"]
    assert source.slept == [3]


def test_min_age_rule_waits_until_a_file_is_old_enough() -> None:
    files = [Item("old.csv", 10, 1000.0), Item("new.csv", 10, 1090.0)]
    source = Scripted(
        [files], completion=Completion(rule="min-age", min_age_seconds=60), clock=lambda: 1100.0
    )
    assert names(source) == ["old.csv"]


def test_marker_rule_takes_a_file_only_beside_its_marker_and_moves_both() -> None:
    files = [Item("a.csv", 10, 0), Item("a.csv.done", 0, 0), Item("b.csv", 10, 0)]
    source = Scripted([files], completion=Completion(rule="marker", marker_suffix=".done"))
    (item,) = source.list().items
    assert item.name == "a.csv"
    source.done(item)
    assert source.archived == ["a.csv", "a.csv.done"]


def test_hostile_names_are_refused_and_reported_not_taken() -> None:
    files = [
        Item("ok.csv", 1, 0),
        Item("bad\x1b[2J.csv", 1, 0),
        Item("..", 1, 0),
        Item("a\u202ecsv.exe", 1, 0),
    ]
    listing = Scripted([files]).list()
    assert [i.name for i in listing.items] == ["ok.csv"]
    assert sorted(r.name for r in listing.refused) == ["a\u202ecsv.exe", "bad\x1b[2J.csv"]  # ".." is hidden
    for name in ("../x", "a/b", "", "x\x00y", "é" * 300):
        with pytest.raises(RefusedName):
            check_name(name)


def test_post_actions_delete_archive_or_leave() -> None:
    item = Item("a.csv", 1, 0)
    for action, removed, archived in (
        ("delete", ["a.csv"], []),
        ("archive", [], ["a.csv"]),
        ("leave", [], []),
    ):
        source = Scripted([[item]], post_action=action)
        source.done(item)
        assert (source.removed, source.archived) == (removed, archived)


def test_transient_failures_are_retried_with_capped_exponential_backoff() -> None:
    waits: list[float] = []
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise ConnectorRetryable("connection reset")
        return "done"

    retry = Retry(attempts=5, backoff_seconds=1, backoff_max_seconds=3)
    assert with_retries("sftp://x", retry, flaky, sleep=waits.append) == "done"
    assert waits == [1, 2, 3]


def test_retries_give_up_after_the_configured_attempts_and_final_errors_are_not_retried() -> None:
    waits: list[float] = []

    def down() -> None:
        raise ConnectorRetryable("timed out")

    with pytest.raises(ConnectorRetryable, match="gave up after 3 attempts"):
        with_retries("sftp://x", Retry(attempts=3, backoff_seconds=0.5), down, sleep=waits.append)
    assert waits == [0.5, 1.0]

    def refused() -> None:
        raise ConnectorFatal("authentication refused")

    waits.clear()
    with pytest.raises(ConnectorFatal):
        with_retries("sftp://x", Retry(attempts=3), refused, sleep=waits.append)
    assert waits == []


def test_a_folder_source_never_follows_symlinks_and_archives_after_landing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "secret.csv").write_text("x")
    (inbox / "link.csv").symlink_to(tmp_path / "secret.csv")
    (inbox / "route-1.csv").write_text("route\n")
    source = FolderSource(inbox)
    (item,) = source.list().items
    assert item.name == "route-1.csv"
    with source.open(item) as stream:
        landed = land(stream, tmp_path / "landed", size=item.size)
    assert landed.path.read_text() == "route\n"
    source.done(item)
    assert not (inbox / "route-1.csv").exists()
    assert [p.name.split("-", 1)[1] for p in (inbox / "archive").iterdir()] == ["route-1.csv"]


def test_a_folder_destination_renames_into_place_and_never_overwrites_uncollected_files(
    tmp_path: Path,
) -> None:
    dest = FolderDestination(tmp_path / "out")
    dest.put("placement.csv", io.BytesIO(b"first"))
    assert (tmp_path / "out" / "placement.csv").read_bytes() == b"first"
    assert dest.holds("placement.csv", 5, hashlib.sha256(b"first").hexdigest())
    assert not dest.holds("placement.csv", 6, hashlib.sha256(b"second").hexdigest())
    with pytest.raises(ConnectorFatal, match="has not been collected"):
        dest.put("placement.csv", io.BytesIO(b"second"))
    dest.put("placement.csv", io.BytesIO(b"second"), overwrite=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["placement.csv"]
    assert (tmp_path / "out" / "placement.csv").read_bytes() == b"second"


def test_a_destination_that_is_not_a_folder_is_a_retryable_connector_error(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file where the folder should be")
    with pytest.raises(ConnectorRetryable, match="cannot write"):
        FolderDestination(tmp_path / "out").put("debits.ach", io.BytesIO(b"file"))
    assert (tmp_path / "out").read_text() == "a file where the folder should be"

"""Process-level settings of the ``hub`` command (``hub.cli.startup.prepare``): a one-shot command
paces its allocator and garbage collector for a short life; ``hub run`` keeps freed pages between
one upload and the next and Python's collector defaults; an operator's own allocator setting wins."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest

from hub.cli import startup
from hub.cli.main import ONE_SHOT


@pytest.fixture(autouse=True)
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's defaults
    yield
    gc.set_threshold(*before)


@pytest.mark.parametrize(
    ("argv", "allocator", "collector"),
    [
        (["hub", "process", "f.ach", "-x", "ach-returns"], startup.ONE_SHOT_ALLOCATOR, startup.ONE_SHOT_GC),
        (
            ["hub", "run"],
            f"dirty_decay_ms:600000,muzzy_decay_ms:0,narenas:{max(1, (os.cpu_count() or 1) // 2)}",
            (700, 10, 10),
        ),
        (["hub", "status"], None, (700, 10, 10)),
        (["hub"], None, (700, 10, 10)),
    ],
)
def test_each_command_starts_with_its_allocator_and_collector_pace(
    argv: list[str], allocator: str | None, collector: tuple[int, int, int]
) -> None:
    startup.prepare(argv, ONE_SHOT)
    assert os.environ.get("_RJEM_MALLOC_CONF") == allocator
    assert gc.get_threshold() == collector
    one_shot = collector == startup.ONE_SHOT_GC
    assert os.environ.get("OPENBLAS_NUM_THREADS") == ("1" if one_shot else None)


def test_an_operators_own_blas_threads_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    startup.prepare(["hub", "process", "f.csv", "-x", "meter-reads"], ONE_SHOT)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"


def test_an_operators_own_allocator_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "dirty_decay_ms:0")
    startup.prepare(["hub", "run"], ONE_SHOT)
    assert os.environ["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:0"

"""Process-level settings of the ``hub`` command (``hub.cli.startup``): a one-shot command paces
its allocator and garbage collector for a short life; ``hub run``, which runs for days, keeps
Python's and the allocator's defaults."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest

from hub.cli import startup
from hub.cli.main import ONE_SHOT


@pytest.fixture
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("restored")
def test_a_one_shot_command_collects_garbage_less_often_and_returns_pages_soon() -> None:
    gc.set_threshold(700, 10, 10)  # Python's defaults
    startup.prepare(["hub", "process", "file.ach", "-x", "ach-returns"], ONE_SHOT)
    assert gc.get_threshold() == startup.ONE_SHOT_GC
    assert os.environ["_RJEM_MALLOC_CONF"] == startup.ONE_SHOT_ALLOCATOR


@pytest.mark.usefixtures("restored")
def test_the_service_keeps_the_defaults() -> None:
    gc.set_threshold(700, 10, 10)
    startup.prepare(["hub", "run"], ONE_SHOT)
    assert gc.get_threshold() == (700, 10, 10)
    assert "_RJEM_MALLOC_CONF" not in os.environ

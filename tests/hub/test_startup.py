"""Process-level settings of the ``hub`` command (``hub.cli.startup.prepare``): a one-shot command
paces its allocator and garbage collector for a short life; ``hub run`` keeps freed pages between
one upload and the next, one heap of the C allocator for all its threads and Python's collector
defaults; an operator's own allocator setting wins."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from hub.cli import startup
from hub.cli.main import ONE_SHOT
from hub.kernel.libc import glibc


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


_HEAPS = """
import ctypes, sys, threading
from hub.cli import startup

startup.prepare(sys.argv[1:], ())
barrier = threading.Barrier(4)
held = []

def allocate():
    held.append(bytes(200_000))  # from the C allocator: too big for Python's own
    barrier.wait()  # every thread alive at once: none takes over a heap another left

threads = [threading.Thread(target=allocate) for _ in range(3)]
for thread in threads:
    thread.start()
allocate()
for thread in threads:
    thread.join()
sys.stderr.flush()
ctypes.CDLL(None).malloc_stats()  # one "Arena N:" paragraph a heap, on stderr
"""


def _heaps(argv: list[str], env: dict[str, str] | None = None) -> int:
    """How many heaps glibc's allocator used for four threads after ``prepare(argv)``."""
    environ = {k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")}
    done = subprocess.run(
        [sys.executable, "-c", _HEAPS, *argv],
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))


@pytest.mark.skipif(not glibc(), reason="glibc's allocator only")
def test_the_service_allocates_from_one_c_heap_and_an_operators_setting_wins() -> None:
    assert _heaps(["hub", "run"]) == 1
    assert _heaps(["hub", "status"]) == 4  # a thread, a heap: what the service no longer does
    assert _heaps(["hub", "process", "f.csv"]) == 4
    assert _heaps(["hub", "run"], {"MALLOC_ARENA_MAX": "2"}) == 2
    assert _heaps(["hub", "run"], {"GLIBC_TUNABLES": "glibc.malloc.arena_max=3"}) == 3

"""Work in a daemon thread with its result (or exception) handed over through a future.

The hub overlaps I/O and polars work (which release the GIL) with imports and other work this way:
landing while the ledger loads, pandera's checks while the mapping runs. One helper, so every such
thread hands its failure to whoever waits instead of printing it from the thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def in_background(work: Callable[[], T], name: str) -> Future[T]:
    """Run ``work`` in a daemon thread; its result or exception comes through the future."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # handed to whoever waits for the result
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future

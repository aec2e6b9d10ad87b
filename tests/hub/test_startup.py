"""The allocator setting each kind of command starts with (``hub.cli.startup.prepare``)."""

from __future__ import annotations

import os

import pytest

from hub.cli.main import ONE_SHOT
from hub.cli.startup import ONE_SHOT_ALLOCATOR, prepare


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["hub", "process", "f.csv"], ONE_SHOT_ALLOCATOR),
        # keeps freed pages between one upload and the next
        (["hub", "run"], f"dirty_decay_ms:30000,muzzy_decay_ms:0,narenas:{os.cpu_count()}"),
        (["hub", "status"], None),
        (["hub"], None),
    ],
)
def test_each_command_starts_with_its_allocator_decay(
    argv: list[str], expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    prepare(argv, ONE_SHOT)

    assert os.environ.get("_RJEM_MALLOC_CONF") == expected


def test_an_operators_own_allocator_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setenv("_RJEM_MALLOC_CONF", "dirty_decay_ms:0")
    prepare(["hub", "run"], ONE_SHOT)
    assert os.environ["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:0"

"""Atomic publishing (hub.kernel.files), the one way the hub writes a file for others or itself: a
reader sees the file complete under its final name or not at all; nothing is overwritten when that
is refused; a failure leaves no temporary file."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from hub.kernel.files import Staged, publish_bytes, publish_stream


def test_a_staged_file_is_hidden_until_published_then_complete(tmp_path: Path) -> None:
    final = tmp_path / "out" / "batch.csv"
    with Staged(final.parent, temp_name=".batch.csv.tmp") as staged:
        staged.file.write(b"a,b\n1,2\n")
        staged.finish()  # durable, still hidden
        assert [p.name for p in final.parent.iterdir()] == [".batch.csv.tmp"]
        staged.publish(final, mode=0o400)
    assert final.read_bytes() == b"a,b\n1,2\n"
    assert stat.S_IMODE(final.stat().st_mode) == 0o400
    assert [p.name for p in final.parent.iterdir()] == ["batch.csv"]


def test_publishing_never_overwrites_when_that_is_refused(tmp_path: Path) -> None:
    final = publish_bytes(tmp_path / "debits.ach", b"first")
    with pytest.raises(FileExistsError):
        publish_bytes(final, b"second", replace=False)
    assert final.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["debits.ach"]  # the refused copy is gone too
    assert publish_stream(final, io.BytesIO(b"second")) == len(b"second")
    assert final.read_bytes() == b"second"


def test_an_error_while_writing_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), Staged(tmp_path) as staged:
        staged.file.write(b"half")
        raise RuntimeError("the source broke off")
    assert list(tmp_path.iterdir()) == []

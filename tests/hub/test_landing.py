"""Landing: the landed copy is complete, read-only and named by its sha256, whether the file was
read whole (and its bytes handed to the parser) or streamed because it is large."""

from __future__ import annotations

import hashlib
import io
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from hub.engine import landing
from hub.kernel.errors import ConnectorFatal, ConnectorRetryable
from tests.conftest import Workdir


@pytest.mark.parametrize("whole", [True, False], ids=["read-whole", "streamed"])
def test_a_landed_copy_is_complete_read_only_and_named_by_its_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole: bool
) -> None:
    content = b"route,sequence\n" + b"R0001,10\n" * 300_000  # several streaming chunks
    source = tmp_path / "route-7.csv"
    source.write_bytes(content)
    if not whole:
        monkeypatch.setattr(landing, "IN_MEMORY_BYTES", 1024)

    landed = landing.land_path(source, tmp_path / "landed")

    digest = hashlib.sha256(content).hexdigest()
    assert landed.sha256 == digest
    assert landed.path == tmp_path / "landed" / digest
    assert landed.path.read_bytes() == content
    assert landed.size == len(content)
    assert stat.S_IMODE(landed.path.stat().st_mode) == 0o400
    assert landed.data == (content if whole else None)
    assert [p.name for p in (tmp_path / "landed").iterdir()] == [digest]  # no temporary file left


def test_the_same_content_lands_once(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_bytes(b"same bytes\n")
    first = landing.land_path(tmp_path / "a.csv", tmp_path / "landed")
    second = landing.land_path(tmp_path / "b.csv", tmp_path / "landed")
    assert first.path == second.path
    assert len(list((tmp_path / "landed").iterdir())) == 1


def test_a_missing_source_is_a_final_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ConnectorFatal, match="no such file"):
        landing.land_path(tmp_path / "gone.csv", tmp_path / "landed")
    assert not list((tmp_path / "landed").glob("*"))


def test_a_transfer_that_breaks_off_leaves_no_partial_copy(tmp_path: Path) -> None:
    class BreaksOff(io.RawIOBase):
        """A remote file whose connection drops after the first megabyte."""

        def __init__(self) -> None:
            self.sent = 0

        def read(self, size: int = -1) -> bytes:
            if self.sent:
                raise ConnectorRetryable("sftp://partner: connection reset")
            self.sent = 1024 * 1024
            return b"x" * self.sent

    with pytest.raises(ConnectorRetryable, match="connection reset"):
        landing.land(BreaksOff(), tmp_path / "landed", size=None)  # type: ignore[arg-type]
    assert list((tmp_path / "landed").iterdir()) == []  # neither a landed copy nor a temporary file


def test_landed_bytes_are_handed_on_once(tmp_path: Path) -> None:
    content = b"route,sequence\nR0001,10\n"
    (tmp_path / "route-7.csv").write_bytes(content)
    landed = landing.land_path(tmp_path / "route-7.csv", tmp_path / "landed")
    assert landed.data == content
    assert landed.take_data() == content
    assert (landed.data, landed.take_data()) == (None, None)  # the record holds them no longer
    assert landed.path.read_bytes() == content  # the landed copy stays


def test_a_file_being_delivered_is_not_held_in_memory_as_well(
    workdir: Workdir, upload: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a file is mapped, its bytes are let go: while its transactions are delivered no frame
    of the cycle holds them (a 1,000,000-row upload's 73 MB were held through the delivery)."""
    from hub.engine import delivery
    from hub.engine.config import load_config
    from hub.engine.pipeline import Engine

    sent = upload(40, seed=3)
    workdir.write("inbox/meter-reads/route-3.csv", sent)
    holders: list[str] = []
    real = delivery.deliver_parts

    def delivering(*args: Any, **kwargs: Any) -> Any:
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == __file__:  # this test's own frames hold what it sent
                frame = frame.f_back
                continue
            held = [v.data if isinstance(v, landing.Landed) else v for v in frame.f_locals.values()]
            if any(isinstance(v, bytes) and v == sent for v in held):
                holders.append(frame.f_code.co_name)
            frame = frame.f_back
        return real(*args, **kwargs)

    monkeypatch.setattr(delivery, "deliver_parts", delivering)
    engine = Engine(load_config(workdir.root / "hub.yaml"))
    try:
        outcomes = [o for o in engine.cycle(["meter-reads"]) if o.state != "skipped"]
    finally:
        engine.close()
    assert [(o.name, o.state, o.delivered) for o in outcomes] == [("route-3.csv", "delivered", 40)]
    assert holders == []

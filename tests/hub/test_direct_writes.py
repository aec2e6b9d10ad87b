"""Large files written straight to the disk (hub.kernel.direct, used by ``Staged(direct=True)`` for
landed copies and CIS data files): the published bytes are exactly the bytes written, whatever the
sizes of the pieces, whether the file system takes direct writes or not, and whether a write is
refused part-way."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import mmap
import os
import random
from pathlib import Path

import pytest

from hub.engine import landing
from hub.kernel import direct
from hub.kernel.files import Staged

CHUNK = 4 * 4096  # small chunks: a few hundred KB cross many of them


def takes_direct_writes(folder: Path) -> bool:
    """Whether the system takes an aligned ``O_DIRECT`` write to a new file under ``folder``, the
    flag set on the open file (asked of the system itself, not of the module under test)."""
    if not hasattr(os, "O_DIRECT"):
        return False
    probe = folder / ".probe"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_DIRECT)
        os.write(fd, mmap.mmap(-1, 4096))
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
        probe.unlink()


def pieces(content: bytes) -> list[bytes]:
    """``content`` cut at random places, as polars or a connector hands over its bytes."""
    rng = random.Random(7)
    cuts, at = [], 0
    while at < len(content):
        size = rng.choice([1, 17, 4095, 4096, 4097, CHUNK - 1, CHUNK, CHUNK * 3 + 5])
        cuts.append(content[at : at + size])
        at += size
    return cuts


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(direct, "CHUNK", CHUNK)


def write_staged(folder: Path, content: bytes) -> tuple[Path, int]:
    """Write ``content`` in pieces through ``Staged(direct=True)``; the file and how many of its
    bytes went straight to the disk."""
    with Staged(folder, temp_name=".out.tmp", direct=True) as staged:
        for piece in pieces(content):
            staged.file.write(piece)
        final = staged.publish(folder / "out.csv")
        assert isinstance(staged.file, direct.DirectFile)
    return final, staged.file.direct_bytes


@pytest.mark.usefixtures("small_chunks")
def test_a_large_file_goes_straight_to_the_disk_and_is_published_whole(tmp_path: Path) -> None:
    content = os.urandom(CHUNK * 20 + 1234)  # whole chunks and a tail
    final, straight = write_staged(tmp_path, content)
    assert final.read_bytes() == content
    assert straight == (CHUNK * 20 if takes_direct_writes(tmp_path) else 0)  # the tail through the cache
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.usefixtures("small_chunks")
def test_a_file_smaller_than_a_chunk_goes_through_the_page_cache(tmp_path: Path) -> None:
    final, straight = write_staged(tmp_path, b"a,b\n1,2\n")
    assert final.read_bytes() == b"a,b\n1,2\n"
    assert straight == 0  # no chunk filled


@pytest.mark.usefixtures("small_chunks")
def test_a_system_without_direct_writes_writes_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(direct, "_O_DIRECT", 0)
    content = os.urandom(CHUNK * 7 + 99)
    final, straight = write_staged(tmp_path, content)
    assert final.read_bytes() == content
    assert straight == 0


@pytest.mark.usefixtures("small_chunks")
def test_a_direct_write_refused_part_way_goes_on_through_the_page_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that refuses direct writes only once some are done (``EINVAL``, as for a larger
    alignment) or writes a short piece: the file goes on through the page cache, nothing repeated
    and nothing missing."""
    if not takes_direct_writes(tmp_path):
        pytest.skip("this file system takes no direct writes at all")
    real_write = os.write
    direct_writes = []

    def refusing(fd: int, data: memoryview) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            direct_writes.append(len(data))
            if len(direct_writes) == 3:
                raise OSError(errno.EINVAL, "Invalid argument")
            if len(direct_writes) == 2:
                return real_write(fd, data[:4096])  # a short write, still aligned
        return real_write(fd, data)

    monkeypatch.setattr(direct.os, "write", refusing)
    content = os.urandom(CHUNK * 9 + 3)
    final, straight = write_staged(tmp_path, content)
    assert final.read_bytes() == content
    assert straight == CHUNK + 4096
    # a chunk written whole, the next one short, its rest refused: then through the cache
    assert direct_writes == [CHUNK, CHUNK, CHUNK - 4096]


def test_an_error_while_writing_directly_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), Staged(tmp_path, direct=True) as staged:
        staged.file.write(os.urandom(direct.CHUNK + 10))
        raise RuntimeError("the source broke off")
    assert list(tmp_path.iterdir()) == []


def test_a_large_landed_copy_goes_straight_to_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the landing, at the real chunk size: a file read whole is written with direct writes
    where the system takes them, lands byte for byte, and its bytes go on to the parser (a CIS data
    file of many chunks: ``tests/hub/test_cis_batch.py``)."""
    made: list[direct.DirectFile] = []
    real = direct.DirectFile

    class Noted(real):  # type: ignore[misc,valid-type]
        def __init__(self, fd: int) -> None:
            super().__init__(fd)
            made.append(self)

    monkeypatch.setattr("hub.kernel.files.DirectFile", Noted)
    content = b"route,sequence\n" + b"R0001,10\n" * 1_200_000  # ~11 MB: two full chunks and more
    source = tmp_path / "route-7.csv"
    source.write_bytes(content)
    landed = landing.land_path(source, tmp_path / "landed")
    assert landed.path.read_bytes() == content
    assert landed.data == content
    assert landed.sha256 == hashlib.sha256(content).hexdigest()
    straight = [f.direct_bytes for f in made]
    assert straight == [(len(content) // direct.CHUNK) * direct.CHUNK if takes_direct_writes(tmp_path) else 0]

"""A cycle maps the next file while the one in hand is delivered (``hub.engine.read_ahead``): every
file is still delivered from the bytes that landed, even when a file changes after it was read
ahead; an SFTP source's files are fetched once, never read ahead."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from hub.engine import read_ahead
from tests.conftest import SshServer, Workdir


def _cycle(workdir: Workdir, progress: Callable[[str, str], None]) -> list[Any]:
    from hub.engine.config import load_config
    from hub.engine.pipeline import Engine

    engine = Engine(load_config(workdir.root / "hub.yaml"), progress=progress)
    try:
        return [o for o in engine.cycle(["meter-reads"]) if o.state != "skipped"]
    finally:
        engine.close()


def _read_ahead_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The items the cycle read ahead (the real ``map_next``, its calls noted)."""
    names: list[str] = []
    real = read_ahead.map_next

    def noted(*args: Any, **kwargs: Any) -> read_ahead.MappedAhead | None:
        made = real(*args, **kwargs)
        if made is not None:
            names.append(made.item.name)
        return made

    monkeypatch.setattr("hub.engine.pipeline.map_next", noted)
    return names


def test_every_file_of_a_cycle_is_delivered_whole_with_the_next_mapped_ahead(
    workdir: Workdir, upload: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _read_ahead_names(monkeypatch)
    sent = {f"route-{n}.csv": upload(30, seed=n) for n in (1, 2, 3)}
    for name, data in sent.items():
        workdir.write(f"inbox/meter-reads/{name}", data)

    outcomes = _cycle(workdir, lambda name, stage: None)

    assert [(o.name, o.state, o.delivered) for o in outcomes] == [
        (name, "delivered", 30) for name in sorted(sent)
    ]
    assert names == ["route-2.csv", "route-3.csv"]
    assert len(workdir.delivered_rows("MeterRead")) + len(workdir.delivered_rows("ReadException")) == 90


def test_a_file_changed_after_it_was_read_ahead_is_delivered_as_it_landed(
    workdir: Workdir, upload: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _read_ahead_names(monkeypatch)
    workdir.write("inbox/meter-reads/route-1.csv", upload(30, seed=1).replace(b",RD01,", b",RD03,"))
    second = workdir.write("inbox/meter-reads/route-2.csv", upload(30, seed=2))
    changed = second.read_bytes().replace(b",RD01,", b",RD07,")  # the same size: still complete
    assert changed != second.read_bytes()

    def progress(name: str, stage: str) -> None:
        if name == "route-2.csv" and stage == "landing":  # read ahead already, not yet landed
            second.write_bytes(changed)

    outcomes = _cycle(workdir, progress)

    assert [(o.name, o.state, o.delivered) for o in outcomes] == [
        ("route-1.csv", "delivered", 30),
        ("route-2.csv", "delivered", 30),
    ]
    assert names == ["route-2.csv"]  # mapped ahead from the bytes before the change
    assert (workdir.root / "var" / "landed" / hashlib.sha256(changed).hexdigest()).is_file()
    reader_ids = {row[13] for row in workdir.delivered_rows("MeterRead")}
    assert reader_ids == {"RD03", "RD07"}  # route-2's rows as landed (RD07), not as read ahead (RD01)


def test_an_sftp_source_is_not_read_ahead_and_every_file_is_delivered(
    workdir: Workdir, upload: Callable[..., bytes], ssh_server: SshServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _read_ahead_names(monkeypatch)
    remote = ssh_server.folder(f"ahead-{workdir.root.name}")
    for n in (1, 2, 3):
        (remote / f"route-{n}.csv").write_bytes(upload(30, seed=n))
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["exchanges"]["meter-reads"].update(
        source={"type": "sftp", "server": ssh_server.server_config(), "remote_dir": str(remote)},
        watch=False,
    )
    workdir.set_config(yaml.safe_dump(config))

    outcomes = _cycle(workdir, lambda name, stage: None)

    assert [(o.name, o.state, o.delivered) for o in outcomes] == [
        (f"route-{n}.csv", "delivered", 30) for n in (1, 2, 3)
    ]
    assert names == []  # each fetched once, when it lands


def test_a_file_larger_than_the_read_ahead_bound_is_not_read_ahead(
    workdir: Workdir, upload: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two large files' tables are never held at once: the next file is read ahead only when small."""
    names = _read_ahead_names(monkeypatch)
    small, large = upload(10, seed=1), upload(200, seed=2)
    monkeypatch.setattr(read_ahead, "AHEAD_MAX", len(small) * 3)  # between the two sizes
    workdir.write("inbox/meter-reads/route-1.csv", large)
    workdir.write("inbox/meter-reads/route-2.csv", large.replace(b",RD01,", b",RD03,"))
    workdir.write("inbox/meter-reads/route-3.csv", small)

    outcomes = _cycle(workdir, lambda name, stage: None)

    assert [(o.name, o.state) for o in outcomes] == [
        ("route-1.csv", "delivered"),
        ("route-2.csv", "delivered"),
        ("route-3.csv", "delivered"),
    ]
    assert names == ["route-3.csv"]

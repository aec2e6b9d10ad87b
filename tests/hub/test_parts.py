"""A large upload is read, checked and mapped in parts (``part_bytes``) with the results of the file
in one piece: the same CIS files and control totals, ledger record and problems (with the file's own
line numbers), through the real ``hub process``."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hub.engine.config import DEFAULT_CONFIG
from hub.engine.parts import split
from tests.conftest import Workdir, with_policy
from tests.test_scheduler import service, wait_for

__all__ = ["service"]  # the fixture, used by name

READ_CODE = 8  # the read_code field of the sample's header


def _process(root: Path, data: bytes, *, part_bytes: int | None, policy: str) -> dict[str, Any]:
    """``hub process`` of ``data`` in a fresh hub folder; what a user sees of the outcome."""
    root.mkdir()
    config = with_policy(DEFAULT_CONFIG, policy)
    if part_bytes is not None:
        config = config.replace(
            "    kind: meter-reads\n", f"    kind: meter-reads\n    part_bytes: {part_bytes}\n", 1
        )
    w = Workdir(root)
    w.set_config(config)
    done = w.hub("process", w.write("upload.csv", data), "--exchange", "meter-reads", "--json")
    outcome = done.json()
    shown = w.hub("show", str(outcome["id"]), "--json").json()
    controls = [
        {**c, "batch_id": None, "created_at": None, "files": [{**f, "name": None} for f in c["files"]]}
        for c in w.controls()
    ]
    return {
        "code": done.code,
        "outcome": {**outcome, "batch_id": None, "reports": None},
        "reports": [Path(r).read_bytes() for r in outcome["reports"]],
        "record": {k: shown[k] for k in ("state", "rows", "delivered", "rejected", "error", "problems")},
        "controls": controls,
        "delivered": {t: w.delivered_rows(t) for t in ("MeterRead", "ReadException")},
    }


def _awkward(upload: Callable[..., bytes]) -> tuple[bytes, dict[str, int]]:
    """An upload with bad rows all through it, a row repeated far from its first occurrence (another
    part), one with too few fields, a blank line and a quoted field holding a line end; and the
    file's line of each of those."""
    header, *rows = upload(400, bad=30, seed=7).decode().splitlines(keepends=True)
    rows.insert(150, rows[5])
    rows.insert(200, "R1,1,2\n")
    rows.insert(250, "\n")
    fields = rows[260].rstrip("\n").split(",")
    fields[9] = '"R\n7"'  # reader_id: a line end inside quotes is part of the field
    rows[260] = ",".join(fields) + "\n"
    rows.append(rows[10])
    lines = {
        "repeated": 152,
        "short": 202,
        "quoted": 262,
        "repeated_last": len(rows) + 2,
    }  # +1 for the quoted line end
    return (header + "".join(rows)).encode(), lines


def test_in_parts_as_in_one_piece(tmp_path: Path, upload: Callable[..., bytes]) -> None:
    data, lines = _awkward(upload)
    whole = _process(tmp_path / "whole", data, part_bytes=None, policy="accept-valid-rows")
    parts = _process(tmp_path / "parts", data, part_bytes=1500, policy="accept-valid-rows")
    assert parts == whole
    assert whole["outcome"]["state"] == "delivered" and whole["reports"]
    found = {(p["rule"], p["line"]) for p in parts["record"]["problems"]}
    assert ("duplicate_read", lines["repeated"]) in found
    assert ("duplicate_read", lines["repeated_last"]) in found
    assert ("field_count", lines["short"]) in found
    assert not any(p["line"] == lines["quoted"] for p in parts["record"]["problems"])
    delivered = sum(c["transactions"] for c in parts["controls"])
    assert delivered == parts["outcome"]["delivered"] == parts["record"]["rows"] - parts["record"]["rejected"]


def test_every_row_bad_in_parts_as_in_one_piece(tmp_path: Path, upload: Callable[..., bytes]) -> None:
    header, *rows = upload(120, seed=3).decode().splitlines(keepends=True)
    bad = [",".join(f if i != READ_CODE else "99" for i, f in enumerate(r.split(","))) for r in rows]
    data = (header + "".join(bad)).encode()
    whole = _process(tmp_path / "whole", data, part_bytes=None, policy="accept-valid-rows")
    parts = _process(tmp_path / "parts", data, part_bytes=1000, policy="accept-valid-rows")
    assert parts == whole
    assert parts["outcome"]["delivered"] == 0 and parts["outcome"]["rejected"] == 120
    assert [p["line"] for p in parts["record"]["problems"]] == list(range(2, 122))
    assert parts["controls"] == []


def test_unreadable_part_rejects_the_file_as_in_one_piece(
    tmp_path: Path, upload: Callable[..., bytes]
) -> None:
    header, *rows = upload(200, seed=5).decode().splitlines(keepends=True)
    rows[150] = rows[150].replace(",", ',"', 1)  # an unclosed quote far into the file
    data = (header + "".join(rows)).encode()
    whole = _process(tmp_path / "whole", data, part_bytes=None, policy="reject-file")
    parts = _process(tmp_path / "parts", data, part_bytes=1200, policy="reject-file")
    assert parts == whole
    assert parts["outcome"]["state"] == "rejected" and parts["controls"] == []


def test_parts_are_cut_at_line_ends_outside_quotes(tmp_path: Path) -> None:
    body = "".join(f'{n},"a\nb",{n}\n' if n % 7 == 0 else f"{n},x,{n}\n" for n in range(200))
    path = tmp_path / "f.csv"
    path.write_bytes(("id,text,n\n" + body).encode())
    found = list(split(path, 64))
    assert len(found) > 10
    header = b"id,text,n\n"
    assert all(p.data.startswith(header) and p.data.endswith(b"\n") for p in found)
    assert b"".join(p.data[len(header) :] for p in found) == body.encode()
    for p in found:
        assert p.data.count(b'"') % 2 == 0  # never cut inside a quoted field
        first = p.data[len(header) :].split(b",", 1)[0]
        # the part's first line is the file's line of that row: 2 + rows before + quoted line ends
        n = int(first)
        assert p.first_line == 2 + n + len([m for m in range(n) if m % 7 == 0])


def test_the_service_runs_a_large_upload_in_parts_as_in_one_piece(
    tmp_path: Path,
    workdir: Workdir,
    upload: Callable[..., bytes],
    service: Callable[[], subprocess.Popen[bytes]],
) -> None:
    data, lines = _awkward(upload)
    whole = _process(tmp_path / "whole", data, part_bytes=None, policy="accept-valid-rows")
    config = yaml.safe_load(with_policy(DEFAULT_CONFIG, "accept-valid-rows"))
    config["exchanges"]["meter-reads"]["part_bytes"] = 1500
    config["service"] = {"sweep_seconds": 3600, "settle_seconds": 600, "log_format": "json"}
    workdir.set_config(yaml.safe_dump(config))
    proc = service()
    staged = workdir.write("upload.csv", data)
    staged.rename(workdir.root / "inbox" / "meter-reads" / "upload.csv")
    wait_for("the upload", lambda: workdir.controls(), timeout=120)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    shown = workdir.hub("show", "1", "--json").json()
    assert {k: shown[k] for k in whole["record"]} == whole["record"]
    assert {t: workdir.delivered_rows(t) for t in ("MeterRead", "ReadException")} == whole["delivered"]
    assert ("duplicate_read", lines["repeated_last"]) in {(p["rule"], p["line"]) for p in shown["problems"]}


def test_validate_checks_in_parts_as_in_one_piece(tmp_path: Path, upload: Callable[..., bytes]) -> None:
    data, lines = _awkward(upload)
    found = []
    for name, part_bytes in (("whole", None), ("parts", 1500)):
        root = tmp_path / name
        root.mkdir()
        config = DEFAULT_CONFIG
        if part_bytes is not None:
            config = config.replace(
                "    kind: meter-reads\n", f"    kind: meter-reads\n    part_bytes: {part_bytes}\n", 1
            )
        w = Workdir(root)
        w.set_config(config)
        done = w.hub("validate", w.write("upload.csv", data), "--exchange", "meter-reads", "--json")
        found.append((done.code, done.json()))
    assert found[1] == found[0]
    code, outcome = found[1]
    assert (
        code == 1 and outcome["state"] == "rejected" and not (tmp_path / "parts" / "outbox" / "cis").exists()
    )
    assert ("duplicate_read", lines["repeated"]) in {(p["rule"], p["line"]) for p in outcome["problems"]}

"""A large upload is read, checked, mapped and delivered in parts (``part_bytes``) with the results
of the file in one piece: the same CIS files (byte for byte) and control file, ledger record, keys
and key store, and problems (with the file's own line numbers), through the real ``hub process``."""

from __future__ import annotations

import io
import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlalchemy import select

from hub.engine.config import DEFAULT_CONFIG
from hub.engine.parts import split
from hub.ledger import Ledger
from hub.ledger import schema as t
from hub.ledger.keys import run_entries
from tests.conftest import Workdir, with_policy
from tests.test_scheduler import service, wait_for

__all__ = ["service"]  # the fixture, used by name

READ_CODE = 8  # the read_code field of the sample's header


def _process(
    root: Path, data: bytes, *, part_bytes: int | None, policy: str, before: bytes | None = None
) -> dict[str, Any]:
    """``hub process`` of ``data`` in a fresh hub folder (after ``before``, processed in one piece,
    when given); what a user sees of the outcome, the CIS files and what the ledger keeps."""
    root.mkdir()
    config = with_policy(DEFAULT_CONFIG, policy)
    w = Workdir(root)
    if before is not None:
        w.set_config(config)
        first = w.hub("process", w.write("before.csv", before), "--exchange", "meter-reads", "--json")
        assert first.json()["state"] == "delivered"
    if part_bytes is not None:
        config = config.replace(
            "    kind: meter-reads\n", f"    kind: meter-reads\n    part_bytes: {part_bytes}\n", 1
        )
    w.set_config(config)
    done = w.hub("process", w.write("upload.csv", data), "--exchange", "meter-reads", "--json")
    outcome = done.json()
    shown = w.hub("show", str(outcome["id"]), "--json").json()
    controls = [
        {**c, "batch_id": None, "created_at": None, "files": [{**f, "name": None} for f in c["files"]]}
        for c in w.controls()
    ]
    return _timeless(
        {
            "code": done.code,
            "outcome": {**outcome, "batch_id": None, "reports": None},
            "reports": [Path(r).read_bytes() for r in outcome["reports"]],
            "record": {k: shown[k] for k in ("state", "rows", "delivered", "rejected", "error", "problems")},
            "controls": controls,
            "delivered": {t: w.delivered_rows(t) for t in ("MeterRead", "ReadException")},
            "cis": {p.name.split(".", 1)[1]: p.read_bytes() for p in sorted(w.cis.glob("*.csv"))},
            "staged": sorted(p.name for p in w.cis.glob(".*")) if w.cis.is_dir() else [],
            "ledger": _kept(root),
        }
    )


PROCESSED_AT = re.compile(r"processed at \d{4}-\d\d-\d\d \d\d:\d\d UTC")


def _timeless(found: Any) -> Any:
    """``found`` without the minute each run was processed at (in a future read's message): the
    two runs compared may fall in different minutes."""
    if isinstance(found, str):
        return PROCESSED_AT.sub("processed at (now)", found)
    if isinstance(found, bytes):
        return re.sub(PROCESSED_AT.pattern.encode(), b"processed at (now)", found)
    if isinstance(found, dict):
        return {k: _timeless(v) for k, v in found.items()}
    if isinstance(found, list):
        return [_timeless(v) for v in found]
    return found


def _kept(root: Path) -> dict[str, Any]:
    """What the ledger keeps of the delivered keys: each batch's keys and source lines by type, and
    the key store's entries (rows and runs of hashes by day)."""
    ledger = Ledger.open(f"sqlite:///{root / 'var' / 'hub.db'}")
    try:
        with ledger.tx() as conn:
            d, h, r = t.delivered_transactions.c, t.key_hashes.c, t.key_runs.c
            keys = [
                (batch, txn_type, count, pl.read_ipc(io.BytesIO(blob)).rows())
                for batch, txn_type, count, blob in conn.execute(
                    select(d.batch_pk, d.txn_type, d.count, d["keys"]).order_by(d.batch_pk, d.txn_type)
                )
            ]
            rows = sorted(conn.execute(select(h.part, h.hash, h.batch_pk)).all())
            runs = sorted(
                (part, batch, count, sorted(run_entries(part, count, blob).rows()))
                for part, batch, count, blob in conn.execute(select(r.part, r.batch_pk, r.count, r.hashes))
            )
    finally:
        ledger.close()
    return {"keys": keys, "rows": [tuple(row) for row in rows], "runs": runs}


def _keys_kept(kept: dict[str, Any]) -> int:
    """How many keys the key store keeps (``_kept``): its rows and the hashes of its runs."""
    return len(kept["rows"]) + sum(count for _, _, count, _ in kept["runs"])


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


def test_a_delivery_in_parts_is_the_delivery_in_one_piece(
    tmp_path: Path, upload: Callable[..., bytes]
) -> None:
    """The CIS data files byte for byte, the control file, the keys and lines the ledger keeps and
    the key store's entries: the same whether the file is delivered in one piece or a part at a
    time, and no staging file is left."""
    data, _ = _awkward(upload)
    whole = _process(tmp_path / "whole", data, part_bytes=None, policy="accept-valid-rows")
    parts = _process(tmp_path / "parts", data, part_bytes=1500, policy="accept-valid-rows")
    assert parts["cis"] == whole["cis"] and parts["controls"] == whole["controls"]
    assert parts["ledger"] == whole["ledger"]
    assert sorted(parts["cis"]) == ["MeterRead.csv", "ReadException.csv"] and parts["staged"] == []
    (control,) = parts["controls"]
    assert {f["type"]: f["count"] for f in control["files"]} == parts["outcome"]["transactions"]
    (batch_keys,) = [k for k in parts["ledger"]["keys"] if k[1] == "MeterRead"]
    assert batch_keys[2] == len(batch_keys[3]) == parts["outcome"]["transactions"]["MeterRead"]
    assert _keys_kept(parts["ledger"]) == parts["outcome"]["delivered"]


def test_a_redelivery_in_parts_delivers_only_the_new_rows_as_in_one_piece(
    tmp_path: Path, upload: Callable[..., bytes]
) -> None:
    """Rows delivered by an earlier file, spread over every part, are not delivered again: the new
    ones only, the same as in one piece."""
    data = upload(300, seed=11)
    header, *rows = data.decode().splitlines(keepends=True)
    before = (header + "".join(rows[::3])).encode()  # every third row, in every part
    whole = _process(tmp_path / "whole", data, part_bytes=None, policy="accept-valid-rows", before=before)
    parts = _process(tmp_path / "parts", data, part_bytes=1500, policy="accept-valid-rows", before=before)
    assert parts == whole
    assert parts["outcome"]["already_delivered"] == 100 and parts["outcome"]["delivered"] == 200
    delivered = [row[0] for t in ("MeterRead", "ReadException") for row in parts["delivered"][t]]
    assert len(delivered) == len(set(delivered)) == 300, "every key delivered once, over both files"
    assert _keys_kept(parts["ledger"]) == 300


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
    assert _timeless({k: shown[k] for k in whole["record"]}) == whole["record"]
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
        found.append((done.code, _timeless(done.json())))
    assert found[1] == found[0]
    code, outcome = found[1]
    assert (
        code == 1 and outcome["state"] == "rejected" and not (tmp_path / "parts" / "outbox" / "cis").exists()
    )
    assert ("duplicate_read", lines["repeated"]) in {(p["rule"], p["line"]) for p in outcome["problems"]}


def test_validate_counts_what_was_delivered_before_in_parts_as_in_one_piece(
    tmp_path: Path, upload: Callable[..., bytes]
) -> None:
    """``hub validate`` of a file run in parts counts the rows it would deliver and those delivered
    before, by type, a part at a time: as in one piece."""
    data = upload(300, seed=13)
    header, *rows = data.decode().splitlines(keepends=True)
    before = (header + "".join(rows[::3])).encode()
    found = []
    for name, part_bytes in (("whole", None), ("parts", 1500)):
        w = Workdir(tmp_path / name)
        w.root.mkdir()
        w.set_config(DEFAULT_CONFIG)
        assert w.hub("process", w.write("before.csv", before), "--exchange", "meter-reads").code == 0
        if part_bytes is not None:
            w.set_config(
                DEFAULT_CONFIG.replace(
                    "    kind: meter-reads\n", f"    kind: meter-reads\n    part_bytes: {part_bytes}\n", 1
                )
            )
        done = w.hub("validate", w.write("upload.csv", data), "--exchange", "meter-reads", "--json")
        found.append((done.code, _timeless(done.json())))
    assert found[1] == found[0]
    code, outcome = found[1]
    assert code == 0 and outcome["state"] == "validated"
    assert outcome["already_delivered"] == 100 and sum(outcome["transactions"].values()) == 200

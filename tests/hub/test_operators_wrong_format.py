"""A file in the wrong format gets a hint first: every registered format is asked whether the file
looks like one of its files (``Format.sniff``), and a file that looks like another format than
its exchange reads is rejected with "this looks like a NACHA file (...); exchange lockbox reads
lockbox" before its low-level problems. Shown by ``hub process``, ``hub validate`` and ``hub inspect``."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Workdir
from tests.hub.test_ach_returns_e2e import returns_file
from tests.hub.test_lockbox_e2e import transmission


def test_a_nacha_file_dropped_into_the_lockbox_exchange_is_named_for_what_it_is(workdir: Workdir) -> None:
    path = workdir.write("returns.ach", returns_file())
    res = workdir.hub("process", path, "-x", "lockbox", "--json")
    assert res.code == 1, res.stdout + res.stderr
    out = res.json()
    assert out["state"] == "rejected" and out["delivered"] == 0
    first = out["problems"][0]
    assert (first["rule"], first["level"]) == ("wrong-format", "file")
    assert first["message"] == (
        "this looks like a NACHA file (record 1 starts with 101 and is 94 characters long); "
        "exchange lockbox reads lockbox"
    )
    assert len(out["problems"]) > 1, "the low-level problems are still listed after the hint"
    shown = workdir.hub("show", str(out["id"]), "--json").json()
    assert shown["problems"][0]["rule"] == "wrong-format"

    lockbox_file = workdir.write("lbx.dat", transmission())
    text = workdir.hub("process", lockbox_file, "-x", "ach-returns")
    assert text.code == 1
    assert "this looks like a lockbox file" in " ".join(text.stdout.split())  # the first problem shown
    shown_again = workdir.hub("show", "2", "--json").json()
    assert shown_again["name"] == "lbx.dat"
    hint = shown_again["problems"][0]["message"]
    assert hint.startswith("this looks like a lockbox file (record 1 is a lockbox header")
    assert hint.endswith("; exchange ach-returns reads NACHA")


def test_validate_and_inspect_give_the_hint_and_a_right_file_gets_none(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    reads = workdir.write("route-1.csv", upload(5))
    dry = workdir.hub("validate", reads, "-x", "pledges", "--json")
    assert dry.code == 1
    assert dry.json()["problems"][0]["message"] == (
        "this looks like a meter-read CSV file (its header names route, meter, read_at, reading); "
        "exchange pledges reads pledges CSV"
    )
    bad_reads = workdir.write("route-2.csv", upload(20, bad=3))
    own = workdir.hub("validate", bad_reads, "-x", "meter-reads", "--json").json()
    assert own["problems"] and all(p["rule"] != "wrong-format" for p in own["problems"])

    bai2_file = workdir.write("report.bai", b"01,BANK,UTILITY,261120,0600,1,,,2/\n99,0,0,1/\n")
    inspected = workdir.hub("inspect", bai2_file, "--format", "nacha", "--json")
    assert inspected.code == 1
    first = inspected.json()["problems"][0]
    assert first["rule"] == "wrong-format"
    assert (
        first["message"]
        == "this looks like a BAI2 file (record 1 starts with 01,); --format nacha reads NACHA"
    )
    text = workdir.hub("inspect", bai2_file, "--format", "nacha")
    assert "this looks like a BAI2 file" in text.stdout

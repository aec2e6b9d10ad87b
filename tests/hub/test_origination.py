"""Originating the autopay debit file through the real ``hub`` command: a CIS extract becomes a NACHA
file the hub's own reader agrees with, every debit recorded by trace number; the same extract or
payment never goes out twice; trace numbers never repeat; a bad extract is refused whole with a
precise, masked report; an interrupted push sends the same file again; a return names the debit."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Workdir

from hub.engine.config import DEFAULT_CONFIG, parse_config
from hub.kernel.errors import ConfigError
from tests.hub.debit_extracts import (
    CUSTOMER_BANK,
    ODFI,
    extract,
    ledger,
    originated_rows,
    placed,
    row,
    soon,
)


def originate(workdir: Workdir, name: str, data: bytes, *extra: str) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("originate", workdir.write(name, data), "-x", "ach-debits", "--json", *extra)
    assert res.stdout, res.stderr
    return res.code, res.json()


def configure(workdir: Workdir, **changes: Any) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["ach-debits"].update(changes)
    workdir.set_config(yaml.safe_dump(config))


def test_an_extract_becomes_a_nacha_file_the_reader_agrees_with_and_the_ledger_records(
    workdir: Workdir,
) -> None:
    rows = [row(1), row(2), row(3), row(4, effective_date=soon(5).isoformat())]  # row 3: savings
    code, out = originate(workdir, "autopay-1.csv", extract(rows))

    assert code == 0, out
    assert (out["state"], out["rows"], out["delivered"], out["rejected"]) == ("delivered", 4, 4, 0)
    assert out["transactions"] == {"AchDebit": 4}
    [(name, nacha)] = placed(workdir.root / "outbox" / "ach").items()
    assert out["batch_id"] == name and name.startswith("ach-debits-") and name.endswith("-A-f1.ach")
    summary = nacha.summary()
    assert summary["problems"] == []
    assert summary["entries"] == 4
    assert summary["debit_cents"] == sum(r["amount_cents"] for r in rows) and summary["credit_cents"] == 0
    # rows without an effective date settle the next business day; the dated one has its own batch
    assert [b["entries"] for b in summary["batches"]] == [3, 1]
    assert {b["service_class"] for b in summary["batches"]} == {"225"}  # debits only
    entries = {e["individual_id"].strip(): e for e in nacha.entries.iter_rows(named=True)}
    for r in rows:
        e = entries[r["account"]]
        assert e["tc"] == (37 if r["account_type"] == "savings" else 27)
        assert (e["routing"], e["dfi_account"].strip(), e["amount_cents"]) == (
            r["routing"],
            r["dfi_account"],
            r["amount_cents"],
        )
        assert e["individual_name"].strip() == r["name"]

    recorded = originated_rows(workdir.root)
    traces = [r["trace"] for r in recorded]
    assert traces == sorted(e["trace"] for e in entries.values())
    assert traces == [f"{ODFI}{n:07d}" for n in range(1, 5)]
    led = ledger(workdir.root)
    try:
        found = led.originated(traces)
    finally:
        led.close()
    by_payment = {v["payment_id"]: v for v in found.values()}
    assert set(by_payment) == {r["payment_id"] for r in rows}
    for r in rows:
        assert by_payment[r["payment_id"]]["account"] == r["account"]
        assert by_payment[r["payment_id"]]["amount_cents"] == r["amount_cents"]
    # the file as sent is kept, read-only, beside the ledger
    kept = workdir.root / "var" / "outbound" / "ach-debits" / "f1" / name
    assert kept.read_bytes() == (workdir.root / "outbox" / "ach" / name).read_bytes()
    assert kept.stat().st_mode & 0o777 == 0o400


def test_the_same_extract_again_originates_nothing_and_a_payment_goes_out_once(workdir: Workdir) -> None:
    data = extract([row(1), row(2)])
    assert originate(workdir, "autopay.csv", data)[0] == 0

    code, again = originate(workdir, "autopay-resent.csv", data)
    assert (code, again["state"], again["duplicate_of"]) == (0, "duplicate", 1)
    assert len(placed(workdir.root / "outbox" / "ach")) == 1
    assert len(originated_rows(workdir.root)) == 2

    # the CIS exports the day again with one new debit: only that one goes out
    code, more = originate(workdir, "autopay-2.csv", extract([row(1), row(2), row(3)]))
    assert code == 0, more
    assert (more["delivered"], more["already_delivered"]) == (1, 2)
    files = placed(workdir.root / "outbox" / "ach")
    assert [f.entries.height for f in files.values()] == [2, 1]
    assert [r["payment_id"] for r in originated_rows(workdir.root)] == ["P-00001", "P-00002", "P-00003"]


def test_trace_numbers_continue_across_extracts_and_files_of_a_day_get_their_own_modifier(
    workdir: Workdir,
) -> None:
    assert originate(workdir, "monday-1.csv", extract([row(n) for n in range(1, 4)]))[0] == 0
    assert originate(workdir, "monday-2.csv", extract([row(n) for n in range(10, 15)]))[0] == 0

    recorded = originated_rows(workdir.root)
    traces = [r["trace"] for r in recorded]
    assert traces == [f"{ODFI}{n:07d}" for n in range(1, 9)]  # continued, none reused
    assert [r["file_id"] for r in recorded] == [1] * 3 + [2] * 5
    files = placed(workdir.root / "outbox" / "ach")
    assert [n.split("-")[-2] for n in files] == ["A", "B"]
    assert [f.header["file_id_modifier"] for f in files.values() if f.header] == ["A", "B"]


def test_a_bad_extract_is_rejected_whole_with_line_field_rule_and_masked_values(workdir: Workdir) -> None:
    bad_routing = "231380105"  # check digit off by one
    rows = [
        row(1),
        row(2, routing=bad_routing),
        row(3, amount_cents="12.50"),
        row(4, name="BARTHOLOMEW MONTGOMERY-SMYTHE"),  # 29 characters: the NACHA name field holds 22
        row(5, dfi_account="4000-1234"),
        row(6, payment_id="P-00001"),
    ]
    code, out = originate(workdir, "autopay.csv", extract(rows))

    assert code == 1
    assert (out["state"], out["rows"], out["delivered"], out["rejected"]) == ("rejected", 6, 0, 5)
    found = {(p["line"], p["field"], p["rule"]): p for p in out["problems"]}
    assert set(found) == {
        (3, "routing", "routing_check_digit"),
        (4, "amount_cents", "integer"),
        (5, "name", "nacha_width"),
        (6, "dfi_account", "digits"),
        (7, "payment_id", "duplicate"),
    }
    assert found[(3, "routing", "routing_check_digit")]["value"] == "*****0105"
    assert found[(4, "amount_cents", "integer")]["value"] == "12.50"
    assert "29 characters" in found[(5, "name", "nacha_width")]["message"]
    assert found[(6, "dfi_account", "digits")]["value"] == "*****1234"
    assert "line 2" in found[(7, "payment_id", "duplicate")]["message"]
    assert not (workdir.root / "outbox" / "ach").exists() or not placed(workdir.root / "outbox" / "ach")
    assert originated_rows(workdir.root) == []

    reports = "".join(Path(p).read_text() for p in out["reports"])
    shown = workdir.hub("show", str(out["id"]), "--json")
    for secret in (bad_routing, "4000-1234", "BARTHOLOMEW", row(2)["dfi_account"]):
        assert secret not in reports and secret not in shown.stdout
    assert {(p["line"], p["rule"]) for p in shown.json()["problems"]} == {(k[0], k[2]) for k in found}

    # the clerk corrects the file and reprocesses it in place of the rejected one
    fixed = extract([row(1), row(2), row(3), row(4, name="B MONTGOMERY-SMYTHE"), row(5), row(6)])
    res = workdir.hub("reprocess", str(out["id"]), "--with", workdir.write("fixed.csv", fixed), "--json")
    assert res.code == 0, res.stdout
    assert (res.json()["state"], res.json()["delivered"]) == ("delivered", 6)


def test_accept_valid_rows_sends_the_good_debits_and_reports_the_bad(workdir: Workdir) -> None:
    configure(workdir, row_policy="accept-valid-rows")
    code, out = originate(workdir, "autopay.csv", extract([row(1), row(2, amount_cents=0), row(3)]))

    assert code == 1  # rows were rejected
    assert (out["state"], out["delivered"], out["rejected"]) == ("delivered", 2, 1)
    assert [(p["line"], p["rule"]) for p in out["problems"]] == [(3, "positive")]
    [nacha] = placed(workdir.root / "outbox" / "ach").values()
    assert nacha.entries.height == 2 and nacha.debit_cents == row(1)["amount_cents"] + row(3)["amount_cents"]


def test_the_cycle_takes_extracts_from_the_drop_folder(workdir: Workdir) -> None:
    workdir.write("inbox/ach-debits/autopay-20261123.csv", extract([row(1), row(2)]))
    workdir.write("inbox/ach-debits/notes.txt", b"not an extract")
    res = workdir.hub("cycle", "-x", "ach-debits", "--json")

    assert res.code == 0, res.stdout
    [out] = res.json()
    assert (out["name"], out["state"], out["delivered"]) == ("autopay-20261123.csv", "delivered", 2)
    assert len(placed(workdir.root / "outbox" / "ach")) == 1
    inbox = workdir.root / "inbox" / "ach-debits"
    assert sorted(p.name for p in inbox.iterdir()) == ["archive", "notes.txt"]


def test_a_push_that_fails_is_resumed_with_the_same_file_never_a_second_origination(
    workdir: Workdir,
) -> None:
    from datetime import UTC, datetime

    # a file of the same name that nobody collected: never overwritten, so the push fails
    name = f"ach-debits-{datetime.now(UTC):%Y%m%d}-A-f1.ach"
    obstacle = workdir.write(f"outbox/ach/{name}", b"yesterday's file, not collected")
    data = extract([row(1), row(2)])
    failed = workdir.hub("originate", workdir.write("autopay.csv", data), "-x", "ach-debits", "--json")

    assert failed.code == 1, failed  # a file in the way is not a reason that passes by waiting
    outcome = failed.json()
    assert outcome["state"] == "failed" and not outcome["retryable"]
    assert "not overwritten" in outcome["problems"][0]["message"]
    assert obstacle.read_bytes() == b"yesterday's file, not collected"
    [record] = workdir.hub("files", "--json").json()["files"]
    assert (record["state"], record["delivered"]) == ("mapped", 0)
    first = originated_rows(workdir.root)
    assert len(first) == 2

    obstacle.unlink()
    code, done = originate(workdir, "autopay.csv", data)
    assert code == 0, done
    assert (done["id"], done["state"], done["delivered"], done["batch_id"]) == (1, "delivered", 2, name)
    assert originated_rows(workdir.root) == first  # the same traces: nothing originated twice
    kept = workdir.root / "var" / "outbound" / "ach-debits" / "f1" / name
    assert (workdir.root / "outbox" / "ach" / name).read_bytes() == kept.read_bytes()

    again = workdir.hub("reprocess", "1", "--json")
    assert (again.code, again.json()["delivered"], again.json()["already_delivered"]) == (0, 0, 2)
    assert len(placed(workdir.root / "outbox" / "ach")) == 1


def test_a_push_that_completed_unrecorded_is_not_sent_again(workdir: Workdir) -> None:
    from datetime import UTC, datetime

    name = f"ach-debits-{datetime.now(UTC):%Y%m%d}-A-f1.ach"
    obstacle = workdir.write(f"outbox/ach/{name}", b"in the way")
    data = extract([row(1)])
    assert workdir.hub("originate", workdir.write("autopay.csv", data), "-x", "ach-debits").code == 1
    kept = workdir.root / "var" / "outbound" / "ach-debits" / "f1" / name
    obstacle.write_bytes(kept.read_bytes())  # as if the push had completed just before a crash
    before = obstacle.stat().st_mtime_ns

    code, done = originate(workdir, "autopay.csv", data)
    assert (code, done["state"], done["delivered"]) == (0, "delivered", 1)
    assert obstacle.stat().st_mtime_ns == before  # found in place, not written again


def test_a_return_of_an_originated_debit_names_the_payment_and_account(workdir: Workdir) -> None:
    from datetime import UTC, datetime

    from formats.nacha_writer import Batch, Entry, NachaSpec, write_file

    debits = [row(1), row(2)]
    assert originate(workdir, "autopay.csv", extract(debits))[0] == 0
    sent = {r["payment_id"]: r for r in originated_rows(workdir.root)}
    original = sent["P-00002"]

    returned = Entry(
        transaction_code=26,  # return of a checking debit
        routing="091000019",  # back to the utility's bank
        dfi_account=row(2)["dfi_account"],
        amount_cents=original["amount_cents"],
        individual_id="",  # the bank left it blank: the account can only come from the ledger
        individual_name=row(2)["name"],
        addenda=[
            {
                "addenda_type": "99",
                "return_code": "R01",
                "original_trace": original["trace"],
                "original_rdfi": CUSTOMER_BANK[:8],
            }
        ],
    )
    batch = Batch(
        company_name="CITY UTILITY",
        company_id="1234567890",
        sec_code="PPD",
        entry_description="AUTOPAY",
        effective_date=soon(1),
        odfi=CUSTOMER_BANK[:8],
        entries=[returned],
    )
    spec = NachaSpec(
        immediate_destination="091000019",
        immediate_origin=CUSTOMER_BANK,
        destination_name="FIRST UTILITY BANK",
        origin_name="CUSTOMER BANK",
        created=datetime.now(UTC),
        batches=[batch],
    )
    res = workdir.hub(
        "process", workdir.write("returns.ach", write_file(spec)), "-x", "ach-returns", "--json"
    )
    assert res.code == 0, res.stdout
    assert res.json()["transactions"] == {"PaymentReversal": 1, "AccountChangeNotice": 0}

    [path] = sorted(workdir.cis.glob("*.PaymentReversal.csv"))
    [reversal] = list(csv.DictReader(io.StringIO(path.read_text())))
    assert reversal["original_payment_id"] == "P-00002"
    assert reversal["account"] == row(2)["account"]
    assert reversal["original_trace"] == original["trace"]
    assert reversal["return_code"] == "R01" and int(reversal["amount_cents"]) == original["amount_cents"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"originator": None}, "exchanges.ach-debits.originator: required for kind ach-debits"),
        (
            {"originator": {"company_name": "CITY OF SPRINGFIELD UTILITIES"}},
            "exchanges.ach-debits.originator.company_name: String should have at most 16 characters",
        ),
        (
            {"originator": {"immediate_destination": "091000018"}},
            "exchanges.ach-debits.originator.immediate_destination: must be a 9-digit routing number",
        ),
        ({"originator": {"odfi": "0910001"}}, "exchanges.ach-debits.originator.odfi"),
        (
            {"destination": {"type": "cis-folder"}},
            "exchanges.ach-debits.destination.type: kind ach-debits writes a NACHA file",
        ),
        (
            {"destination": {"type": "folder", "file_name": "../escape-{file_id}.ach"}},
            "exchanges.ach-debits.destination.folder.file_name",
        ),
        (
            {"destination": {"type": "folder", "file_name": "{date}.ach"}},
            "not a usable name template",
        ),
    ],
)
def test_origination_config_mistakes_are_reported_with_their_key_path(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    ex = config["exchanges"]["ach-debits"]
    for key, value in change.items():
        if value is None:
            del ex[key]
        elif key == "originator":
            ex[key].update(value)
        else:
            ex[key] = value
    with pytest.raises(ConfigError) as err:
        parse_config(config, root=tmp_path)
    assert expected in str(err.value)


def test_inbound_exchanges_keep_cis_destinations_and_outbound_defaults_apply(tmp_path: Path) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["meter-reads"]["destination"] = {"type": "folder"}
    with pytest.raises(ConfigError, match=r"meter-reads\.destination\.type: kind meter-reads delivers CIS"):
        parse_config(config, root=tmp_path)

    minimal = {key: value for key, value in config["exchanges"]["ach-debits"].items() if key != "destination"}
    del minimal["source"]
    settings = parse_config({"exchanges": {"autopay": minimal}}, root=tmp_path)
    ex = settings.exchange("autopay")
    assert ex.source_path == tmp_path / "inbox" / "autopay"
    assert ex.config.source.pattern == "*.csv"
    assert ex.destination_path == tmp_path / "outbox" / "ach"

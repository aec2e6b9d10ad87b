"""The ach-returns exchange end to end through the real ``hub`` command: a bank's returns file becomes
a CIS batch of PaymentReversal / AccountChangeNotice rows with right control totals; returns resent
in another file post nothing twice; a control-total error rejects the file with a precise report; a
return names the debit the hub originated; bank account numbers and corrected data reach the CIS
data file only."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from conftest import Workdir

from formats.nacha_layout import BATCH_CONTROL
from hub.engine.config import DEFAULT_CONFIG
from hub.engine.sample_ach import AchItem, ach_returns_nacha
from hub.ledger import Ledger

CREATED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
UTILITY_ODFI = "09100001"
SECRET_ACCOUNT = "98765432101"  # the customer's bank account on the returned debit
SECRET_CORRECTION = "44455566677"  # the corrected account number of a notice


def trace(n: int) -> str:
    return f"{UTILITY_ODFI}{n:07d}"


ITEMS = [
    AchItem("R01", "0001000131", 12_345, trace(1), dfi_account=SECRET_ACCOUNT),
    AchItem("R02", "0001000138", 8_000, trace(2)),
    AchItem("R97", "0001000145", 4_150, trace(3)),
    AchItem("C01", "0001000152", 0, trace(4), corrected_data=SECRET_CORRECTION),
]


def returns_file(items: list[AchItem] = ITEMS, created: datetime = CREATED, iat: bool = False) -> bytes:
    return ach_returns_nacha(items, created=created, effective=date(2026, 11, 20), iat=iat)


def process(workdir: Workdir, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("process", workdir.write(name, data), "-x", "ach-returns", "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def rows(workdir: Workdir, txn_type: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob(f"*.{txn_type}.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def configure(workdir: Workdir, format_options: dict[str, Any] | None = None, **mapping_options: Any) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["ach-returns"]["format_options"].update(format_options or {})
    config["exchanges"]["ach-returns"]["mapping_options"].update(mapping_options)
    config["exchanges"]["ach-returns"]["watch"] = True
    workdir.set_config(yaml.safe_dump(config))


def delivered_as_the_policy_says(workdir: Workdir) -> tuple[dict[str, str], dict[str, str]]:
    """The reversals and the notice of ITEMS as delivered: keys, accounts, the policy's follow-ups and
    review by code; the R01 and the notice, for more."""
    reversals = {r["return_code"]: r for r in rows(workdir, "PaymentReversal")}
    r01, r02, r97 = reversals["R01"], reversals["R02"], reversals["R97"]
    assert r01["idempotency_key"] == f"R|231380100000001|{trace(1)}"
    assert (r01["account"], r01["amount_cents"], r01["fee_cents"], r01["count_toward_limit"]) == (
        "0001000131",
        "12345",
        "2500",
        "true",
    )
    assert (r02["stop_autopay"], r02["letter"]) == ("true", "autopay-stopped")
    assert (r97["review"], r97["review_reason"]) == ("true", "return code R97 is not in the NACHA rules")
    [notice] = rows(workdir, "AccountChangeNotice")
    assert (notice["change_code"], notice["corrected_account"]) == ("C01", SECRET_CORRECTION)
    return r01, notice


def test_a_returns_file_is_delivered_as_a_cis_batch_with_right_control_totals(workdir: Workdir) -> None:
    data = returns_file()
    code, out = process(workdir, "RET20261120.ach", data)
    assert code == 0, out
    assert (out["state"], out["rows"], out["delivered"], out["rejected"]) == ("delivered", 4, 4, 0)
    assert out["transactions"] == {"PaymentReversal": 3, "AccountChangeNotice": 1}

    [control] = workdir.controls()
    assert control["exchange"] == "ach-returns" and control["transactions"] == 4
    assert control["source"]["sha256"] == hashlib.sha256(data).hexdigest()
    files = {f["type"]: f for f in control["files"]}
    for entry in control["files"]:
        body = (workdir.cis / entry["name"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
        found = list(csv.DictReader(io.StringIO(body.decode())))
        assert len(found) == entry["count"]
        for field, total in entry["totals"].items():
            assert sum(int(r[field]) for r in found) == total
    assert files["PaymentReversal"]["totals"] == {"amount_cents": 24_495, "fee_cents": 2500}
    assert files["AccountChangeNotice"]["totals"] == {}

    r01, _ = delivered_as_the_policy_says(workdir)
    assert (r01["effective_date"], r01["review"], r01["source_line"]) == ("2026-11-20", "false", "3")


def test_warnings_are_shown_but_do_not_reject(workdir: Workdir) -> None:
    code, out = process(workdir, "returns.ach", returns_file())
    assert (code, out["state"], out["delivered"]) == (0, "delivered", 4)
    [warning] = out["problems"]
    assert (warning["rule"], warning["severity"], warning["line"], warning["positions"]) == (
        "return-code",
        "warning",
        8,
        "4-6",
    )
    shown = workdir.hub("show", str(out["id"]), "--json").json()
    assert shown["state"] == "delivered"
    assert [(p["rule"], p["severity"]) for p in shown["problems"]] == [("return-code", "warning")]
    human = workdir.hub("show", str(out["id"]))
    assert human.code == 0 and "R97" in human.stdout and "return-code" in human.stdout


def test_the_same_returns_resent_in_another_file_deliver_nothing_new(workdir: Workdir) -> None:
    first_code, first = process(workdir, "RET20261120.ach", returns_file())
    resent = returns_file(created=datetime(2026, 11, 21, 6, 5, tzinfo=UTC))
    assert hashlib.sha256(resent).digest() != hashlib.sha256(returns_file()).digest()
    code, again = process(workdir, "RET20261121-resend.ach", resent)
    assert (first_code, code) == (0, 0)
    assert again["state"] == "delivered" and again["id"] != first["id"]
    assert (again["delivered"], again["already_delivered"], again["batch_id"]) == (0, 4, None)
    assert len(workdir.controls()) == 1
    assert len(rows(workdir, "PaymentReversal")) == 3 and len(rows(workdir, "AccountChangeNotice")) == 1

    # A file carrying one new return alongside the old ones delivers the new one only.
    more = [*ITEMS, AchItem("R03", "0001000159", 7_700, trace(5))]
    code, mixed = process(
        workdir, "RET20261122.ach", returns_file(more, datetime(2026, 11, 22, 6, tzinfo=UTC))
    )
    assert (code, mixed["delivered"], mixed["already_delivered"]) == (0, 1, 4)
    assert [r["return_code"] for r in rows(workdir, "PaymentReversal")].count("R01") == 1


def test_a_control_total_error_rejects_the_file_with_line_positions_and_rule(workdir: Workdir) -> None:
    lines = returns_file().decode().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("8"))
    debit = BATCH_CONTROL["total_debit"]
    stated = int(debit.cut(lines[at])) + 100
    lines[at] = lines[at][: debit.start - 1] + f"{stated:012d}" + lines[at][debit.end :]
    code, out = process(workdir, "bad-total.ach", ("\n".join(lines) + "\n").encode())
    assert code == 1 and out["state"] == "rejected" and out["delivered"] == 0
    errors = [p for p in out["problems"] if p["severity"] == "error"]
    [total] = [p for p in errors if p["field"] == "total_debit" and p["line"] == at + 1]
    assert (total["line"], total["positions"], total["rule"], total["level"]) == (
        at + 1,
        "21-32",
        "batch-control",
        "file",
    )
    assert str(stated) in total["message"]
    assert not workdir.cis.exists() or not list(workdir.cis.iterdir()), "nothing delivered"

    csv_report, json_report = sorted(out["reports"])
    report = list(csv.DictReader(io.StringIO(Path(csv_report).read_text())))
    assert {(r["line"], r["positions"], r["rule"]) for r in report} >= {
        (str(at + 1), "21-32", "batch-control")
    }
    assert json.loads(Path(json_report).read_text())["problems"] == out["problems"]
    shown = workdir.hub("show", str(out["id"]), "--json").json()
    assert shown["state"] == "rejected" and "batch-control" in {p["rule"] for p in shown["problems"]}


def seed_originated(workdir: Workdir, entries: list[dict[str, Any]]) -> None:
    """Record debits as if the hub had originated them (an earlier ach-debits file)."""
    ledger = Ledger.open(f"sqlite:///{workdir.root / 'var' / 'hub.db'}")
    try:
        file_id = ledger.add_file(
            exchange="ach-debits",
            name="debits-20261115.ach",
            sha256="0" * 64,
            size=940,
            source="(test)",
            state="delivered",
            landed_path=str(workdir.root / "var" / "landed" / ("0" * 64)),
        )
        with ledger.tx() as conn:
            ledger.record_originated(conn, exchange="ach-debits", file_id=file_id, entries=entries)
    finally:
        ledger.close()


def test_a_return_of_an_originated_debit_names_the_payment_and_account(workdir: Workdir) -> None:
    configure(workdir, expect_originals=True)
    debit = {"transaction_code": 27, "effective_date": date(2026, 11, 16)}
    seed_originated(
        workdir,
        [
            {
                **debit,
                "trace": trace(1),
                "payment_id": "AP-2026-0001",
                "account": "ACCT-77",
                "amount_cents": 12_345,
            },
            {
                **debit,
                "trace": trace(2),
                "payment_id": "AP-2026-0002",
                "account": "ACCT-78",
                "amount_cents": 9_000,
            },
        ],
    )
    code, out = process(workdir, "returns.ach", returns_file())
    assert code == 0 and out["delivered"] == 4
    reversals = {r["return_code"]: r for r in rows(workdir, "PaymentReversal")}
    r01, r02, r97 = reversals["R01"], reversals["R02"], reversals["R97"]
    assert (r01["original_payment_id"], r01["account"], r01["review"]) == ("AP-2026-0001", "ACCT-77", "false")
    assert (r02["original_payment_id"], r02["review"]) == ("AP-2026-0002", "true")
    assert (
        r02["review_reason"]
        == "amount 80.00 differs from the originated debit's 90.00 (payment AP-2026-0002)"
    )
    assert r97["original_payment_id"] == "" and r97["account"] == "0001000145"
    assert r97["review_reason"] == (
        "return code R97 is not in the NACHA rules; "
        f"no debit the hub originated has the original trace {trace(3)}"
    )


def test_bank_accounts_and_corrected_data_reach_the_cis_data_file_only(workdir: Workdir) -> None:
    configure(workdir)
    (workdir.root / "inbox" / "ach-returns").mkdir(parents=True)
    workdir.write("inbox/ach-returns/returns.ach", returns_file())
    run = workdir.hub("run", "--once", "--json", "--log-format", "json")
    assert run.code == 0, run.stderr
    [delivered] = [o for o in run.json() if o["state"] != "skipped"]
    assert delivered["state"] == "delivered" and delivered["problems"], "the R97 warning is reported"

    lines = returns_file().decode().splitlines()
    lines[1] = lines[1].replace("UTIL PYMT ", "UTIL PYMT\x01")  # a non-printable byte: a file-level error
    code, rejected = process(workdir, "broken.ach", ("\n".join(lines) + "\n").encode())
    assert code == 1 and rejected["state"] == "rejected"

    seen = [run.stdout, run.stderr]
    for file_id in (delivered["id"], rejected["id"]):
        seen += [workdir.hub("show", str(file_id), "--json").stdout, workdir.hub("show", str(file_id)).stdout]
    seen += [Path(p).read_text() for p in (*delivered["reports"], *rejected["reports"])]
    seen += [json.dumps(rejected), workdir.hub("files", "--json").stdout]
    assert all(SECRET_ACCOUNT not in text and SECRET_CORRECTION not in text for text in seen)

    [notice] = rows(workdir, "AccountChangeNotice")
    [r01] = [r for r in rows(workdir, "PaymentReversal") if r["return_code"] == "R01"]
    assert (notice["corrected_data"], notice["corrected_account"]) == (SECRET_CORRECTION, SECRET_CORRECTION)
    assert r01["dfi_account"] == SECRET_ACCOUNT


def test_a_forward_entry_in_a_returns_file_rejects_it_with_the_line(workdir: Workdir) -> None:
    code, out = process(
        workdir, "outbound.ach", returns_file([*ITEMS[:1], AchItem(None, "0001000999", 5_000)])
    )
    assert code == 1 and out["state"] == "rejected" and out["delivered"] == 0
    [problem] = [p for p in out["problems"] if p["rule"] == "mapping"]
    assert "on line(s) 5" in problem["message"] and "neither a return" in problem["message"]
    assert not workdir.cis.exists() or not list(workdir.cis.iterdir())


def warned(out: dict[str, Any]) -> list[tuple[str, str, int | None, str | None]]:
    return [(p["rule"], p["severity"], p["line"], p["positions"]) for p in out["problems"]]


def test_blank_lines_at_the_end_are_a_warning_unless_not_tolerated(workdir: Workdir) -> None:
    data = returns_file()
    assert data.count(b"\n") == 20, "a file control and 9-padding to 20 records"
    code, out = process(workdir, "returns-blank-end.ach", data + b"\n  \n")
    assert (code, out["state"], out["delivered"]) == (0, "delivered", 4)
    assert warned(out) == [("return-code", "warning", 8, "4-6"), ("blank-line", "warning", 21, None)]
    [blank] = [p for p in out["problems"] if p["rule"] == "blank-line"]
    assert blank["message"] == "2 blank lines after the last record (lines 21-22); skipped"

    configure(workdir, format_options={"tolerate_trailing_blank_lines": False})
    code, strict = process(workdir, "returns-blank-end-strict.ach", data + b"\n")
    assert (code, strict["state"], strict["delivered"]) == (1, "rejected", 0)
    assert [(p["rule"], p["line"]) for p in strict["problems"] if p["severity"] == "error"] == [
        ("blank-line", 21)
    ]


def with_company_ids(header: str, control: str) -> bytes:
    """The returns file with these company ids in its batch header (41-50) and control (45-54)."""
    lines = returns_file().decode().splitlines()
    lines[1] = lines[1][:40] + header + lines[1][50:]
    lines[10] = lines[10][:44] + control + lines[10][54:]
    assert lines[10].startswith("8")
    return ("\n".join(lines) + "\n").encode()


def test_a_batch_control_company_id_padded_otherwise_is_a_warning_any_other_difference_an_error(
    workdir: Workdir,
) -> None:
    code, out = process(workdir, "padded.ach", with_company_ids("123456789 ", " 123456789"))
    assert (code, out["state"], out["delivered"]) == (0, "delivered", 4)
    assert warned(out) == [
        ("return-code", "warning", 8, "4-6"),
        ("batch-control-match", "warning", 11, "45-54"),
    ]
    [padded] = [p for p in out["problems"] if p["rule"] == "batch-control-match"]
    assert (padded["field"], padded["value"]) == ("company_id", " 123456789")
    assert "'123456789 ' (line 2) only by blanks; tolerated" in padded["message"]

    code, zeros = process(workdir, "zero-filled.ach", with_company_ids("123456789 ", "0123456789"))
    assert (code, zeros["state"], zeros["delivered"]) == (1, "rejected", 0)
    [wrong] = [p for p in zeros["problems"] if p["severity"] == "error"]
    assert (wrong["rule"], wrong["line"], wrong["positions"], wrong["field"]) == (
        "batch-control-match",
        11,
        "45-54",
        "company_id",
    )
    assert "'0123456789'" in wrong["message"] and "'123456789 '" in wrong["message"]


# -- IAT: international returns and notifications of change ---------------------------------------------

RECEIVER = "JOSEFINE TREMBLAY"  # the receiver's name in addenda 10: sensitive, never in any output
FOREIGN_ACCOUNT = "CA4412345678901234567890123456"  # the foreign account: in the CIS data file only
IAT_ITEMS = [
    AchItem("R01", "0001000131", 12_345, trace(1), dfi_account=FOREIGN_ACCOUNT, name=RECEIVER),
    AchItem("R02", "0001000138", 8_000, trace(2), name=RECEIVER),
    AchItem("R97", "0001000145", 4_150, trace(3), name=RECEIVER),
    AchItem("C01", "0001000152", 0, trace(4), corrected_data=SECRET_CORRECTION, name=RECEIVER),
]


def test_an_iat_returns_file_is_delivered_like_a_domestic_one_with_the_same_keys(workdir: Workdir) -> None:
    data = returns_file(IAT_ITEMS, iat=True)
    code, out = process(workdir, "IAT20261120.ach", data)
    assert code == 0, out
    assert (out["state"], out["rows"], out["delivered"], out["rejected"]) == ("delivered", 4, 4, 0)
    assert out["transactions"] == {"PaymentReversal": 3, "AccountChangeNotice": 1}
    # the R97's addenda 99 follows its entry (line 21) and its seven IAT addenda
    assert warned(out) == [("return-code", "warning", 29, "4-6")]
    [control] = workdir.controls()
    files = {f["type"]: f for f in control["files"]}
    assert files["PaymentReversal"]["totals"] == {"amount_cents": 24_495, "fee_cents": 2500}

    r01, notice = delivered_as_the_policy_says(workdir)
    assert (r01["dfi_account"], r01["routing"], r01["source_line"]) == (FOREIGN_ACCOUNT, "091000019", "3")
    assert (notice["account"], notice["idempotency_key"]) == ("0001000152", f"C|231380100000004|{trace(4)}")

    shown = [json.dumps(out), workdir.hub("show", str(out["id"]), "--json").stdout]
    shown += [workdir.hub("show", str(out["id"])).stdout, *(Path(p).read_text() for p in out["reports"])]
    delivered = [p.read_text() for p in workdir.cis.iterdir()]
    assert all(RECEIVER not in text for text in shown + delivered)
    assert all(FOREIGN_ACCOUNT not in text for text in shown)

    # The same returns in a domestic file carry the same keys: nothing is posted twice.
    code, again = process(workdir, "RET20261120.ach", returns_file(ITEMS))
    assert (code, again["delivered"], again["already_delivered"]) == (0, 0, 4)


def test_an_iat_entry_with_its_addenda_out_of_order_rejects_the_file_naming_line_and_positions(
    workdir: Workdir,
) -> None:
    lines = returns_file(IAT_ITEMS, iat=True).decode().splitlines()
    assert (lines[4][:3], lines[5][:3]) == ("711", "712")
    lines[4], lines[5] = lines[5], lines[4]  # addenda 12 before 11
    code, out = process(workdir, "iat-order.ach", ("\n".join(lines) + "\n").encode())
    assert (code, out["state"], out["delivered"]) == (1, "rejected", 0)
    [problem] = [p for p in out["problems"] if p["severity"] == "error"]
    assert (problem["rule"], problem["line"], problem["positions"], problem["field"], problem["value"]) == (
        "iat-addenda",
        5,
        "2-3",
        "addenda_type",
        "12",
    )
    assert problem["message"].startswith("addenda 12 where addenda 11 must come")
    assert not workdir.cis.exists() or not list(workdir.cis.iterdir())


def test_an_iat_forward_entry_in_a_returns_file_rejects_it_with_the_line(workdir: Workdir) -> None:
    items = [IAT_ITEMS[0], AchItem(None, "0001000999", 5_000, name=RECEIVER)]
    code, out = process(workdir, "iat-outbound.ach", returns_file(items, iat=True))
    assert code == 1 and out["state"] == "rejected" and out["delivered"] == 0
    [problem] = [p for p in out["problems"] if p["rule"] == "mapping"]
    assert "on line(s) 12" in problem["message"] and "neither a return" in problem["message"]
    assert not workdir.cis.exists() or not list(workdir.cis.iterdir())

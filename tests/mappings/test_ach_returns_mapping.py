"""NACHA returns and NOCs -> PaymentReversal / AccountChangeNotice: the policy table's follow-ups,
review flags, corrected data, deterministic keys and matching against the originated debits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

from formats.base import ReadContext
from formats.nacha import NachaFormat, NachaOptions
from hub.engine.sample_ach import AchItem, ach_returns_nacha
from hub.kernel.errors import MappingError
from hub.kernel.lookups import NO_LOOKUPS
from mappings import get_kind
from mappings.ach_returns import AccountChangeNotice, AchReturnsMapping, AchReturnsMappingOptions
from mappings.base import MapContext
from mappings.payments import PaymentReversal
from tests.lookups import Answers

CREATED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
ORIGINAL = "091000010000001"


def item(code: str | None, **fields: Any) -> AchItem:
    values: dict[str, Any] = {"account": "0012345", "amount_cents": 12_345, "original_trace": ORIGINAL}
    return AchItem(code, **{**values, **fields})


def table(items: list[AchItem], created: datetime = CREATED, iat: bool = False) -> pl.DataFrame:
    data = ach_returns_nacha(items, created=created, effective=date(2026, 11, 20), iat=iat)
    fmt = NachaFormat(NachaOptions())
    ctx = ReadContext("returns.ach", CREATED)
    valid = fmt.validate(fmt.read(data, ctx), ctx)
    assert not [p for p in valid.problems if p.severity == "error"], valid.problems
    return valid.table


def mapped(
    items: list[AchItem],
    originals: Answers | None = None,
    created: datetime = CREATED,
    iat: bool = False,
    **options: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out = AchReturnsMapping(AchReturnsMappingOptions(**options)).map(
        table(items, created, iat), MapContext("returns.ach", lookup=originals or NO_LOOKUPS)
    )
    assert set(out) == {"PaymentReversal", "AccountChangeNotice"}
    reversals = out["PaymentReversal"].to_dicts()
    notices = out["AccountChangeNotice"].to_dicts()
    for r in reversals:
        PaymentReversal.model_validate({k: r[k] for k in PaymentReversal.model_fields})
    for n in notices:
        AccountChangeNotice.model_validate({k: n[k] for k in AccountChangeNotice.model_fields})
    return reversals, notices


def reversal(code: str, **options: Any) -> dict[str, Any]:
    [r], [] = mapped([item(code)], **options)
    return r


def test_registered_as_the_ach_returns_kind_reading_nacha() -> None:
    mapping = get_kind("ach-returns")
    assert mapping is AchReturnsMapping
    assert (mapping.default_format, mapping.lookups) == ("nacha", {"originated_entries"})
    assert mapping.produces == (PaymentReversal, AccountChangeNotice)


def test_insufficient_funds_reverses_with_the_fee_and_counts_toward_the_limit() -> None:
    r = reversal("R01")
    assert (r["amount_cents"], r["return_code"], r["return_reason"]) == (12_345, "R01", "insufficient funds")
    assert (r["fee_cents"], r["count_toward_limit"], r["stop_autopay"]) == (2500, True, False)
    assert r["letter"] == "returned-payment"
    assert (r["review"], r["review_reason"]) == (False, None)
    assert r["account"] == "0012345" and r["original_payment_id"] is None
    assert r["original_trace"] == ORIGINAL and r["return_trace"] == "231380100000001"
    assert r["effective_date"] == date(2026, 11, 20)
    assert (r["routing"], r["dfi_account"]) == ("091000019", "000123456789")
    assert r["source_line"] == 3
    assert reversal("R09")["fee_cents"] == 2500
    assert reversal("R01", returned_payment_fee_cents=3500)["fee_cents"] == 3500


@pytest.mark.parametrize("code", ["R02", "R03", "R04", "R07", "R10", "R16", "R20"])
def test_closed_or_unauthorised_accounts_reverse_and_stop_autopay(code: str) -> None:
    r = reversal(code)
    assert (r["stop_autopay"], r["fee_cents"], r["count_toward_limit"]) == (True, 0, False)
    assert r["letter"] == "autopay-stopped" and r["review"] is False


def test_a_configured_policy_replaces_the_table() -> None:
    policy = {"R01": {"fee_cents": 1000, "stop_autopay": True, "letter": "nsf-final"}}
    r = reversal("R01", policy=policy)
    assert (r["fee_cents"], r["stop_autopay"], r["count_toward_limit"], r["letter"]) == (
        1000,
        True,
        False,
        "nsf-final",
    )
    closed = reversal("R02", policy=policy)
    assert closed["review"] is True and closed["stop_autopay"] is False
    with pytest.raises(ValidationError, match="R97: not NACHA return code"):
        AchReturnsMappingOptions.model_validate({"policy": {"R97": {}}})


def test_a_code_not_in_the_policy_table_is_reversed_and_flagged() -> None:
    r = reversal("R08")
    assert r["review"] is True and r["amount_cents"] == 12_345
    assert (
        r["review_reason"] == "return code R08 (payment stopped) has no follow-up in mapping_options.policy"
    )
    assert (r["fee_cents"], r["stop_autopay"], r["count_toward_limit"], r["letter"]) == (
        0,
        False,
        False,
        None,
    )


def test_a_code_unknown_to_the_nacha_rules_is_kept_and_flagged() -> None:
    r = reversal("R97")
    assert (r["return_code"], r["return_reason"], r["review"]) == ("R97", None, True)
    assert r["review_reason"] == "return code R97 is not in the NACHA rules"


def test_dishonored_and_contested_returns_go_to_review() -> None:
    returned = {"return_trace": "231380100000077", "return_reason_code": "01"}
    contested = {**returned, "date_original_returned": "261118", "dishonored_return_trace": ORIGINAL}
    for code, fields, kind in (
        ("R68", returned, "dishonored return R68 (untimely return)"),
        ("R73", {**contested, "dishonored_return_reason_code": "68"}, "contested dishonored return R73"),
    ):
        [r], [] = mapped([item(code, addenda_fields=fields)])
        assert r["review"] is True and r["review_reason"].startswith(kind), r["review_reason"]


def test_a_returned_credit_and_a_returned_prenote_go_to_review() -> None:
    [credit], [] = mapped([item("R01", transaction_code=21)])
    assert "returns a credit the utility sent (transaction code 21)" in credit["review_reason"]
    [prenote], [] = mapped([item("R03", amount_cents=0)])
    assert "zero-amount return" in prenote["review_reason"]


@pytest.mark.parametrize(
    ("code", "corrected", "routing", "account", "tc"),
    [
        ("C01", "1918171614", None, "1918171614", None),
        ("C02", "021000021", "021000021", None, None),
        ("C03", "021000021   55555555", "021000021", "55555555", None),
        ("C05", "32", None, None, 32),
        ("C06", "12345678901234567   37", None, "12345678901234567", 37),
        ("C07", "02100002112345678901234567" + "27", "021000021", "12345678901234567", 27),
    ],
)
def test_notices_carry_the_full_corrected_data_and_its_parsed_parts(
    code: str, corrected: str, routing: str | None, account: str | None, tc: int | None
) -> None:
    [], [n] = mapped([item(code, amount_cents=0, corrected_data=corrected)])
    assert (n["change_code"], n["corrected_data"]) == (code, corrected)
    assert (n["corrected_routing"], n["corrected_account"], n["corrected_transaction_code"]) == (
        routing,
        account,
        tc,
    )
    assert n["review"] is False and n["change_reason"]
    assert n["idempotency_key"] == f"C|231380100000001|{ORIGINAL}"


def test_notices_that_cannot_be_applied_as_given_go_to_review() -> None:
    cases = {
        "C02": ("021000022", "corrected routing number is not 9 digits with a valid check digit"),
        "C03": ("021000021", "corrected account number is blank"),
        "C05": ("99", "corrected transaction code is not a NACHA transaction code"),
        "C13": ("1", "corrects the utility's own origination"),
        "C61": ("091000010000001", "refused notification of change C61"),
        "C99": ("X", "change code C99 is not in the NACHA rules"),
    }
    _, notices = mapped([item(c, amount_cents=0, corrected_data=d) for c, (d, _) in cases.items()])
    for n in notices:
        assert n["review"] is True and cases[n["change_code"]][1] in n["review_reason"], n


def test_keys_are_the_return_trace_and_the_original_trace_whatever_the_file() -> None:
    items = [item("R01"), item("R02", original_trace="091000010000002")]
    resent = datetime(2026, 11, 21, 7, tzinfo=UTC)
    assert ach_returns_nacha(items, created=resent) != ach_returns_nacha(items, created=CREATED)
    first, _ = mapped(items)
    second, _ = mapped(items, created=resent)
    keys = [r["idempotency_key"] for r in first]
    assert keys == [f"R|231380100000001|{ORIGINAL}", "R|231380100000002|091000010000002"]
    assert keys == [r["idempotency_key"] for r in second]


def test_a_forward_entry_rejects_the_file_naming_its_line() -> None:
    with pytest.raises(MappingError, match=r"1 entry is neither a return .* on line\(s\) 5"):
        mapped([item("R01"), item(None)])


def test_the_same_return_twice_in_a_file_is_refused() -> None:
    frame = table([item("R01")])
    twice = pl.concat([frame, frame.with_columns(pl.col("_line") + 10)])
    with pytest.raises(MappingError, match="lines 3, 13 carry the same return"):
        AchReturnsMapping(AchReturnsMappingOptions()).map(twice, MapContext("returns.ach"))


def Originals(known: dict[str, dict[str, Any]]) -> Answers:
    """The debits the hub originated, by trace, as the ``originated_entries`` look-up answers."""
    return Answers(originated_entries=[{"trace": trace, **debit} for trace, debit in known.items()])


DEBIT = {"payment_id": "PAY-881", "account": "ACCT-0042", "amount_cents": 12_345}


def test_a_matched_return_names_the_payment_and_the_account_with_one_look_up() -> None:
    originals = Originals({ORIGINAL: DEBIT})
    other = "091000010000009"
    items = [item("R01"), item("C01", amount_cents=0, corrected_data="777", original_trace=other)]
    [r], [n] = mapped(items, originals=originals, expect_originals=True)
    assert originals.asked == [("originated_entries", sorted([ORIGINAL, other]), {})]
    assert (r["original_payment_id"], r["account"], r["review"]) == ("PAY-881", "ACCT-0042", False)
    assert n["review"] is True and n["account"] == "0012345"
    assert n["review_reason"] == f"no debit the hub originated has the original trace {other}"


def test_an_amount_that_differs_from_the_original_debit_goes_to_review() -> None:
    originals = Originals({ORIGINAL: {**DEBIT, "amount_cents": 12_000}})
    [r], [] = mapped([item("R01")], originals=originals)
    assert r["review"] is True and r["original_payment_id"] == "PAY-881"
    assert r["review_reason"] == "amount 123.45 differs from the originated debit's 120.00 (payment PAY-881)"
    assert r["fee_cents"] == 2500, "the policy still applies; the CIS holds it for review"


def test_without_expect_originals_an_unmatched_return_posts() -> None:
    [r], [] = mapped([item("R01")], originals=Originals({}))
    assert r["review"] is False and r["account"] == "0012345"
    [flagged], [] = mapped([item("R01")], originals=Originals({}), expect_originals=True)
    assert flagged["review"] is True
    [no_ledger], [] = mapped([item("R01")], originals=None, expect_originals=True)
    assert no_ledger["review"] is False, "nothing was looked up: a dry run without a ledger"


def test_an_entry_with_no_account_anywhere_goes_to_review() -> None:
    [r], [] = mapped([item("R01", account="")])
    assert r["account"] == "" and "no utility account" in r["review_reason"]


def test_an_empty_file_maps_to_empty_tables() -> None:
    frame = table([item("R01")]).clear()
    out = AchReturnsMapping(AchReturnsMappingOptions()).map(frame, MapContext("r.ach", lookup=Originals({})))
    assert {k: v.height for k, v in out.items()} == {"PaymentReversal": 0, "AccountChangeNotice": 0}


def test_a_deceased_customer_return_carries_the_date_of_death() -> None:
    [r], [] = mapped([item("R15", addenda_fields={"date_of_death": "261101"})])
    assert r["date_of_death"] == date(2026, 11, 1) and r["review"] is True
    assert r["review_reason"] == (
        "return code R15 (beneficiary or account holder deceased) has no follow-up in mapping_options.policy"
    )


# -- IAT returns and notifications of change --------------------------------------------------------


def without_lines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in ("_line", "source_line")} for r in rows]


def test_iat_returns_and_notices_map_exactly_like_domestic_ones() -> None:
    items = [
        item("R01"),
        item("R02", original_trace="091000010000002", amount_cents=9_000),
        item("R97", original_trace="091000010000003"),
        item("R15", original_trace="091000010000004", addenda_fields={"date_of_death": "261101"}),
        item("R01", original_trace="091000010000005", transaction_code=21),
        item("C01", original_trace="091000010000006", amount_cents=0, corrected_data="1918171614"),
        item("C13", original_trace="091000010000007", amount_cents=0, corrected_data="1"),
    ]
    originals = Originals({ORIGINAL: {**DEBIT, "amount_cents": 12_000}})
    domestic = mapped(items, originals=originals, expect_originals=True)
    international = mapped(items, originals=originals, expect_originals=True, iat=True)
    assert without_lines(international[0]) == without_lines(domestic[0])
    assert without_lines(international[1]) == without_lines(domestic[1])
    reversals, notices = international
    assert [r["idempotency_key"] for r in reversals][:2] == [
        f"R|231380100000001|{ORIGINAL}",
        "R|231380100000002|091000010000002",
    ]
    assert all(r["review"] for r in reversals)
    assert reversals[0]["review_reason"].startswith(
        "amount 123.45 differs from the originated debit's 120.00"
    )
    assert (
        reversals[1]["review_reason"] == "no debit the hub originated has the original trace 091000010000002"
    )
    assert [n["review"] for n in notices] == [True, True]  # no originated debit; C13 corrects the utility
    # the IAT entries sit 9 records apart (7 mandatory addenda and a 99 after each entry)
    assert [r["source_line"] for r in reversals] == [3, 12, 21, 30, 39]


def test_an_iat_return_takes_the_account_from_addenda_15_and_the_foreign_account_number() -> None:
    foreign = "CA4412345678901234567890123456"  # 30 characters: no domestic entry holds it
    [r], [] = mapped([item("R01", account="ACCT-77", dfi_account=foreign)], iat=True)
    assert (r["account"], r["dfi_account"], r["amount_cents"]) == ("ACCT-77", foreign, 12_345)
    assert (r["routing"], r["return_trace"], r["original_trace"]) == (
        "091000019",
        "231380100000001",
        ORIGINAL,
    )


def test_an_iat_forward_entry_rejects_the_file_naming_its_line() -> None:
    with pytest.raises(MappingError, match=r"1 entry is neither a return .* on line\(s\) 12"):
        mapped([item("R01"), item(None)], iat=True)

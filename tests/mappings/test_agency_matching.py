"""Matching an agency's payment to its open pledges (``mappings/agency_matching.py``): by the
remittance list, by an exact total of the oldest pledges, a difference flagged with the amounts, no
open pledges, a pledge paid already, and a payment delivered before matched as it was."""

from __future__ import annotations

from datetime import date
from typing import Any

from mappings.agency_matching import NO_OPEN, AgencyItem, listed_ids, match

DAY = date(2026, 11, 20)


def pledge(pid: str, cents: int, day: int, agency: str = "CAA01") -> dict[str, Any]:
    return {
        "agency": agency,
        "pledge_id": pid,
        "account": f"ACCT-{pid}",
        "amount_cents": cents,
        "pledge_date": date(2026, 11, day),
    }


OPEN = [pledge("P-3", 7_500, 12), pledge("P-1", 25_000, 1), pledge("P-2", 10_000, 5)]  # oldest: P-1


def item(cents: int, remittance: str = "", key: str = "L|1", agency: str = "CAA01") -> AgencyItem:
    return AgencyItem(key, agency, cents, "9001", DAY, remittance, 7)


def paid(m: Any) -> list[tuple[str, int, str]]:
    return [(p.pledge_id, p.amount_cents, p.matched_by) for p in m.paid]


def test_a_remittance_list_pays_the_pledges_it_names() -> None:
    [m] = match([item(17_500, "PLEDGES P-2 100.00 p-3 $75.00")], OPEN, [])
    assert paid(m) == [("P-2", 10_000, "remittance"), ("P-3", 7_500, "remittance")]  # not the oldest, P-1
    assert (m.rest_cents, m.reason) == (0, None)
    assert m.paid[0].key == "PP|CAA01|P-2" and m.paid[0].account == "ACCT-P-2"


def test_a_listed_id_unknown_or_paid_already_is_named_and_its_money_left_over() -> None:
    earlier = [
        {
            "key": "PP|CAA01|P-9",
            "payment_key": "L|0",
            "agency": "CAA01",
            "pledge_id": "P-9",
            "account": "X",
            "amount_cents": 5_000,
            "source": "lockbox",
            "reference": "8000",
            "paid_on": date(2026, 11, 2),
        }
    ]
    [m] = match([item(40_000, "P-1 250.00 P-9 50.00 P-77 100.00")], OPEN, earlier)
    assert paid(m) == [("P-1", 25_000, "remittance")]
    assert m.rest_cents == 15_000
    assert m.reason is not None
    assert "pledge P-9 was paid already (lockbox 8000 of 2026-11-02)" in m.reason
    assert "pledge P-77 is not an open pledge of agency CAA01" in m.reason
    assert "payment $400.00, pledges $250.00, difference $150.00" in m.reason


def test_a_listed_amount_other_than_the_pledge_is_paid_as_listed_and_flagged() -> None:
    [m] = match([item(20_000, "P-1 200.00")], OPEN, [])
    assert paid(m) == [("P-1", 20_000, "remittance")]
    assert m.reason == "pledge P-1 is $250.00, listed $200.00"


def test_without_a_list_the_oldest_pledges_summing_exactly_to_the_payment_are_paid() -> None:
    [m] = match([item(35_000, "LIHEAP NOVEMBER")], OPEN, [])
    assert paid(m) == [("P-1", 25_000, "total"), ("P-2", 10_000, "total")]
    assert (m.rest_cents, m.reason) == (0, None)


def test_no_exact_sum_pays_the_oldest_that_fit_and_flags_the_difference() -> None:
    [m] = match([item(30_000)], OPEN, [])
    assert paid(m) == [("P-1", 25_000, "total")]
    assert m.rest_cents == 5_000
    assert m.reason == (
        "no oldest-first open pledges sum to the payment: payment $300.00, pledges $250.00, difference $50.00"
    )
    [short] = match([item(1_000)], OPEN, [])
    assert short.paid == [] and short.rest_cents == 1_000
    assert short.reason is not None and "pledges $0.00, difference $10.00" in short.reason


def test_no_open_pledges_pays_nothing_and_keeps_the_whole_payment() -> None:
    [m] = match([item(12_000, agency="UWAY")], OPEN, [])
    assert (m.paid, m.rest_cents, m.reason) == ([], 12_000, NO_OPEN)


def test_two_payments_of_one_file_never_pay_the_same_pledge() -> None:
    first, second = match([item(25_000, key="L|1"), item(25_000, "P-1 250.00", key="L|2")], OPEN, [])
    assert paid(first) == [("P-1", 25_000, "total")]
    assert second.paid == [] and second.rest_cents == 25_000
    assert (
        second.reason is not None and "pledge P-1 is paid by an earlier payment of this file" in second.reason
    )


def test_a_payment_delivered_before_is_matched_as_it_was() -> None:
    earlier = [
        {"key": "PP|CAA01|P-1", "payment_key": "L|1", "agency": "CAA01", "pledge_id": "P-1", "account": "A"}
        | {"amount_cents": 25_000, "source": "lockbox", "reference": "9001", "paid_on": DAY},
        {"key": "L|1", "payment_key": "L|1", "agency": "CAA01", "pledge_id": "", "account": ""}
        | {"amount_cents": 5_000, "source": "lockbox", "reference": "9001", "paid_on": DAY},
    ]
    open_now = [p for p in OPEN if p["pledge_id"] != "P-1"]  # P-2 and P-3 would fit 30_000 otherwise
    [m] = match([item(30_000, key="L|1")], open_now, earlier)
    assert m.before and [p.key for p in m.paid] == ["PP|CAA01|P-1"] and m.rest_cents == 5_000


def test_list_tokens_are_shaped_like_the_agencys_pledge_ids() -> None:
    known = ["P-1", "P-2"]
    assert listed_ids("CHECK 4411 FOR P-2 1,250.00 AND P-10", known) == [("P-2", 125_000), ("P-10", None)]
    assert listed_ids("REF 123456", known) == []
    [m] = match([item(25_000, "CAA01 REF 778899")], [pledge("1001", 25_000, 1)], [])
    assert paid(m) == [("1001", 25_000, "total")]  # a number naming no pledge is no list

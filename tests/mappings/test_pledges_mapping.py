"""The assistance-pledges kind on typed rows, its look-ups answered from tables: which names are the
same person, the threshold, and the pledges posted with a word (address, close name, two agencies
pledging the same)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from lookups import Answers

from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from mappings.base import MapContext
from mappings.pledge_names import normalised
from mappings.pledges import AssistancePledge, AssistancePledgesKind, PledgeOptions

OPTIONS: dict[str, Any] = {
    "agencies": {
        "CAA01": {"programs": {"LIHEAP": {"cap": "1500.00", "protection_days": 45}}},
        "UWAY": {"programs": {"LOCAL": {"cap": "300.00", "protection_days": 30}}},
    }
}
ACCOUNTS = [
    {
        "number": "1001",
        "name": "Ana Garcia",
        "service_address": "12 Main St",
        "status": "active",
        "active": True,
    },
    {
        "number": "1004",
        "name": "Maria Lopez",
        "service_address": "9 Pine Rd",
        "status": "active",
        "active": True,
    },
]


def rows(*items: tuple[str, str, str, str, str | None, int]) -> pl.DataFrame:
    agency, pid, account, name, address, cents = zip(*items, strict=True)
    n = len(items)
    return pl.DataFrame(
        {
            "agency_id": agency,
            "pledge_id": pid,
            "account": account,
            "customer_name": name,
            "service_address": address,
            "program": ["LIHEAP" if a == "CAA01" else "LOCAL" for a in agency],
            "amount_cents": cents,
            "pledge_date": [date(2026, 12, 1)] * n,
            "expires": [date(2027, 3, 1)] * n,
            LINE: list(range(2, n + 2)),
        },
        schema_overrides={"service_address": pl.String},
    )


def run(
    table: pl.DataFrame, delivered: list[dict[str, Any]] | None = None, **opts: Any
) -> tuple[pl.DataFrame, list[Problem]]:
    kind = AssistancePledgesKind(PledgeOptions.model_validate({**OPTIONS, **opts}))
    ctx = MapContext("p.csv", Answers(accounts=ACCOUNTS, pledges=delivered or []))
    out = kind.map(table, ctx)[AssistancePledge.txn_type]
    return out, kind.notes(table, ctx)


@pytest.mark.parametrize(
    ("given", "known"),
    [
        ("GARCIA, ANA", "Ana Garcia"),
        ("  ana   garcia ", "Ana Garcia"),
        ("Patrick O'Brien Jr.", "O'BRIEN, PATRICK"),
        ("Obrien Patrick III", "patrick o'brien"),
        ("Ana-Maria Garcia Sr", "GARCIA, ANA MARIA"),
    ],
)
def test_names_that_differ_only_in_case_punctuation_suffix_or_order_are_the_same(
    given: str, known: str
) -> None:
    frame = pl.DataFrame({"a": [given], "b": [known]}).select(
        normalised(pl.col("a")), normalised(pl.col("b")).alias("b")
    )
    assert frame.row(0)[0] == frame.row(0)[1]


def test_a_close_name_posts_for_review_and_a_different_one_is_rejected_by_the_threshold() -> None:
    table = rows(("CAA01", "P1", "1004", "Maria Lopes", None, 1000))
    out, notes = run(table)
    assert out.select("review", "review_reason").row(0) == (
        True,
        "customer name close to, not equal to, the CIS name",
    )
    assert [(n.rule, n.severity) for n in notes] == [("name-close", "warning")]
    out, notes = run(table, name_threshold=95)  # stricter: the same name is now a mismatch
    assert out.height == 0
    assert [(n.rule, n.line, n.value) for n in notes] == [("name-mismatch", 2, "*******opes")]


def test_a_different_address_is_a_warning_and_the_pledge_posts() -> None:
    out, notes = run(rows(("CAA01", "P1", "1001", "Ana Garcia", "99 Other Rd", 1000)))
    assert out.height == 1 and out.get_column("review").to_list() == [False]
    assert [(n.rule, n.severity, n.value) for n in notes] == [("address-mismatch", "warning", "*******r Rd")]


def test_the_same_account_amount_and_date_from_two_agencies_both_post_for_review() -> None:
    out, notes = run(
        rows(
            ("CAA01", "P1", "1001", "Ana Garcia", None, 20000),
            ("UWAY", "U1", "1001", "Ana Garcia", None, 20000),
        )
    )
    assert out.get_column("idempotency_key").to_list() == ["AP|CAA01|P1", "AP|UWAY|U1"]
    assert out.get_column("review").to_list() == [True, True]
    assert [(n.rule, n.line) for n in notes] == [("double-pledge", 2), ("double-pledge", 3)]
    assert out.get_column("protect_until").to_list() == [date(2027, 1, 15), date(2026, 12, 31)]


def test_a_pledge_of_an_agency_not_configured_is_rejected_alone_among_known_ones() -> None:
    out, notes = run(
        rows(
            ("CAA01", "P1", "1001", "Ana Garcia", None, 1000),
            ("NOPE", "X1", "1001", "Ana Garcia", None, 1000),
        )
    )
    assert out.get_column("idempotency_key").to_list() == ["AP|CAA01|P1"]
    assert [(n.rule, n.line, n.value) for n in notes] == [("unknown-agency", 3, "NOPE")]


@pytest.mark.parametrize(
    "agencies",
    [
        {"CAA01": {"programs": {}}},  # an agency without programs
        {"CAA01": {"programs": {"LIHEAP": {"cap": "10.001", "protection_days": 45}}}},  # a cap below a cent
        {"CAA01": {"programs": {"LIHEAP": {"cap": "0", "protection_days": 45}}}},
    ],
)
def test_agencies_that_cannot_be_meant_are_refused_by_the_options(agencies: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PledgeOptions.model_validate({"agencies": agencies})


def test_another_agencys_pledge_posted_before_of_the_same_account_amount_and_date_flags_review() -> None:
    before = {"idempotency_key": "AP|UWAY|U7", "agency": "UWAY", "pledge_id": "U7", "account": "1001"}
    before |= {
        "program": "LOCAL",
        "amount_cents": 20000,
        "pledge_date": date(2026, 12, 1),
        "expires": date(2027, 1, 1),
    }
    out, notes = run(rows(("CAA01", "P1", "1001", "Ana Garcia", None, 20000)), delivered=[before])
    assert out.get_column("review").to_list() == [True]
    [note] = notes
    assert (note.rule, note.severity) == ("double-pledge", "warning") and "UWAY pledge U7" in note.message
    # the same agency's own pledge (a resend) is not a second agency's
    out, notes = run(rows(("UWAY", "U8", "1001", "Ana Garcia", None, 20000)), delivered=[before])
    assert out.get_column("review").to_list() == [False] and notes == []


def test_an_agency_with_a_folder_of_its_own_gets_its_acknowledgements_there() -> None:
    from mappings.base import ReplyContext

    agencies = {**OPTIONS["agencies"], "UWAY": {**OPTIONS["agencies"]["UWAY"], "ack_folder": "outbox/uway"}}
    kind = AssistancePledgesKind(PledgeOptions.model_validate({"agencies": agencies}))
    table = rows(("UWAY", "U1", "1001", "Ana Garcia", None, 100)).with_columns(
        pl.col("amount_cents").cast(pl.String)
    )
    ctx = ReplyContext("u.csv", table, [], frozenset({2}), frozenset(), file_rejected=False)
    assert (kind.reply(ctx).folder, kind.reply(ctx).name) == ("outbox/uway", "u.ack.csv")
    caa = rows(("CAA01", "P1", "1001", "Ana Garcia", None, 100))
    assert (
        kind.reply(ReplyContext("c.csv", caa, [], frozenset({2}), frozenset(), False)).folder
        == "outbox/pledges-ack"
    )


def test_the_acknowledgement_is_for_the_files_one_agency_and_a_resent_files_too() -> None:
    from mappings.base import ReplyContext

    kind = AssistancePledgesKind(PledgeOptions.model_validate(OPTIONS))
    uway = rows(("UWAY", "U1", "1001", "Ana Garcia", None, 100))
    first = kind.reply(ReplyContext("u.csv", uway, [], frozenset({2}), frozenset(), False))
    assert first.partner == "UWAY"
    resent = ReplyContext("u2.csv", None, [], frozenset(), frozenset(), False, "u.csv", first.data)
    assert kind.reply(resent).partner == "UWAY"  # named by the earlier acknowledgement
    both = pl.concat([uway, rows(("CAA01", "P1", "1002", "Li Wei", None, 100))])
    assert kind.reply(ReplyContext("b.csv", both, [], frozenset(), frozenset(), False)).partner is None
    unknown = rows(("CAA99", "X1", "1001", "Ana Garcia", None, 100))
    assert kind.reply(ReplyContext("x.csv", unknown, [], frozenset(), frozenset(), True)).partner is None
    assert AssistancePledgesKind.reply_partners(kind.options) == frozenset({"CAA01", "UWAY"})

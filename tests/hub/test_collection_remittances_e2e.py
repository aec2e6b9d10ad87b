"""A collection agency's remittance through the real ``hub`` command: each payment it collected on a
placed account posts as a CIS ``Payment`` (tender collection-agency, the gross) and a
``CollectionCommission``; a payment on an account not placed with the agency, or above the placed
balance, is delivered flagged for review; a trailer that does not agree with the rows rejects the
file whole; a row of another agency is rejected; a remittance sent again posts nothing twice."""

from __future__ import annotations

import csv
import io
from typing import Any

from conftest import Workdir

from tests.hub.test_placements_e2e import configure, extract, originate, person

HEADER = "agency_id,reference,account,gross,commission,net,paid_on"


def remittance(*rows: str, trailer: str | None = None) -> bytes:
    if trailer is None:
        parsed = [r.split(",") for r in rows]
        cents = [sum(round(float(r[i]) * 100) for r in parsed) for i in (3, 4, 5)]
        trailer = (
            "TRAILER,{},,{}".format(len(rows), ",".join(f"{c // 100}.{c % 100:02d}" for c in cents)) + ","
        )
    return ("\n".join([HEADER, *rows, trailer]) + "\n").encode()


def process(workdir: Workdir, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("process", workdir.write(name, data), "-x", "remittances", "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def cis(workdir: Workdir, txn: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob(f"*.{txn}.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def placed(workdir: Workdir) -> None:
    configure(workdir)
    assert (
        originate(workdir, "closed.csv", extract(person("1001"), person("1002", balance="1000.00")))[0] == 0
    )


PAYMENTS = [
    "ACME,R-1,1001,100.00,25.00,75.00,2026-11-20",
    "ACME,R-2,1002,1000.00,250.00,750.00,2026-11-21",
    "ACME,R-3,1009,50.00,10.00,40.00,2026-11-21",  # never placed with ACME
    "ACME,R-4,1001,200.00,50.00,150.00,2026-11-25",  # $300.00 in all, above the $250.10 placed
]


def test_payments_post_with_their_commission_and_the_doubtful_ones_for_review(workdir: Workdir) -> None:
    placed(workdir)
    code, out = process(workdir, "acme-nov.csv", remittance(*PAYMENTS))
    assert code == 0, out
    assert (out["state"], out["rows"], out["delivered"]) == ("delivered", 4, 8)
    payments = cis(workdir, "Payment")
    assert [
        (p["idempotency_key"], p["account"], p["amount_cents"], p["tender"], p["deposit_date"])
        for p in payments
    ] == [
        ("CR|ACME|R-1", "1001", "10000", "collection-agency", "2026-11-20"),
        ("CR|ACME|R-2", "1002", "100000", "collection-agency", "2026-11-21"),
        ("CR|ACME|R-3", "1009", "5000", "collection-agency", "2026-11-21"),
        ("CR|ACME|R-4", "1001", "20000", "collection-agency", "2026-11-25"),
    ]
    assert [p["review"] for p in payments] == ["false", "false", "true", "true"]
    assert "no open placement with ACME" in payments[2]["review_reason"]
    assert "$300.00 collected in all is more than the placed balance $250.10" in payments[3]["review_reason"]
    commissions = cis(workdir, "CollectionCommission")
    assert [(c["idempotency_key"], c["amount_cents"], c["net_cents"]) for c in commissions] == [
        ("CC|ACME|R-1", "2500", "7500"),
        ("CC|ACME|R-2", "25000", "75000"),
        ("CC|ACME|R-3", "1000", "4000"),
        ("CC|ACME|R-4", "5000", "15000"),
    ]
    warned = sorted((p["line"], p["rule"]) for p in out["problems"])
    assert warned == [(4, "collection-review"), (5, "collection-review")]
    # the same payments in another file: nothing posts twice
    code, again = process(workdir, "acme-nov-resent.csv", remittance(*PAYMENTS[:2]))
    assert again["delivered"] == 0 and len(cis(workdir, "Payment")) == 4


def test_a_trailer_that_does_not_agree_rejects_the_file_whole(workdir: Workdir) -> None:
    placed(workdir)
    code, out = process(
        workdir, "short.csv", remittance(*PAYMENTS[:2], trailer="TRAILER,3,,1100.00,275.00,825.00,")
    )
    assert code == 1 and out["state"] == "rejected" and out["delivered"] == 0
    messages = " ".join(p["message"] for p in out["problems"])
    assert "count '3' is not the 2 payment rows" in messages
    code, out = process(workdir, "no-trailer.csv", ("\n".join([HEADER, *PAYMENTS[:1]]) + "\n").encode())
    assert out["state"] == "rejected" and "no TRAILER row" in out["problems"][0]["message"]
    assert cis(workdir, "Payment") == []


def test_a_row_of_another_agency_or_with_bad_amounts_is_rejected_alone(workdir: Workdir) -> None:
    placed(workdir)
    rows = [
        PAYMENTS[0],
        "BETA,B-1,1002,10.00,1.00,9.00,2026-11-20",
        "ACME,R-9,1002,10.00,1.00,8.00,2026-11-20",
    ]
    _, out = process(workdir, "mixed.csv", remittance(*rows, trailer="TRAILER,3,,120.00,27.00,92.00,"))
    assert out["state"] == "delivered", out
    assert sorted((p["line"], p["rule"]) for p in out["problems"]) == [
        (3, "unknown-agency"),
        (4, "net-mismatch"),
    ]
    assert [p["idempotency_key"] for p in cis(workdir, "Payment")] == ["CR|ACME|R-1"]


def test_the_sample_remittance_pays_the_sample_placements(workdir: Workdir) -> None:
    configure(workdir)
    extract_path, remit_path = workdir.root / "closed.csv", workdir.root / "remit.csv"
    assert workdir.hub("sample", extract_path, "--kind", "placements", "--rows", "40").code == 0
    assert workdir.hub("sample", remit_path, "--kind", "remittance", "--rows", "10", "--bad", "2").code == 0
    assert workdir.hub("originate", extract_path, "-x", "placements").code == 0
    res = workdir.hub("process", remit_path, "-x", "remittances", "--json")
    out = res.json()
    assert (out["state"], out["rows"], out["rejected"], out["delivered"]) == ("delivered", 10, 2, 16), out
    assert {p["rule"] for p in out["problems"]} == {"net-mismatch"}  # no review: all placed, within balance
    assert all(p["review"] == "false" for p in cis(workdir, "Payment"))

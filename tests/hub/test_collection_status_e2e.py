"""A collection agency's status updates and returns through the real ``hub`` command: each becomes a
CIS ``CollectionStatus``; a return closes the placement, so the account can be placed again (with
another agency too), while an account still placed is not; an update for an account not placed
with the agency is delivered for review; a bankruptcy without its case, or a row of another agency,
is rejected alone; the same updates again post nothing twice."""

from __future__ import annotations

import csv
import io

from conftest import Workdir

from tests.hub.test_placements_e2e import configure, extract, originate, person, sent

HEADER = "agency_id,account,status,effective_date,case_number,chapter,note"
UPDATES = [
    "ACME,1001,bankruptcy,2026-11-02,26-BK-01234,7,filed in N.D. Ill.",
    "ACME,1002,Returned,2026-11-03,,,uncollectable",
    "ACME,1009,deceased,2026-11-04,,,",  # never placed with ACME: for review
    "ACME,1003,bankruptcy,2026-11-05,,13,",  # no case number: rejected
    "BETA,1003,disputed,2026-11-05,,,",  # another agency's: rejected
]


def statuses(workdir: Workdir) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob("*.CollectionStatus.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def test_updates_post_and_a_return_closes_the_placement(workdir: Workdir) -> None:
    configure(workdir)
    assert originate(workdir, "closed.csv", extract(person("1001"), person("1002"), person("1003")))[0] == 0
    data = ("\n".join([HEADER, *UPDATES]) + "\n").encode()
    res = workdir.hub("process", workdir.write("acme-status.csv", data), "-x", "collection-status", "--json")
    out = res.json()
    assert (out["state"], out["delivered"], out["rejected"]) == ("delivered", 3, 2), out
    assert sorted((p["line"], p["rule"]) for p in out["problems"]) == [
        (4, "collection-review"),
        (5, "required"),
        (6, "unknown-agency"),
    ]
    rows = statuses(workdir)
    assert [
        (r["account"], r["status"], r["case_number"], r["chapter"], r["closes_placement"], r["review"])
        for r in rows
    ] == [
        ("1001", "bankruptcy", "26-BK-01234", "7", "false", "false"),
        ("1002", "returned", "", "", "true", "false"),
        ("1009", "deceased", "", "", "false", "true"),
    ]
    assert rows[0]["idempotency_key"] == "CS|ACME|1001|bankruptcy|2026-11-02"
    # 1002 was returned: another agency may have it now; 1001 is still ACME's
    _, placed = originate(workdir, "beta.csv", extract(person("1001"), person("1002")), "placements-b")
    assert [[r[0] for r in f[1:-1]] for f in sent(workdir, "placements-b")] == [["1002"]]
    assert any("placed with ACME" in p["message"] for p in placed["problems"])
    # the same updates in another file post nothing twice
    res = workdir.hub(
        "process",
        workdir.write("acme-status-2.csv", ("\n".join([HEADER, *UPDATES[:3]]) + "\n").encode()),
        "-x",
        "collection-status",
        "--json",
    )
    assert res.json()["delivered"] == 0 and len(statuses(workdir)) == 3

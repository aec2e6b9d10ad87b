"""``hub inspect --format consumption-adjustments``: request files checked through the real command."""

from __future__ import annotations

from tests.conftest import Workdir

HEADER = "account,kind,period_start,period_end,volume,unit,evidence_ref,requested_by"


def test_inspect_names_every_broken_rule_of_a_request_file(workdir: Workdir) -> None:
    rows = [
        "0012345,leak,2026-06-01,2026-06-30,0,CCF,WO-1001,jdoe",
        "0012346,flood,2026-06-01,2026-05-30,-1,furlongs,,asmith",
        "0012347,evaporation,2026-02-30,2026-03-31,3.5,kgal,SUB-3,asmith",
    ]
    path = workdir.write("adj.csv", ("\n".join([HEADER, *rows]) + "\n").encode())
    result = workdir.hub("inspect", path, "--format", "consumption-adjustments", "--json")
    assert result.code == 1, result.stderr
    summary = result.json()
    assert (summary["format"], summary["rows"], summary["valid_rows"]) == ("consumption-adjustments", 3, 1)
    found = [(p["line"], p["field"], p["rule"], p["value"]) for p in summary["problems"]]
    assert found == [
        (3, "kind", "code_list", "flood"),
        (3, "period_end", "period_order", "2026-05-30"),
        (3, "volume", "non_negative", "-1"),
        (3, "unit", "unit", "furlongs"),
        (3, "evidence_ref", "required", None),
        (4, "period_start", "date", "2026-02-30"),
    ]


def test_inspect_of_a_clean_file_exits_0(workdir: Workdir) -> None:
    path = workdir.write(
        "adj.csv", f"{HEADER}\n0012345,industrial,2026-06-01,2026-06-30,12.5,kgal,P-7,x\n".encode()
    )
    result = workdir.hub("inspect", path, "--format", "consumption-adjustments", "--json")
    assert result.code == 0 and result.json()["problems"] == [] and result.json()["valid_rows"] == 1

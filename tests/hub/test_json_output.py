"""``--json`` prints what ``json.dumps(..., indent=2, default=str)`` prints, character for character:
the command's own encoder (``hub.cli.output.dumps``) takes shortcuts through the C encoder for
containers of plain values (problems), and scripts that compare or diff the output must not see it."""

from __future__ import annotations

import enum
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from conftest import Workdir

from hub.cli.output import dumps
from hub.engine.sample_ach import AchItem, ach_returns_nacha


class Level(enum.IntEnum):
    HIGH = 1


class Kind(enum.StrEnum):
    RETURN = "return"


CASES: list[Any] = [
    {},
    [],
    "text",
    7,
    None,
    {"empty": {}, "none": [], "nested": [[], [1], {}]},
    [1, "x", None, True, 1.5, float("nan"), float("inf")],
    {3: "int key", None: "null key", True: "bool key", 2.5: [1], False: {}},
    {"unicode": 'é\u2028 "quoted" back\\slash\nnewline'},
    {"when": date(2026, 11, 20), "at": datetime(2026, 11, 20, 6, tzinfo=UTC), "money": Decimal("1.50")},
    [date(2026, 1, 1), 1],
    (1, (2, {"a": (3,)})),
    {"enum": Level.HIGH, "text enum": Kind.RETURN, Level.HIGH: [Kind.RETURN]},
    # rows whose texts look like the boundaries the encoder's shortcut cuts at
    [{"a": "},\n      {"}, {"b": "x}"}, {"c": "{"}, {"d": '{"e": 1}'}],
    [{"only": 1}],
    [{"a": 1}, {}],
    {"problems": [{"rule": "r", "line": n, "value": None} for n in range(3)], "deep": {"x": {"y": []}}},
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_the_output_is_the_json_module_s_indented_output(data: Any) -> None:
    assert dumps(data) == json.dumps(data, indent=2, default=str)


def test_hub_process_json_with_thousands_of_warnings_is_the_json_module_s_output(workdir: Workdir) -> None:
    # every entry a return of a code the rules do not know: one warning a line; --json lists the
    # first 1,000, counts them all and names the report that holds every one
    items = [AchItem("R97", f"{1_000_000 + i:010d}", 100 + i, f"09100001{i:07d}") for i in range(1, 2001)]
    data = ach_returns_nacha(
        items, created=datetime(2026, 11, 20, 9, tzinfo=UTC), effective=date(2026, 11, 20)
    )
    path = workdir.write("returns.ach", data)
    res = workdir.hub("process", path, "-x", "ach-returns", "--json")
    out = res.json()
    assert (res.code, out["state"], out["delivered"]) == (0, "delivered", 2000)
    assert out["problem_count"] == 2000 and len(out["problems"]) == 1000
    assert {p["rule"] for p in out["problems"]} == {"return-code"}
    assert res.stdout == json.dumps(out, indent=2) + "\n"
    report = json.loads((workdir.root / next(r for r in out["reports"] if r.endswith(".json"))).read_text())
    assert len(report["problems"]) == 2000 and report["problems"][:1000] == out["problems"]
    # a dry run writes no report: every problem is listed
    checked = workdir.hub("validate", path, "-x", "ach-returns", "--json").json()
    assert checked["problem_count"] == 2000 and checked["problems"] == report["problems"]

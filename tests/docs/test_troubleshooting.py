"""docs/troubleshooting.md has an entry for every rule the code can report, and only for those."""

from __future__ import annotations

import re

import hub.kernel.errors as errors
from hub.engine.outcome import rule_of
from tests.docs.rule_ids import ROOT, rule_ids, string_literals

PAGE = ROOT / "docs" / "troubleshooting.md"


def documented() -> set[str]:
    """The rule ids of the page's table rows (a row may name several: `a` / `b`)."""
    found: set[str] = set()
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            first = line.split(" | ")[0]
            found.update(re.findall(r"`([^`]+)`", first))
    return found


def _error_rules() -> set[str]:
    """The rules of a failure that stops a file: its error class in snake case (``rule_of``)."""
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.HubError)]
    return {rule_of(c.__new__(c)) for c in classes}


def test_every_rule_the_code_reports_has_an_entry() -> None:
    missing = {rule: sorted(files) for rule, files in rule_ids().items() if rule not in documented()}
    assert missing == {}, "add these rules to docs/troubleshooting.md"


def test_every_entry_is_a_rule_of_the_code() -> None:
    real = string_literals() | _error_rules()
    assert sorted(documented() - real) == []


def test_the_scan_finds_rules_of_every_sort() -> None:
    # a literal of Problem.of, a ParseError's rule=, a module helper's rule argument, pandera's error=
    found = rule_ids()
    assert {"padding", "empty_file", "batch-control", "read_window"} <= set(found)
    assert "formats/nacha_controls.py" in found["batch-control"]

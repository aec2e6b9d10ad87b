"""Problems: what the reports, the ledger and ``--json`` carry, with sensitive values masked."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, asdict, replace

import pytest

from hub.kernel.problems import Problem


def test_a_problem_as_a_dict_carries_every_field() -> None:
    p = Problem.of(
        "routing-check-digit",
        "check digit 3 should be 2",
        line=7,
        field="check_digit",
        value="3",
        positions="12",
        severity="warning",
    )
    assert p.to_dict() == asdict(p)
    assert p.to_dict()["positions"] == "12" and p.to_dict()["severity"] == "warning"


def test_sensitive_values_are_masked_and_long_ones_cut() -> None:
    account = Problem.of("field-format", "bad", field="dfi_account", value="123456789012")
    assert account.value == "********9012"
    corrected = Problem.of("field-format", "bad", field="corrected_data", value="99887766554433")
    assert corrected.value is not None and "99887766" not in corrected.value
    long = Problem.of("field-format", "bad", field="name", value="x" * 500)
    assert long.value is not None and len(long.value) == 201


def test_a_finding_copied_to_many_lines_is_the_finding_at_each_line() -> None:
    """``at_lines`` (a file's thousands of warnings of one kind, made in bulk): each copy equals the
    finding made at its line, masked value and all, and is as frozen as any finding."""
    warning = Problem.of(
        "return-code",
        "return reason code R97 is not in the NACHA rules; kept and flagged for review",
        field="dfi_account",
        value="123456789012",
        positions="4-6",
        severity="warning",
    )
    copies = warning.at_lines([3, 5, 9])
    assert copies == [replace(warning, line=n) for n in (3, 5, 9)]
    assert [c.to_dict() for c in copies] == [{**warning.to_dict(), "line": n} for n in (3, 5, 9)]
    assert copies[0].value == "********9012"
    assert len({hash(c) for c in copies}) == 3
    with pytest.raises(FrozenInstanceError):
        copies[0].line = 4  # type: ignore[misc]
    assert warning.at_lines([]) == []

"""A problem found in a file: what the error report, the ledger and ``hub show`` list."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Literal

SENSITIVE_FIELDS = frozenset(
    {"account", "account_number", "ssn", "dfi_account", "routing", "corrected_data", "individual_id"}
)


def mask(value: str | None, keep: int = 4) -> str | None:
    """Mask all but the last ``keep`` characters (account numbers, SSNs) for logs and reports."""
    if value is None:
        return None
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding. ``line`` is the 1-based physical line in the file (None for the whole file);
    ``value`` is already masked when the field is sensitive."""

    rule: str
    message: str
    line: int | None = None
    field: str | None = None
    value: str | None = None
    level: Literal["file", "row"] = "row"
    positions: str | None = None  # character positions in a fixed-width record, e.g. "30-39"
    severity: Literal["error", "warning"] = (
        "error"  # a warning is a tolerated deviation: reported, not rejected
    )

    @classmethod
    def of(
        cls,
        rule: str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
        level: Literal["file", "row"] = "row",
        positions: str | None = None,
        severity: Literal["error", "warning"] = "error",
    ) -> Problem:
        text = None if value is None else str(value)
        if field in SENSITIVE_FIELDS:
            text = mask(text)
        if text is not None and len(text) > 200:
            text = text[:200] + "…"
        return cls(
            rule=rule,
            message=message,
            line=line,
            field=field,
            value=text,
            level=level,
            positions=positions,
            severity=severity,
        )

    def at_lines(self, lines: Sequence[int]) -> list[Problem]:
        """This finding once at each of ``lines`` (equal to ``[replace(self, line=n) for n in
        lines]``), built in bulk: a file's thousands of findings of one kind (26,667 unknown-code
        warnings of a 200,000-entry return file) cost 0.3 us each instead of 0.7 us through
        ``__init__``, whose frozen checks are not needed for copies of a finding already made."""
        cls = type(self)
        out: list[Problem] = list(map(object.__new__, repeat(cls, len(lines))))
        # field by field over all the copies, each a loop in C (no bytecode per copy)
        for name in cls.__slots__:
            put = cls.__dict__[name].__set__  # the slot's descriptor
            values = lines if name == "line" else repeat(getattr(self, name))
            deque(map(put, out, values), maxlen=0)
        return out

    def to_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies every value, ~30 us a problem (26,000 warnings of a
        # 200,000-entry return file cost a second)
        return {
            "rule": self.rule,
            "message": self.message,
            "line": self.line,
            "field": self.field,
            "value": self.value,
            "level": self.level,
            "positions": self.positions,
            "severity": self.severity,
        }

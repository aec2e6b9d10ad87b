"""A problem found in a file: what the error report, the ledger and ``hub show`` list."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

SENSITIVE_FIELDS = frozenset({"account", "account_number", "ssn", "dfi_account", "routing"})


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
    ) -> Problem:
        text = None if value is None else str(value)
        if field in SENSITIVE_FIELDS:
            text = mask(text)
        if text is not None and len(text) > 200:
            text = text[:200] + "…"
        return cls(rule=rule, message=message, line=line, field=field, value=text, level=level)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

"""Step 3, validate: the format's rules over the parsed rows -> typed valid rows and every problem
(``formats.base.Validated``).

A format may type every row at once and run its rules in a worker thread
(``Format.start_validation``): the mapping step then maps the typed rows meanwhile. A file-level
error (a control total, the record order) rejects the whole file; row errors reject their rows;
warnings reject nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formats.base import Format, FormatOptions, Parsed, PendingValidation, ReadContext, Validated
    from hub.kernel.problems import Problem


def validate(fmt: Format[FormatOptions], parsed: Parsed, ctx: ReadContext) -> PendingValidation:
    """Start the format's rules; ``.typed`` is the rows typed ahead (or None), ``.result()`` waits."""
    return fmt.start_validation(parsed, ctx)


def rejects_file(validated: Validated) -> bool:
    """Whether a problem rejects the file as a whole."""
    return any(p.level == "file" and p.severity == "error" for p in validated.problems)


def rejected_lines(problems: list[Problem]) -> list[int]:
    """The lines whose errors reject their rows, in order."""
    return sorted({p.line for p in problems if p.line is not None and p.severity == "error"})

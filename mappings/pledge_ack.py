"""The acknowledgement an agency gets for each pledge file it sends: ``<received stem>.ack.csv``.

Columns ``agency_id,pledge_id,account,amount,status,reason,message``, as the agency sent them, one
row per pledge line of the received file in its order, trailer-free. ``status``: ``accepted``
(posted, by this file), ``duplicate`` (the same agency and pledge id earlier in the file, or
already posted from an earlier file: reason ``duplicate-pledge``) or ``rejected`` with the reason
(the rule of the line's first error: ``unknown-account``, ``account-not-active``,
``name-mismatch``, ``bad-amount``, ``over-cap``, ``expired``, ``unknown-program``,
``unknown-agency``, ``missing-field``, ``bad-date``, ...). A file rejected whole acknowledges every
line it could read as ``rejected``, reason ``file-rejected`` and the file's problem as the message
(a file that could not be read at all: one row saying why). The very same file sent again (a
``duplicate``, not run again) is acknowledged from the earlier acknowledgement: what was accepted
then is a duplicate now. Messages mask names and account numbers as the hub's reports do.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from hub.kernel.rows import LINE

if TYPE_CHECKING:
    from hub.kernel.problems import Problem
    from mappings.base import ReplyContext

HEADER = ("agency_id", "pledge_id", "account", "amount", "status", "reason", "message")
SHOWN = ("agency_id", "pledge_id", "account", "amount")


def ack_name(source_file: str) -> str:
    return f"{Path(source_file).stem}.ack.csv"


def agencies_of(ctx: ReplyContext) -> list[str]:
    """The agency ids the file names (for a file sent again: those its earlier acknowledgement
    names), sorted."""
    if ctx.read is not None and "agency_id" in ctx.read.columns:
        return sorted(ctx.read.get_column("agency_id").drop_nulls().unique().to_list())
    if ctx.earlier_reply:
        rows = list(csv.reader(io.StringIO(ctx.earlier_reply.decode())))[1:]
        return sorted({row[0] for row in rows if row and row[0]})
    return []


def _status(line: int, first: dict[int, Problem], ctx: ReplyContext, whole: str) -> tuple[str, str, str]:
    problem = first.get(line)
    if problem is not None and problem.rule == "duplicate-pledge":
        return "duplicate", problem.rule, problem.message
    if problem is not None:
        return "rejected", problem.rule, problem.message
    if line in ctx.posted_before:
        return (
            "duplicate",
            "duplicate-pledge",
            "this agency's pledge id was already posted from an earlier file",
        )
    if line in ctx.posted_lines:
        return "accepted", "", ""
    if ctx.file_rejected:
        return "rejected", "file-rejected", whole
    return "rejected", "not-posted", "not posted; the utility will contact the agency"


def _resent(ctx: ReplyContext) -> tuple[bytes, dict[str, int]]:
    """A file whose content arrived before: the earlier acknowledgement's lines, those accepted
    then now duplicates (nothing is posted twice), the others with their reasons as they were."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    counts = {"accepted": 0, "rejected": 0, "duplicate": 0}
    earlier = list(csv.reader(io.StringIO((ctx.earlier_reply or b"").decode())))[1:]
    if not earlier:
        earlier = [["", "", "", "", "rejected", "file-rejected", ""]]
    for row in earlier:
        if row[4] == "accepted":
            row[4:] = ["duplicate", "duplicate-pledge", f"already posted from {ctx.same_as}"]
        elif not row[6]:
            row[6] = f"the same file as {ctx.same_as}, received before; nothing posted"
        counts[row[4]] += 1
        writer.writerow(row)
    return out.getvalue().encode(), counts


def acknowledgement(ctx: ReplyContext) -> tuple[bytes, dict[str, int]]:
    """The acknowledgement's bytes and its counts by status."""
    if ctx.same_as is not None:
        return _resent(ctx)
    first: dict[int, Problem] = {}
    for p in ctx.problems:
        if p.severity == "error" and p.level == "row" and p.line is not None and p.line not in first:
            first[p.line] = p
    file_level = [p for p in ctx.problems if p.severity == "error" and (p.level == "file" or p.line is None)]
    whole = "; ".join(p.message for p in file_level) or (
        "not posted: the exchange posts a file whole or not at all (row_policy reject-file) and other "
        "pledges of the file were rejected"
    )
    read: dict[int, list[str]] = {}
    if ctx.read is not None:
        cols = [c for c in SHOWN if c in ctx.read.columns]
        for row in ctx.read.select(LINE, *cols).iter_rows(named=True):
            read[int(row[LINE])] = [str(row.get(c) or "") for c in SHOWN]
    for line in first:  # lines the format could not read as a row (wrong field count)
        read.setdefault(line, [""] * len(SHOWN))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    counts = {"accepted": 0, "rejected": 0, "duplicate": 0}
    if not read and ctx.file_rejected:
        writer.writerow(["", "", "", "", "rejected", "file-rejected", whole])
        counts["rejected"] += 1
    for line in sorted(read):
        status, reason, message = _status(line, first, ctx, whole)
        counts[status] += 1
        writer.writerow([*read[line], status, reason, message])
    return out.getvalue().encode(), counts

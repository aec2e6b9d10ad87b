"""Rich tables for people: outcomes, the nightly summary, the file list and one file's detail.

Every text that comes from outside (a partner's file name, a value, a message quoting either, a
path) is printed through ``shown``: control and formatting characters escaped, rich markup
escaped, so a name holding ANSI escapes or ``[brackets]`` is shown, never obeyed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.engine.outcome import suspense_line
from hub.kernel.problems import Problem
from hub.kernel.wording import counted

if TYPE_CHECKING:
    from hub.engine.operator import FileDetail, FileRecord
    from hub.engine.outcome import Outcome

SHOWN_PROBLEMS = 50
STATE_STYLE = {
    "delivered": "green",
    "rejected": "red",
    "failed": "red",
    "duplicate": "yellow",
    "reprocessed": "cyan",
}


def shown(value: object) -> str:
    """``value`` as a terminal may show it: unprintable characters as escapes, markup as text."""
    text = str(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return escape(text)


def _state(state: str) -> str:
    style = STATE_STYLE.get(state)
    return f"[{style}]{state}[/{style}]" if style else state


def problems_table(problems: Sequence[Problem], limit: int = SHOWN_PROBLEMS) -> Table:
    table = Table(title="Problems", title_justify="left")
    positions = any(p.positions for p in problems)
    for col in ("line", *(["positions"] if positions else []), "field", "value", "rule", "message"):
        table.add_column(col, overflow="fold")
    for p in problems[:limit]:
        rule = p.rule if p.severity == "error" else f"{p.rule} [yellow](warning)[/]"
        where = [p.positions or ""] if positions else []
        table.add_row(
            "" if p.line is None else str(p.line),
            *where,
            shown(p.field or ""),
            shown(p.value or ""),
            rule,
            shown(p.message),
        )
    return table


def print_problems(
    console: Console,
    problems: Sequence[Problem],
    total: int | None = None,
    more: str = "",
    tally: dict[str, int] | None = None,
) -> None:
    """The first ``SHOWN_PROBLEMS`` problems as a table; past that a count and the tally by rule.

    A hostile file can hold a million failing rows: what people read stays one screen, and
    the tally says which rules the rest broke. ``total`` is the count when ``problems`` is
    already cut (the full list is in the reject report or ``--json``), ``tally`` its count by rule."""
    total = len(problems) if total is None else total
    console.print(problems_table(problems, SHOWN_PROBLEMS))
    if total > SHOWN_PROBLEMS:
        console.print(f"... and {counted(total - SHOWN_PROBLEMS, 'more problem')}{more}")
        of = "" if tally is not None or total == len(problems) else f" (of the first {len(problems)})"
        counts = tally if tally is not None else dict(Counter(p.rule for p in problems).most_common())
        console.print(f"by rule{of}: " + ", ".join(f"{shown(r)} {n}" for r, n in counts.items()))


def outcome(console: Console, o: Outcome, *, dry_run: bool = False) -> None:
    verb = "would deliver" if dry_run else "delivered"
    console.print(f"file {o.file_id or '-'} {shown(o.name)} {shown(f'[{o.exchange}]')}: {_state(o.state)}")
    if o.note:
        console.print(shown(o.note))
    counts = (
        f"rows {o.rows}, {verb} {sum(o.by_type.values()) if dry_run else o.delivered}, rejected {o.rejected}"
    )
    if o.already_delivered:
        counts += f", already delivered before {o.already_delivered}"
    console.print(counts)
    if o.by_type:
        console.print("transactions: " + ", ".join(f"{k} {v}" for k, v in o.by_type.items()))
    if o.duplicate_of:
        console.print(f"same content as file {o.duplicate_of}: nothing delivered")
    if o.batch_id:
        console.print(f"sent {shown(o.batch_id)}" if o.outbound else f"CIS batch {shown(o.batch_id)}")
    if o.suspense:
        to = "would go to suspense" if dry_run else "to suspense"
        console.print(shown(suspense_line(o.suspense, to=to)))
    if o.problems:
        print_problems(console, o.problems)
    for path in o.reports:
        console.print(f"{report_label(path)}: {shown(path)}")
    for sent in o.replies:
        counts = ", ".join(f"{k} {v}" for k, v in sent["counts"].items())
        pushed = f", pushed to {shown(sent['pushed'])}" if sent.get("pushed") else ""
        console.print(f"reply: {shown(sent['path'])} ({counts}){pushed}")
    if o.reruns:
        console.print("run again after this delivery (rows held until it):")
        for r in o.reruns:
            console.print(f"  {rerun_line(r)}")


def rerun_line(o: Outcome) -> str:
    """One file run again: its counts, batch and the warnings still holding rows back."""
    line = (
        f"file {o.file_id or '-'} {shown(o.name)} {shown(f'[{o.exchange}]')}: {_state(o.state)}, "
        f"rows {o.rows}, delivered {o.delivered}, rejected {o.rejected}"
    )
    if o.already_delivered:
        line += f", already delivered before {o.already_delivered}"
    if o.batch_id:
        line += f", CIS batch {shown(o.batch_id)}"
    if o.state == "failed" and o.problems:
        return f"{line}; {shown(o.problems[0].message)}"
    warned = Counter(p.rule for p in o.problems if p.severity == "warning")
    if warned:
        line += "; warnings: " + ", ".join(f"{shown(r)} {n}" for r, n in warned.most_common())
    return line


def summary(console: Console, outcomes: Sequence[Outcome]) -> None:
    """The nightly summary: one row per file, the payments to suspense, the rejection reasons by
    rule, then the exchanges not taken and why."""
    left = [o for o in outcomes if o.state == "skipped"]
    outcomes = [o for o in outcomes if o.state != "skipped"]
    _files_summary(console, outcomes)
    for o in outcomes:
        if o.suspense:
            console.print(f"{shown(o.name)}: {shown(suspense_line(o.suspense))}")
    _reasons(console, outcomes)
    if left:
        table = Table(title="Not taken", title_justify="left")
        table.add_column("exchange")
        table.add_column("why")
        for o in left:
            table.add_row(shown(o.exchange), shown(o.note or o.skipped or ""))
        console.print(table)


def _files_summary(console: Console, outcomes: Sequence[Outcome]) -> None:
    table = Table(title="Nightly cycle", title_justify="left")
    for col, just in (
        ("file", "right"),
        ("exchange", "left"),
        ("name", "left"),
        ("state", "left"),
        ("rows", "right"),
        ("delivered", "right"),
        ("rejected", "right"),
        ("batch", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for o in outcomes:
        table.add_row(
            str(o.file_id or "-"),
            shown(o.exchange),
            shown(o.name),
            _state(o.state) + (f" ({o.trigger} re-run)" if o.trigger else ""),
            str(o.rows),
            str(o.delivered),
            str(o.rejected),
            shown(o.batch_id or (f"duplicate of {o.duplicate_of}" if o.duplicate_of else "")),
        )
    table.add_section()
    table.add_row(
        "",
        "",
        counted(len(outcomes), "file"),
        "",
        str(sum(o.rows for o in outcomes if o.state != "duplicate")),
        str(sum(o.delivered for o in outcomes)),
        str(sum(o.rejected for o in outcomes)),
        "",
    )
    console.print(table)


def _reasons(console: Console, outcomes: Sequence[Outcome]) -> None:
    reasons: Counter[tuple[str, str]] = Counter()
    for o in outcomes:
        for p in o.problems:
            reasons[(o.name, p.rule)] += 1
    warned = {(o.name, p.rule) for o in outcomes for p in o.problems if p.severity == "warning"}
    if reasons:
        title = "Rejected: reasons" + (" (warnings are reported and reject nothing)" if warned else "")
        why = Table(title=title, title_justify="left")
        why.add_column("file")
        why.add_column("rule")
        why.add_column("count", justify="right")
        why.add_column("example")
        examples: dict[tuple[str, str], Problem] = {}
        for o in outcomes:
            for p in o.problems:
                examples.setdefault((o.name, p.rule), p)
        for (name, rule), count in sorted(reasons.items()):
            ex = examples[(name, rule)]
            where = f"line {ex.line}: " if ex.line else ""
            label = f"{rule} (warning)" if (name, rule) in warned else rule
            why.add_row(shown(name), label, str(count), shown(where + ex.message))
        console.print(why)


def files_table(console: Console, records: Sequence[FileRecord], timezone: str = "UTC") -> None:
    """The files, landing times in ``timezone`` (the hub's, as ``--since``/``--until`` read them)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    table = Table(title="Files", title_justify="left")
    for col in ("id", "exchange", "name", "state", "rows", "delivered", "rejected", f"landed ({timezone})"):
        table.add_column(col)
    for r in records:
        table.add_row(
            str(r.id),
            shown(r.exchange),
            shown(r.name),
            _state(r.state) + (f" (resolved by {shown(r.resolved_by)})" if r.resolved_by else ""),
            "" if r.rows is None else str(r.rows),
            str(r.delivered),
            str(r.rejected),
            f"{r.landed_at.astimezone(zone):%Y-%m-%d %H:%M}",
        )
    console.print(table)
    if not records:
        console.print("no files")


def file_detail(console: Console, detail: FileDetail) -> None:
    r = detail.record
    console.print(f"file {r.id}: {shown(r.name)} {shown(f'[{r.exchange}]')} {_state(r.state)}")
    console.print(
        f"sha256 {r.sha256}, {counted(r.size, 'byte')}, landed {r.landed_at:%Y-%m-%d %H:%M:%S} UTC "
        f"at {shown(r.landed_path)}"
    )
    console.print(
        f"rows {r.rows}, delivered {r.delivered}, rejected {r.rejected}, "
        f"already delivered before {r.already_delivered}"
    )
    if r.duplicate_of:
        console.print(f"duplicate of file {r.duplicate_of}")
    if r.replaces:
        console.print(f"corrected file replacing file {r.replaces}")
    if r.error:
        console.print(f"reason: {shown(r.error)}")
    if r.resolved_by:
        when = f"{r.resolved_at:%Y-%m-%d %H:%M} UTC" if r.resolved_at else ""
        console.print(f"resolved elsewhere by {shown(r.resolved_by)} {when}: {shown(r.resolution or '')}")
    for a in detail.audit:
        console.print(audit_line(a))
    for b in detail.batches:
        what = "control" if b["path"].endswith(".control.json") else "file sent"  # CIS batch or outbound file
        console.print(
            f"batch {shown(b['batch_id'])}: {counted(b['transactions'], 'transaction')}, "
            f"{what} {shown(b['path'])}"
        )
    for sent in detail.replies:
        counts = ", ".join(f"{k} {v}" for k, v in sent["counts"].items())
        waiting = "" if sent.get("sent", True) else ", recorded, not sent yet: the next hub command does"
        pushed = f", pushed to {shown(sent['pushed'])}" if sent.get("pushed") else ""
        console.print(f"reply (run {sent['run_id']}): {shown(sent['path'])} ({counts}{waiting}){pushed}")
    for ack in detail.acknowledgements:
        when = f"{ack['recorded_at']:%Y-%m-%d %H:%M} UTC"
        console.print(
            f"acknowledged by {shown(ack['agency'])} in file {ack['file_id']} {shown(ack['name'])} ({when})"
        )
    for path in detail.reports:
        console.print(f"{report_label(path)}: {shown(path)}")
    if detail.problems:
        every = next((p for p in detail.reports if p.endswith(".csv")), None)
        more = f" (every one in {shown(every)})" if every else ""
        print_problems(console, detail.problems, detail.problem_count, more=more, tally=detail.tally)


def report_label(path: str) -> str:
    """``errors report (CSV)`` or ``warnings report (JSON)``: what a report file holds, by its name."""
    content = "warnings" if ".warnings." in path.rsplit("/", 1)[-1] else "errors"
    return f"{content} report ({path.rsplit('.', 1)[-1].upper()})"


def audit_line(a: dict[str, Any]) -> str:
    """One action of the audit trail: when, who, what, on which file, the comment, the outcome."""
    what = a["action"] + (f" with {a['upload']}" if a.get("upload") else "")
    result = a["outcome_state"]
    if a.get("outcome_file_id") and a["outcome_file_id"] != a["file_id"]:
        result += f" (file {a['outcome_file_id']})"
    comment = f' "{a["comment"]}"' if a.get("comment") else ""
    return shown(
        f"audit {a['at']:%Y-%m-%d %H:%M:%S} UTC {a['user']}: {what} file {a['file_id']}{comment} -> {result}"
    )


def status_table(console: Console, rows: Sequence[dict[str, Any]]) -> None:
    table = Table(title="Exchanges", title_justify="left")
    for col in ("exchange", "runs", "last run", "next run", "last file", "expected"):
        table.add_column(col)
    for r in rows:
        run = r["last_run"]
        last = r["last_file"]
        how = r["schedule"] or ("watched" if r["watch"] else "manual")
        expected = "" if r["due_at"] is None else f"by {r['due_at'][11:16]}"
        if r["overdue"]:
            expected = f"[bold red]OVERDUE[/] ({expected})"
        table.add_row(
            r["exchange"] + ("" if r["enabled"] else " (disabled)"),
            how,
            "never" if run is None else f"{run['started_at'][:16]} {run['trigger']} {run['status']}",
            r["next_run"][:16] if r["next_run"] else "",
            "none" if last is None else f"{last['name']} ({_state(last['state'])}) {last['landed_at'][:16]}",
            expected,
        )
    console.print(table)
    for r in rows:
        if r.get("source_missing"):
            folder = shown(r["source_missing"])
            console.print(f"[bold red]ALERT[/] {r['exchange']}: the source folder {folder} does not exist")
    for r in rows:
        for name in r.get("unacknowledged", []):
            console.print(
                f"[bold red]ALERT[/] {r['exchange']}: placement file {name} not acknowledged by the agency"
            )
        for alert in r.get("key_alerts", []):
            console.print(f"[bold red]ALERT[/] {r['exchange']}: {alert['message']}", highlight=False)
    for day in sorted({d for r in rows for d in r.get("unreconciled", [])}):
        console.print(f"[bold red]ALERT[/] deposits of {day} do not reconcile: hub reconcile --date {day}")

"""One file's bytes to mapped tables, nothing recorded or delivered: parse, validate and map the
file whole, or in parts when it is large (``hub.engine.parts``), with the checks a file gets before
its rows (decryption, empty file, another format's file). The ledger-driven run of a file is
``hub.engine.file_run``; the one-shot ``hub validate`` and mapping while a file lands use this alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.engine import mapping, parsing, validation
from hub.engine.config_outbound import is_outbound
from hub.engine.mapping import Mapped
from hub.engine.parts import STATES, Part
from hub.kernel.errors import KeyUnusable, Rejected, SecretMissing
from hub.kernel.lookups import NO_LOOKUPS, Lookups
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from hub.engine.config import Exchange

Progress = Callable[[str, str], None]  # (file name, stage)


def quiet(name: str, stage: str) -> None:
    """No progress shown."""


def _unrecorded(state: str, **values: Any) -> None:
    """States reached before the file has a ledger record (mapped ahead of the ledger)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def map_file(
    data: bytes,
    name: str,
    ex: Exchange,
    *,
    now: datetime,
    received: datetime | None = None,
    lookup: Lookups = NO_LOOKUPS,
    reached: Callable[..., None] = _unrecorded,
    progress: Progress = quiet,
    part: Part | None = None,
) -> Mapped:
    """Parse, validate and map one file's bytes (nothing is delivered). ``reached(state, **values)``
    records each state reached (parsed, validated, mapped); ``progress(name, stage)`` shows it.
    ``part``: the bytes are one part of a larger file (``hub.engine.parts``)."""
    from formats.base import ReadContext
    from mappings.base import MapContext

    fmt = ex.format(ex.format_options)
    kind = ex.kind(ex.mapping_options)
    earlier = None if part is None else part.earlier
    read_ctx = ReadContext(file=name, now=now, timezone=ex.timezone, received=received, earlier=earlier)
    if ex.pgp is not None and ex.pgp.decryption is not None:
        progress(name, "decrypting")
        opened = _opened(data, ex, now)
        if isinstance(opened, Problem):
            return Mapped(problems=[opened], file_rejected=True)
        data = opened
    progress(name, "parsing")
    parsed = parsing.parse(fmt, data, read_ctx)
    if part is not None:
        parsed = part.shifted(parsed)
    if isinstance(parsed, Problem):
        return Mapped(problems=_hinted([parsed], data, ex), file_rejected=True)
    reached("parsed", rows=parsed.rows)
    if part is None and (empty := _empty(parsed.rows, bool(parsed.problems), ex)) is not None:
        return Mapped(problems=[empty], file_rejected=True, reached="parsed")
    progress(name, "validating")
    pending = validation.validate(fmt, parsed, read_ctx)
    ctx = MapContext(source_file=name, lookup=lookup)
    ahead = mapping.map_ahead(kind, pending.typed, ctx)  # while the format's rules run
    validated = pending.result()
    reached("validated")
    mapped = Mapped(
        validated.rows, validated.rejected_lines, problems=validated.problems, reached="validated"
    )
    if kind.replies:
        mapped.read = parsed.table
    if validated.problems and (hinted := _hinted(validated.problems, data, ex)) is not validated.problems:
        mapped.problems, mapped.file_rejected = hinted, True  # another format's file: nothing of it
        return mapped
    if validation.rejects_file(validated):
        mapped.file_rejected = True
        return mapped
    progress(name, "mapping")
    try:
        bad = validation.rejected_lines(validated.problems)
        mapped.tables, mapped.facts = mapping.map_rows(kind, validated.table, ahead, bad, ctx)
        notes = kind.notes(validated.table, ctx)
    except Rejected as exc:
        mapped.problems = [*validated.problems, Problem.of("mapping", str(exc), level="file")]
        mapped.file_rejected = True
        return mapped
    mapping.reject_noted(mapped, notes)  # a kind's error notes reject their rows
    reached("mapped")
    mapped.reached = "mapped"
    if notes:
        mapped.problems = sorted([*validated.problems, *notes], key=lambda p: p.line or 0)
    return mapped


def map_landed(
    path: Path, data: bytes | None, name: str, ex: Exchange, *, spill: bool = False, **kw: Any
) -> Mapped:
    """``map_file`` of a landed copy (``data``: its content, when landing kept it in memory); a
    file above the exchange's ``part_bytes`` of a format that reads by lines is run in parts, in
    bounded memory, with the same results (``hub.engine.parts``). ``spill``: its parts' tables and
    facts are kept on disk for a delivery a part at a time (``Mapped.spilled``), not put together
    in memory."""
    if not in_parts(ex, len(data) if data is not None else path.stat().st_size):
        return map_file(data if data is not None else path.read_bytes(), name, ex, **kw)
    del data  # read again a part at a time
    return _map_parts(path, name, ex, spill=spill, **kw)


def in_parts(ex: Exchange, size: int) -> bool:
    """Whether a file of ``size`` bytes is run in parts: above the exchange's ``part_bytes``, of a
    format that reads by lines, a row-wise kind that sends no reply, not encrypted."""
    if size <= ex.config.part_bytes or (ex.pgp is not None and ex.pgp.decryption is not None):
        return False
    kind = ex.kind
    return kind.row_wise and not kind.replies and ex.format(ex.format_options).reads_by_lines()


def _map_parts(
    path: Path,
    name: str,
    ex: Exchange,
    *,
    spill: bool = False,
    reached: Callable[..., None] = _unrecorded,
    **kw: Any,
) -> Mapped:
    """Each part of the file through ``map_file``, put together as the whole file's result (with
    ``spill``, its tables and facts kept on disk part by part instead); the states are recorded
    once, for the whole file."""
    from hub.engine.parts import PART_MAX, Spill, merge, split

    mapped = Mapped(reached="mapped", spilled=Spill(path.parent) if spill else None)
    try:
        for part in split(path, min(ex.config.part_bytes, PART_MAX)):
            result = map_file(part.data, name, ex, part=part, **kw)
            if result.file_rejected and result.reached == "landed":
                if mapped.spilled is not None:
                    mapped.spilled.close()
                return result  # the file cannot be read: its one problem, as in one piece
            if mapped.spilled is not None and not result.file_rejected:
                mapped.spilled.add(result.tables, result.facts)
                result.tables, result.facts = {}, {}
            mapped = merge(mapped, result)
            del part, result  # before the next part is read
            if mapped.file_rejected:
                break
    except BaseException:
        if mapped.spilled is not None:
            mapped.spilled.close()
        raise
    if not mapped.file_rejected and (empty := _empty(mapped.rows, bool(mapped.problems), ex)) is not None:
        mapped = Mapped(problems=[empty], file_rejected=True, reached="parsed", spilled=mapped.spilled)
    if mapped.file_rejected and mapped.spilled is not None:
        mapped.spilled.close()  # nothing of the file is delivered
        mapped.spilled = None
    reached("parsed", rows=mapped.rows)
    for state in STATES[2 : STATES.index(mapped.reached) + 1]:
        reached(state)
    return mapped


def maps_ahead(ex: Exchange, size: int) -> bool:
    """Whether a file of ``size`` bytes may be parsed, validated and mapped before it is recorded
    (while it lands): its kind looks nothing up in the ledger, the exchange takes its size, and it
    is not run in parts (read back from the landed copy once recorded)."""
    return size <= ex.config.max_file_bytes and not ex.kind.lookups and not in_parts(ex, size)


def _hinted(problems: list[Problem], data: bytes, ex: Exchange) -> list[Problem]:
    """A failing file's problems, led by a hint when it looks like another format's file."""
    if not any(p.severity == "error" for p in problems):
        return problems
    from hub.engine.sniff import with_hint

    return with_hint(problems, data, ex.format_name, f"exchange {ex.name}")


def _empty(rows: int, problems: bool, ex: Exchange) -> Problem | None:
    """A partner's file with no data rows (a header and trailer only, a CSV header alone) is
    rejected unless the exchange says ``allow_empty: true`` (a lockbox with no deposits that day):
    an upload cut short must not pass as delivered with nothing in it."""
    if rows or problems or ex.config.allow_empty or is_outbound(ex.kind):
        return None
    message = (
        "the file holds no data rows (only a header?); nothing to deliver. If an empty file is "
        f"normal for exchange {ex.name}, set `allow_empty: true` in its hub.yaml section"
    )
    return Problem.of("empty-file", message, level="file")


def _opened(data: bytes, ex: Exchange, now: datetime) -> bytes | Problem:
    """An OpenPGP file's content (decrypted in memory, its signature verified against the pinned
    signer), or the file-level problem that rejects it unread. The landed copy stays as received."""
    from hub.engine import openpgp

    assert ex.pgp is not None
    try:
        content, why = openpgp.open_inbound(ex.pgp, data, now)
    except (KeyUnusable, SecretMissing) as exc:  # the utility's key: fix, then reprocess
        content, why = None, str(exc)
    if content is None:
        return Problem.of("openpgp", str(why), level="file")
    return content

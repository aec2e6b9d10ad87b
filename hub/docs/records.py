"""Tables generated into the format pages from the code, between markers:

    <!-- BEGIN records formats.nacha_layout:LAYOUTS -->
    ...
    <!-- END records -->

``records``: record layouts; the target is a module attribute holding a ``Record``, a dict of them,
or an options model whose default instance has ``records`` (a bank's lockbox layout). ``codes``: a
code list, a dict of code -> meaning (``formats.nacha_codes:RETURN_CODES``). Everything between
the markers is rewritten by ``python -m hub.docs``; the rest of the page is written by hand."""

from __future__ import annotations

import importlib
import re

from pydantic import BaseModel

from formats.fixed_width.layout import Record
from hub.docs.markdown import table
from hub.kernel.errors import HubError

BLOCK = re.compile(r"(<!-- BEGIN (records|codes) ([\w.]+):(\w+) -->\n)(.*?)(<!-- END \2 -->)", re.S)


def _records(module: str, attr: str) -> list[Record]:
    target = getattr(importlib.import_module(module), attr)
    if isinstance(target, type) and issubclass(target, BaseModel):
        target = target().records  # type: ignore[attr-defined]
    if isinstance(target, Record):
        return [target]
    if isinstance(target, dict) and all(isinstance(r, Record) for r in target.values()):
        return list(target.values())
    raise HubError(f"{module}:{attr} holds no record layouts")


def _codes(module: str, attr: str) -> list[str]:
    target = getattr(importlib.import_module(module), attr)
    if not isinstance(target, dict):
        raise HubError(f"{module}:{attr} is not a code list")
    return table(["code", "meaning"], [[f"`{code}`", str(text)] for code, text in sorted(target.items())])


def _rule(expected: str) -> str:
    """A kind's failure text ("must be 8 digits", "is required and is blank") as what the field
    holds ("8 digits", "text")."""
    if expected.startswith("must be "):
        return expected.removeprefix("must be ").replace("1 digits", "1 digit")
    if expected.startswith("reserved"):
        return "blank (reserved)"
    return "text"


def render_record(rec: Record) -> list[str]:
    width = (
        f"{rec.record_length} characters"
        if rec.record_length is not None
        else f"up to {rec.max_record_length} characters"
    )
    lines = [f"**{rec.name}** (record type `{rec.type}`, {width}):", ""]
    rows = [["`type`", "1", f"`{rec.type}`", ""]]
    for f in rec.fields:
        notes = []
        if f.optional:
            notes.append("may be blank")
        if f.sensitive:
            notes.append("masked in reports")
        rule = _rule(rec.kinds[f.kind].expected(f))
        rows.append([f"`{f.name}`", f.positions, rule, ", ".join(notes)])
    if rec.data_start is not None:
        rows.append(["free data", f"{rec.data_start}-end", "any text", ""])
    lines += table(["field", "positions", "rule", "notes"], rows)
    return [*lines, ""]


def fill(text: str) -> str:
    """``text`` with every records block rewritten from its target."""

    def block(match: re.Match[str]) -> str:
        what, module, attr = match.group(2), match.group(3), match.group(4)
        body: list[str] = []
        if what == "codes":
            body = [*_codes(module, attr), ""]
        else:
            for rec in _records(module, attr):
                body += render_record(rec)
        return match.group(1) + "\n" + "\n".join(body) + match.group(6)

    return BLOCK.sub(block, text)

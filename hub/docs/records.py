"""Record tables of the fixed-width formats, generated into the format pages between markers:

    <!-- BEGIN records formats.nacha_layout:LAYOUTS -->
    ...
    <!-- END records -->

The target is a module attribute holding a ``Record``, a dict of them, or an options model whose
default instance has ``records`` (a bank's lockbox layout). Everything between the markers is
rewritten by ``python -m hub.docs``; the rest of the page is written by hand."""

from __future__ import annotations

import importlib
import re

from pydantic import BaseModel

from formats.fixed_width.layout import Record
from hub.docs.markdown import table
from hub.kernel.errors import HubError

BLOCK = re.compile(r"(<!-- BEGIN records ([\w.]+):(\w+) -->\n)(.*?)(<!-- END records -->)", re.S)


def _records(module: str, attr: str) -> list[Record]:
    target = getattr(importlib.import_module(module), attr)
    if isinstance(target, type) and issubclass(target, BaseModel):
        target = target().records  # type: ignore[attr-defined]
    if isinstance(target, Record):
        return [target]
    if isinstance(target, dict) and all(isinstance(r, Record) for r in target.values()):
        return list(target.values())
    raise HubError(f"{module}:{attr} holds no record layouts")


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
        rule = rec.kinds[f.kind].expected(f)
        rows.append([f"`{f.name}`", f.positions, rule, ", ".join(notes)])
    if rec.data_start is not None:
        rows.append(["free data", f"{rec.data_start}-end", "any text", ""])
    lines += table(["field", "positions", "rule", "notes"], rows)
    return [*lines, ""]


def fill(text: str) -> str:
    """``text`` with every records block rewritten from its target."""

    def block(match: re.Match[str]) -> str:
        body: list[str] = []
        for rec in _records(match.group(2), match.group(3)):
            body += render_record(rec)
        return match.group(1) + "\n" + "\n".join(body) + match.group(5)

    return BLOCK.sub(block, text)

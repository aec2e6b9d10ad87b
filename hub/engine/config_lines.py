"""Where in hub.yaml a configuration mistake was written: its line and column.

Validation works on the parsed document and names a mistake by its key path
(``exchanges.x.row_policy``); an operator fixing a long file also wants the line. The document's
node tree (``yaml.compose``) gives each key's position, and each message line is given the
position of the deepest key of its path that was written (a missing key: the mapping it belongs
in).
"""

from __future__ import annotations

import re

import yaml

Marks = dict[tuple[str, ...], tuple[int, int]]


def key_marks(text: str) -> Marks:
    """Every key path of the YAML ``text`` with its 1-based line and column; an empty map when the
    text has no mapping at its top."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    marks: Marks = {}
    stack: list[tuple[tuple[str, ...], yaml.Node]] = [((), root)] if root is not None else []
    while stack:
        path, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                marks.setdefault(sub, (key.start_mark.line + 1, key.start_mark.column + 1))
                stack.append((sub, value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = (*path, str(i))
                marks.setdefault(sub, (item.start_mark.line + 1, item.start_mark.column + 1))
                stack.append((sub, item))
    return marks


def with_lines(message: str, source: str, marks: Marks) -> str:
    """``message`` with ``(line N, column M)`` after each of its lines that names a key path of
    ``source`` written in the file."""
    pattern = re.compile(rf"^{re.escape(source)}: ([^\s:]+)(?=:| )")
    out = []
    for line in message.splitlines():
        found = pattern.match(line)
        if found:
            parts = tuple(found.group(1).split("."))
            for depth in range(len(parts), 0, -1):
                mark = marks.get(parts[:depth])
                if mark is not None:
                    line = f"{line} (line {mark[0]}, column {mark[1]})"
                    break
        out.append(line)
    return "\n".join(out)

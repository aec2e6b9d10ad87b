"""What the generated reference pages share: how a pydantic field's type, default and constraints
read in a Markdown table, so the CIS contract and the configuration reference say them alike."""

from __future__ import annotations

import functools
import inspect
import re
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

_NAMES: dict[object, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Decimal: "decimal",
    date: "date",
    datetime: "date-time",
    Path: "path",
    type(None): "null",
    Any: "any",
}


def type_name(annotation: object) -> str:
    """A field's type as a reader of hub.yaml or a CIS data file sees it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is typing.Literal:
        return " | ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        shown = [type_name(a) for a in args if a is not type(None)]
        return " | ".join(shown) + (" | null" if type(None) in args else "")
    if origin in (list, tuple, set, frozenset):
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"map {type_name(args[0])} → {type_name(args[1])}" if args else "map"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"{annotation.__name__} (below)"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " | ".join(f"`{m.value}`" for m in annotation)
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def constraints(info: FieldInfo) -> str:
    """The field's bounds (``≥ 1``, ``length ≤ 1``, ``pattern …``) in words."""
    said: list[str] = []
    for item in info.metadata:
        if isinstance(item, Ge):
            said.append(f"≥ {item.ge}")
        elif isinstance(item, Gt):
            said.append(f"> {item.gt}")
        elif isinstance(item, Le):
            said.append(f"≤ {item.le}")
        elif isinstance(item, Lt):
            said.append(f"< {item.lt}")
        elif isinstance(item, MinLen):
            said.append(f"length ≥ {item.min_length}")
        elif isinstance(item, MaxLen):
            said.append(f"length ≤ {item.max_length}")
        else:
            pattern = getattr(item, "pattern", None)
            places = getattr(item, "decimal_places", None)
            if pattern:
                said.append(f"pattern `{pattern}`")
            if places is not None:
                said.append(f"≤ {places} decimals")
    return ", ".join(said)


def is_required(info: FieldInfo) -> bool:
    """Required, also when a field's name shadows a class attribute pydantic took as its default
    (a method is never a value a file could hold)."""
    return info.is_required() or callable(info.default)


def default_of(info: FieldInfo) -> str:
    """The default as it would be written in YAML, or ``required``."""
    if is_required(info):
        return "**required**"
    value = info.default
    if value is PydanticUndefined and info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    return f"`{yaml_value(value)}`"


def yaml_value(value: object) -> str:
    if value is None:
        return "null"
    if value == "":
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, BaseModel):
        dumped = value.model_dump(mode="json", exclude_defaults=True)
        return yaml_value(dumped) if dumped else "{}"
    if isinstance(value, Enum):
        return yaml_value(value.value)
    if isinstance(value, dict):
        inner = ", ".join(f"{yaml_value(k)}: {yaml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return "[" + ", ".join(yaml_value(v) for v in items) + "]"
    if isinstance(value, Path | Decimal | date):
        return str(value)
    if isinstance(value, str) and _reads_back_otherwise(value):
        return '"' + value.replace('"', '\\"') + '"'
    return str(value)


def _reads_back_otherwise(text: str) -> bool:
    """A string YAML would read as something else (``04``, ``true``, ``null``) or not at all."""
    import yaml

    try:
        return bool(yaml.safe_load(text) != text)
    except yaml.YAMLError:
        return True


def cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def first_paragraph(doc: str | None) -> str:
    """A docstring's first paragraph, joined onto one line."""
    if not doc:
        return ""
    return " ".join(doc.strip().split("\n\n")[0].split()).replace("``", "`")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    kept = "".join(c for c in text if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


_FIELD_LINE = re.compile(r"^\s+(\w+)\s*:")


@functools.cache
def _comments(model: type) -> dict[str, str]:
    """Field name -> the comment the class's source gives it: the comment lines right above the
    field, else the comment at the end of its line."""
    try:
        lines = inspect.getsource(model).splitlines()
    except (OSError, TypeError):
        return {}
    found: dict[str, str] = {}
    above: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("# ").strip())
            continue
        match = _FIELD_LINE.match(line)
        if match and not stripped.startswith(("def ", "class ", "@", "return")):
            trailing = line.split("  # ", 1)[1].strip() if "  # " in line else ""
            said = " ".join(above) or trailing
            if said and "type: ignore" not in said and "noqa" not in said:
                found.setdefault(match.group(1), said)
        above = []
    return found


def description_of(model: type[BaseModel], name: str) -> str:
    """A field's ``description``, else the comment its class's source gives it."""
    info = model.model_fields[name]
    if info.description:
        return info.description
    for cls in model.__mro__:
        if isinstance(cls, type) and issubclass(cls, BaseModel) and name in inspect.get_annotations(cls):
            return _comments(cls).get(name, "")
    return ""

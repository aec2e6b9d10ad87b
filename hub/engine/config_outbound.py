"""Configuration by direction: an inbound exchange ends in a CIS batch (destination ``cis-folder``);
an outbound one (its kind an ``OutboundKind``) turns a CIS extract into a partner's file, placed in
a folder (``folder``) or pushed to the partner (``sftp``) under a name made from a template.

What the file is, its default folder, its default name and the fields its name may use come from
the kind; nothing here knows one kind from another.
"""

from __future__ import annotations

import string
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from hub.engine.config import ExchangeConfig, PathsConfig
    from mappings.base import ExchangeKind, MappingOptions

ENGINE_NAME_FIELDS = ("exchange", "created", "file_id")  # every outbound file name may use these


class _Sample(dict[str, Any]):
    """Sample values for a name template: a time for ``created``, ``x`` for any other field."""

    def __missing__(self, key: str) -> Any:
        return datetime(2026, 1, 2, 3, 4) if key == "created" else "x"


def _file_name(template: str) -> str:
    """A name template must give a plain file name: no folders, not hidden, printable. Which
    fields it may use depends on the kind (``name_problems``)."""
    try:
        sample = template.format_map(_Sample())
    except (IndexError, ValueError) as exc:
        raise ValueError(f"not a usable name template ({exc})") from None
    if not sample or sample.startswith(".") or any(c in sample for c in "/\\") or not sample.isprintable():
        raise ValueError("the name must be a plain file name: no folders, not hidden, printable")
    return template


FileName = Annotated[str, AfterValidator(_file_name)]


class FolderDestination(BaseModel):
    """Outbound files placed in a folder another system (the bank's transfer client) collects from:
    written under a hidden temporary name and renamed; an uncollected file is never overwritten.
    ``path`` defaults to ``<outbox>/<the kind's folder>``, ``file_name`` to the kind's template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["folder"] = Field("folder", description="selects this destination")
    path: Path | None = Field(None, description="default: <outbox>/<the kind's folder, e.g. ach>")
    file_name: FileName | None = Field(None, description="default: the kind's name template")


def is_outbound(kind: type[ExchangeKind[MappingOptions]]) -> bool:
    return kind.direction == "outbound"


def name_problems(template: str, kind: type[ExchangeKind[MappingOptions]]) -> list[str]:
    """The fields of ``template`` that neither the engine nor the kind fills."""
    allowed = (*ENGINE_NAME_FIELDS, *getattr(kind, "name_fields", {}))
    used = {
        field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(template) if field
    }
    unknown = sorted(used - set(allowed))
    if not unknown:
        return []
    shown = ", ".join("{created:%Y%m%d}" if f == "created" else f"{{{f}}}" for f in allowed)
    return [f"not a usable name template (unknown field(s) {', '.join(unknown)}); fields are {shown}"]


def direction_problems(ex: ExchangeConfig, kind: type[ExchangeKind[MappingOptions]]) -> list[str]:
    """Mistakes of direction, each as ``<key>: <message>``: an outbound exchange needs a folder or
    SFTP destination; an inbound one delivers CIS batches only."""
    dest = ex.destination
    if is_outbound(kind):
        if "destination" in ex.model_fields_set and dest.type == "cis-folder":
            what = getattr(kind, "describes", "a partner's file")
            return [f"destination.type: kind {kind.name} writes {what}: use folder or sftp, not cis-folder"]
        if dest.type != "cis-folder" and dest.file_name is not None:
            return [f"destination.{dest.type}.file_name: {p}" for p in name_problems(dest.file_name, kind)]
        return []
    if dest.type != "cis-folder":
        return [f"destination.type: kind {kind.name} delivers CIS batches: use cis-folder, not {dest.type}"]
    return []


def with_outbound_defaults(ex: ExchangeConfig, kind: type[ExchangeKind[MappingOptions]]) -> ExchangeConfig:
    """An outbound exchange's own defaults: extracts are ``*.csv`` files, and the file goes to a
    folder (``<outbox>/<the kind's folder>``) under the kind's name template unless given."""
    if not is_outbound(kind):
        return ex
    update: dict[str, object] = {}
    if "source" not in ex.model_fields_set:
        update["source"] = ex.source.model_copy(update={"pattern": "*.csv"})
    dest = ex.destination if "destination" in ex.model_fields_set else FolderDestination()
    if dest.type != "cis-folder" and dest.file_name is None:
        dest = dest.model_copy(update={"file_name": kind.default_file_name})  # type: ignore[attr-defined]
    update["destination"] = dest
    return ex.model_copy(update=update)


def destination_folder(
    ex: ExchangeConfig, name: str, paths: PathsConfig, kind: type[ExchangeKind[MappingOptions]]
) -> Path:
    """The local folder of an exchange's destination (relative to hub.yaml's folder unless
    absolute): CIS batches, the outbound folder, or for an SFTP push where the file is kept."""
    dest = ex.destination
    if dest.type == "cis-folder":
        return dest.path or paths.outbox / "cis"
    if dest.type == "folder":
        return dest.path or paths.outbox / getattr(kind, "default_folder", name)
    return paths.var / "outbound" / name

"""Configuration of outbound exchanges: the originator of the autopay debit file (kind ``ach-debits``)
and the folder it is placed in (the SFTP push, ``SftpDestination``, sits beside the SFTP source in
``hub.engine.config``).

An inbound exchange ends in a CIS batch (destination ``cis-folder``); an outbound one turns a CIS
extract into a partner file, placed in a folder (``folder``) or pushed to the partner (``sftp``).
Every text that goes into a NACHA field is checked against that field here: a name that does not
fit is a configuration mistake, never cut to fit.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from hub.engine.config import ExchangeConfig, PathsConfig

OUTBOUND_KINDS = frozenset({"ach-debits"})  # kinds whose exchange turns a CIS extract into a partner file
NACHA_TEXT = r"^[\x20-\x7E]*$"  # NACHA alphanumeric fields: printable ASCII
DEFAULT_FILE_NAME = "{exchange}-{created:%Y%m%d}-{modifier}-f{file_id}.ach"


def _file_name(template: str) -> str:
    """A name template must give a plain file name: no folders, not hidden, printable."""
    try:
        sample = template.format(exchange="x", created=datetime(2026, 1, 2, 3, 4), modifier="A", file_id=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(
            f"not a usable name template ({exc}); fields are {{exchange}}, {{created:%Y%m%d}}, "
            "{modifier} and {file_id}"
        ) from None
    if not sample or sample.startswith(".") or any(c in sample for c in "/\\") or not sample.isprintable():
        raise ValueError("the name must be a plain file name: no folders, not hidden, printable")
    return template


FileName = Annotated[str, AfterValidator(_file_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FolderDestination(_Strict):
    """Outbound files placed in a folder another system (the bank's transfer client) collects from:
    written under a hidden temporary name and renamed; an uncollected file is never overwritten."""

    type: Literal["folder"] = "folder"
    path: Path | None = Field(None, description="default: <outbox>/ach")
    file_name: FileName = DEFAULT_FILE_NAME


class Originator(_Strict):
    """Who originates the debits, as the NACHA file and batch headers name it. ``odfi`` is the
    originating bank's routing number without its check digit (it starts every trace number);
    ``immediate_destination`` the routing number the file is sent to (usually the ODFI's, with the
    check digit). Rows without an ``effective_date`` settle ``effective_days`` business days after
    the run, skipping weekends and ``holidays``."""

    company_name: str = Field(min_length=1, max_length=16, pattern=NACHA_TEXT)
    company_id: str = Field(min_length=1, max_length=10, pattern=r"^[0-9A-Za-z]+$")
    odfi: str = Field(pattern=r"^[0-9]{8}$")
    immediate_destination: str
    immediate_destination_name: str = Field("", max_length=23, pattern=NACHA_TEXT)
    immediate_origin: str = Field(min_length=1, max_length=10, pattern=r"^[0-9A-Za-z]+$")
    immediate_origin_name: str = Field("", max_length=23, pattern=NACHA_TEXT)
    sec_code: Literal["PPD", "CCD", "WEB", "TEL"] = "PPD"
    entry_description: str = Field("AUTOPAY", min_length=1, max_length=10, pattern=NACHA_TEXT)
    company_discretionary: str = Field("", max_length=20, pattern=NACHA_TEXT)
    effective_days: int = Field(1, ge=0, le=10)
    holidays: list[date] = Field(default_factory=list)

    @field_validator("immediate_destination")
    @classmethod
    def _routing(cls, value: str) -> str:
        from formats.nacha_layout import routing_ok  # only when an outbound exchange is configured

        if not routing_ok(value):
            raise ValueError("must be a 9-digit routing number with a valid check digit")
        return value


def is_outbound(kind: str) -> bool:
    return kind in OUTBOUND_KINDS


def direction_problems(ex: ExchangeConfig) -> list[str]:
    """Mistakes of direction, each as ``<key>: <message>``: an outbound exchange needs an
    originator and a folder or SFTP destination; an inbound one delivers CIS batches only."""
    dest = ex.destination.type
    if is_outbound(ex.kind):
        problems = []
        if ex.originator is None:
            problems.append(
                f"originator: required for kind {ex.kind} (company_name, company_id, odfi, "
                "immediate_destination, immediate_origin)"
            )
        if "destination" in ex.model_fields_set and dest == "cis-folder":
            problems.append(
                f"destination.type: kind {ex.kind} writes a NACHA file: use folder or sftp, not cis-folder"
            )
        return problems
    problems = []
    if ex.originator is not None:
        problems.append(f"originator: only outbound exchanges ({', '.join(sorted(OUTBOUND_KINDS))}) have one")
    if dest != "cis-folder":
        problems.append(f"destination.type: kind {ex.kind} delivers CIS batches: use cis-folder, not {dest}")
    return problems


def with_outbound_defaults(ex: ExchangeConfig) -> ExchangeConfig:
    """An outbound exchange's own defaults: extracts are ``*.csv`` files, and the file goes to a
    folder (``<outbox>/ach``) unless a destination is given."""
    if not is_outbound(ex.kind):
        return ex
    update: dict[str, object] = {}
    if "source" not in ex.model_fields_set:
        update["source"] = ex.source.model_copy(update={"pattern": "*.csv"})
    if "destination" not in ex.model_fields_set:
        update["destination"] = FolderDestination()
    return ex.model_copy(update=update) if update else ex


def destination_folder(ex: ExchangeConfig, name: str, paths: PathsConfig) -> Path:
    """The local folder of an exchange's destination (relative to hub.yaml's folder unless
    absolute): CIS batches, the outbound folder, or for an SFTP push where the file is kept."""
    dest = ex.destination
    if dest.type == "cis-folder":
        return dest.path or paths.outbox / "cis"
    if dest.type == "folder":
        return dest.path or paths.outbox / "ach"
    return paths.var / "outbound" / name

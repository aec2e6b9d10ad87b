"""The hub's configuration: one YAML file (``hub.yaml``) validated by pydantic before anything runs.

Format and mapping options are validated by the models their implementations declare (the config
spec lives beside each implementation), and every mistake is reported with its key path.
Secrets never live in the file: the ledger URL's password comes from an environment variable or a
file named here.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator

from connectors.base import Strict
from hub.engine import config_outbound as outbound  # kind ach-debits: the originator and where its file goes
from hub.engine.config_checks import (
    confinement_problems,
    declaration_problems,
    format_validation_error,
    option_errors,
    register_plugins,
    reply_route_problems,
    take_sections,
)
from hub.engine.config_console import ConsoleConfig
from hub.engine.config_openpgp import Decryption, Encryption, OpenPgpConfig, PgpPlan, pgp_problems, plan_of
from hub.engine.config_partners import PartnersConfig, partner_source
from hub.engine.config_shared import shared_options
from hub.engine.config_transport import (
    CisFolderDestination,
    FolderSource,
    SftpDestination,
    SftpReplyDestination,
    SftpSource,
)
from hub.engine.default_config import DEFAULT_CONFIG as DEFAULT_CONFIG  # the file `hub init` writes
from hub.kernel.errors import ConfigError, SecretMissing, os_reason

if TYPE_CHECKING:
    from formats.base import Format, FormatOptions
    from mappings.base import ExchangeKind, MappingOptions

PluginTarget = Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")]
EXCHANGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class LedgerConfig(Strict):
    """Where the ledger lives. ``url`` is any SQLAlchemy URL without a password; relative SQLite
    paths are resolved against the folder holding hub.yaml."""

    url: str = Field("sqlite:///var/hub.db", description="SQLAlchemy URL of the ledger, without a password")
    url_env: str | None = Field(None, description="environment variable holding the full URL")
    password_env: str | None = Field(None, description="environment variable holding the password")
    password_file: Path | None = Field(None, description="file holding the password")
    wait_seconds: float = Field(60, gt=0, description="how long a command waits for a locked SQLite ledger")

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str) -> str:
        if re.match(r"^[a-z0-9+]+://[^/@]*:[^/@]*@", url):
            raise ValueError("the URL holds a password; use password_env or password_file instead")
        return url


class PathsConfig(Strict):
    var: Path = Field(Path("var"), description="the ledger (SQLite), landed copies, reports, the keyring")
    inbox: Path = Field(Path("inbox"), description="drop folders: <inbox>/<exchange name> by default")
    outbox: Path = Field(Path("outbox"), description="CIS batches (<outbox>/cis) and outbound files")


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Schedule(Strict):
    """When ``hub run`` pulls the exchange: a five-field cron expression in ``timezone`` (default the
    hub's). A run may start up to ``misfire_grace_seconds`` late (the service was busy); runs that
    pile up are coalesced into one. With ``catch_up`` (the default) a run missed while the service
    was down is made up once when it starts (the ledger knows the last scheduled run)."""

    cron: str = Field(description='minute hour day month weekday, e.g. "15 6 * * mon-fri"')
    timezone: str | None = Field(None, description="IANA zone of the cron; default the hub's")
    misfire_grace_seconds: int = Field(3600, ge=1, description="how late a run may still start")
    catch_up: bool = Field(True, description="make up once, at start, a run missed while down")

    @field_validator("cron")
    @classmethod
    def _cron(cls, cron: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(cron)
        except ValueError as exc:
            raise ValueError(f"not a cron expression (minute hour day month weekday): {exc}") from exc
        return cron


class Expected(Strict):
    """When the partner's file is due: by ``by`` (HH:MM, local to ``timezone``) on ``days``, except
    the ``holidays``. A day past its time without a file is overdue: an alert on ``hub status`` and in
    the service's log."""

    by: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM the file is due by")
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), description="days a file is due")
    holidays: list[date] = Field(default_factory=list, description="dates no file is due (YYYY-MM-DD)")
    timezone: str | None = Field(None, description="IANA zone of `by`; default the exchange's")


class ExchangeConfig(Strict):
    kind: str = Field(description="the exchange kind (what the file means), e.g. ach-returns")
    format: str | None = Field(None, description="default: the kind's own format")
    format_options: dict[str, Any] = Field(default_factory=dict, description="the format's options (below)")
    mapping_options: dict[str, Any] = Field(default_factory=dict, description="the kind's options (below)")
    source: FolderSource | SftpSource = Field(
        default_factory=FolderSource, discriminator="type", description="where files come from"
    )
    destination: CisFolderDestination | outbound.FolderDestination | SftpDestination = Field(
        default_factory=CisFolderDestination, discriminator="type", description="where the output goes"
    )
    row_policy: Literal["reject-file", "accept-valid-rows"] = Field(
        "reject-file", description="one bad row rejects the file, or the valid rows are delivered"
    )
    # Folders outside hub.yaml's folder (source, archive, destination) only when this says so.
    allow_outside_root: bool = Field(False, description="allow folders outside hub.yaml's folder")
    timezone: str | None = Field(None, description="default: the hub's timezone")
    max_file_bytes: int = Field(2 * 1024**3, gt=0, description="a larger file is refused")
    part_bytes: int = Field(
        128 * 1024**2, gt=0, description="a larger file of a line format is run in parts (bounded memory)"
    )
    allow_empty: bool = Field(False, description="accept a file with no data rows (default: rejected)")
    enabled: bool = Field(True, description="false: the exchange is skipped")
    schedule: Schedule | None = Field(None, description="cron schedule of `hub run`")
    watch: bool = Field(False, description="folder sources: take files as they complete (`hub run`)")
    expected: Expected | None = Field(None, description="when the partner's file is due")
    reply_destinations: dict[str, SftpReplyDestination] = Field(
        default_factory=dict, description="partner -> its server: replies for it are pushed there too"
    )
    encryption: Encryption | None = Field(None, description="outbound: OpenPGP-encrypt (and sign) the file")
    encrypt: bool | None = Field(None, description="false: a kind that requires encryption goes without")
    decryption: Decryption | None = Field(None, description="inbound: decrypt and verify OpenPGP files")


class ServiceConfig(Strict):
    """``hub run`` and every hub process: how often watched folders are swept for files whose event
    was missed, how long to wait after an event before looking, the log format (``text`` for
    people, ``json``: one object per line for machines), and the lease of a claim on a file."""

    sweep_seconds: float = Field(60, gt=0, description="how often watched folders are swept")
    settle_seconds: float = Field(1, ge=0, description="wait after a folder event before looking")
    rehearse_rows: int = Field(
        1_000_000,
        ge=0,
        description="most rows of the generated file a rehearsed exchange runs at start: its largest"
        " file of the last 30 days, this many when it has none yet (0: no rehearsal)",
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="service log: text or one JSON object a line"
    )
    # How long a file taken by one hub process stays its own without a sign of life; after that
    # (or at once when the process is gone from this host) another process may finish it.
    claim_lease_seconds: float = Field(
        900, ge=5, description="how long a claim on a file lasts without a sign of life"
    )


class ReferenceConfig(Strict):
    """``hub reference load``: an extract with fewer rows than ``min_row_ratio`` of the current
    load's is refused without ``--force`` (a truncated export must not replace the CIS's accounts)."""

    min_row_ratio: float = Field(
        0.8, ge=0, le=1, description="a smaller share of the current load's rows needs --force"
    )


class HubConfig(Strict):
    version: Literal[1] = Field(1, description="the file's format version")
    timezone: str = Field("UTC", description="IANA zone of times written without an offset")
    ledger: LedgerConfig = Field(LedgerConfig(), description="where the ledger lives")
    paths: PathsConfig = Field(PathsConfig(), description="the hub's folders, relative to hub.yaml's")
    service: ServiceConfig = Field(ServiceConfig(), description="`hub run` and every hub process")
    openpgp: OpenPgpConfig = Field(OpenPgpConfig(), description="the utility's own OpenPGP key")
    partners: PartnersConfig = Field(
        PartnersConfig(), description="`hub partner`: partners uploading over SFTP into chroots"
    )
    console: ConsoleConfig = Field(ConsoleConfig(), description="how the operator console is served")
    reference: ReferenceConfig = Field(ReferenceConfig(), description="`hub reference load`'s checks")
    # A site's own exchange kinds and formats: name -> "package.module:Class" (registered before the
    # exchanges are read; see docs/adding-an-exchange.md).
    kinds: dict[str, PluginTarget] = Field(
        default_factory=dict, description="a site's own kinds: name -> module:Class"
    )
    formats: dict[str, PluginTarget] = Field(
        default_factory=dict, description="a site's own formats: name -> module:Class"
    )
    exchanges: dict[str, ExchangeConfig] = Field(default_factory=dict, description="the exchanges, by name")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, tz: str) -> str:
        return _check_zone(tz)

    @field_validator("exchanges")
    @classmethod
    def _names(cls, exchanges: dict[str, ExchangeConfig]) -> dict[str, ExchangeConfig]:
        for name, ex in exchanges.items():
            if not EXCHANGE_NAME.match(name):
                raise ValueError(f"exchange name {name!r} must be lower-case letters, digits and '-'")
            zones = (ex.timezone, ex.schedule and ex.schedule.timezone, ex.expected and ex.expected.timezone)
            for zone in zones:
                if zone:
                    _check_zone(zone)
            if ex.watch and ex.source.type != "folder":
                raise ValueError(f"exchange {name!r}: watch works on folder sources; schedule an sftp source")
        return exchanges


def _check_zone(tz: str) -> str:
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r} (expected an IANA name like America/Chicago)") from exc
    return tz


@dataclass(frozen=True)
class Exchange:
    """One configured exchange with its options resolved against its format and mapping."""

    name: str
    config: ExchangeConfig
    in_inbox: bool  # its folder source is a drop folder in the hub's inbox (the hub makes it)
    kind: type[ExchangeKind[MappingOptions]]
    format: type[Format[FormatOptions]]
    format_name: str
    format_options: FormatOptions
    mapping_options: MappingOptions
    timezone: str
    source_path: Path
    archive_path: Path
    destination_path: Path
    pgp: PgpPlan | None = None  # OpenPGP: encrypt/sign outbound files, decrypt/verify inbound ones

    @property
    def file_name(self) -> str:
        """An outbound exchange's file-name template (its kind's own unless configured)."""
        dest = self.config.destination
        if dest.type == "cis-folder" or dest.file_name is None:
            raise ConfigError(f"exchange {self.name} writes no partner file")
        return dest.file_name


@dataclass(frozen=True)
class Settings:
    """The loaded configuration with paths made absolute against the config's folder."""

    config: HubConfig
    root: Path
    path: Path | None
    exchanges: dict[str, Exchange]

    @property
    def var(self) -> Path:
        return self.root / self.config.paths.var

    @property
    def landed_dir(self) -> Path:
        return self.var / "landed"

    def exchange(self, name: str) -> Exchange:
        from hub.kernel.errors import UsageError

        try:
            return self.exchanges[name]
        except KeyError:
            known = ", ".join(sorted(self.exchanges)) or "none configured"
            raise UsageError(
                f"no exchange named {name!r} (known: {known})",
                hint="name one of the exchanges of the configuration (hub status lists them)",
            ) from None

    def ledger_url(self) -> str:
        """The ledger URL with its secret filled in from the environment or a file."""
        led = self.config.ledger
        if led.url_env:
            url = os.environ.get(led.url_env)
            if not url:
                raise SecretMissing(f"ledger.url_env names {led.url_env}, which is not set")
            return url
        url = led.url
        password: str | None = None
        if led.password_env:
            password = os.environ.get(led.password_env)
            if password is None:
                raise SecretMissing(f"ledger.password_env names {led.password_env}, which is not set")
        elif led.password_file:
            pw_path = self.root / led.password_file
            try:
                password = pw_path.read_text().strip()
            except OSError as exc:
                raise SecretMissing(f"ledger.password_file {pw_path}: {os_reason(exc)}") from exc
        if password is not None:
            from urllib.parse import quote

            scheme, rest = url.split("://", 1)
            user, host = rest.split("@", 1) if "@" in rest else ("", rest)
            url = f"{scheme}://{user}:{quote(password, safe='')}@{host}"
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            rel = url.removeprefix("sqlite:///")
            url = f"sqlite:///{(self.root / rel).resolve()}"
        return url


def parse_config(raw: object, *, root: Path, source: str = "hub.yaml", path: Path | None = None) -> Settings:
    """Validate a configuration document and resolve every exchange; raise ConfigError listing all
    mistakes with their key paths."""
    from formats import get_format
    from mappings import get_kind

    if not raw:
        raise ConfigError(f"{source}: the file is empty; run `hub init` to write a commented default")
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys, got {type(raw).__name__}")
    problems = register_plugins(raw, source)
    doc, sections = take_sections(raw)
    try:
        cfg = HubConfig.model_validate(doc)
    except ValidationError as exc:
        raise ConfigError("\n".join([*problems, format_validation_error(exc, (), source)])) from None

    exchanges: dict[str, Exchange] = {}
    for name, ex in cfg.exchanges.items():
        where = f"{source}: exchanges.{name}"
        try:
            kind = get_kind(ex.kind)
        except KeyError as exc:
            problems.append(f"{where}.kind: {exc.args[0]}")
            continue
        fmt_name = ex.format or kind.default_format
        try:
            fmt = get_format(fmt_name)
        except KeyError as exc:
            problems.append(f"{where}.format: {exc.args[0]}")
            continue
        try:
            fopts = fmt.options_model.model_validate(ex.format_options)
        except ValidationError as exc:
            problems.append(format_validation_error(exc, ("exchanges", name, "format_options"), source))
            continue
        try:
            mopts = kind.options_model.model_validate({**ex.mapping_options, **sections.get(name, {})})
        except ValidationError as exc:
            problems += option_errors(exc, name, kind, source)
            continue
        problems += [f"{where}.mapping_options: {msg}" for msg in kind.check_options(mopts, fopts)]
        problems += [f"{where}.kind: {msg}" for msg in declaration_problems(kind)]
        problems += [f"{where}.reply_destinations: {msg}" for msg in reply_route_problems(ex, kind, mopts)]
        problems += [f"{where}.{msg}" for msg in outbound.direction_problems(ex, kind)]
        problems += [f"{where}.{msg}" for msg in pgp_problems(ex, kind, cfg.openpgp)]
        ex = outbound.with_outbound_defaults(ex, kind)
        folder = ex.source if isinstance(ex.source, FolderSource) else FolderSource()
        src = root / (folder.path or cfg.paths.inbox / name)
        if isinstance(ex.source, FolderSource):
            ex = ex.model_copy(update={"source": partner_source(ex.source, src, cfg.partners)})
        exchanges[name] = Exchange(
            in_inbox=src.resolve().is_relative_to((root / cfg.paths.inbox).resolve()),
            name=name,
            config=ex,
            kind=kind,
            format=fmt,
            format_name=fmt_name,
            format_options=fopts,
            mapping_options=mopts,
            timezone=ex.timezone or cfg.timezone,
            source_path=src,
            archive_path=root / folder.archive_dir if folder.archive_dir else src / "archive",
            destination_path=root / outbound.destination_folder(ex, name, cfg.paths, kind),
            pgp=plan_of(ex, cfg.openpgp, var=root / cfg.paths.var, root=root),
        )
    if not cfg.exchanges:
        problems.append(f"{source}: exchanges: none configured; the hub needs at least one (see `hub init`)")
    written = {n: e.mapping_options for n, e in cfg.exchanges.items()}
    problems += shared_options(exchanges, written, source)
    problems += confinement_problems(exchanges, root=root, var=root / cfg.paths.var, source=source)
    if problems:
        raise ConfigError("\n".join(problems))
    return Settings(config=cfg, root=root, path=path, exchanges=exchanges)


def _parsed(text: str) -> Any:
    """``yaml.safe_load(text)`` through libyaml's parser when PyYAML has it (~1.5 ms for the default
    hub.yaml against ~17 ms in pure Python); a mistake is reported by the pure-Python parser, whose
    messages (what is wrong, line and column) are the ones the hub has always shown."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_config(path: Path) -> Settings:
    """Read and validate ``hub.yaml``. A missing file is an error that says how to create one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no configuration file; run `hub init` to write a commented default",
            hint="hub init writes one; or pass --config PATH, or set HUB_CONFIG",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        raw = _parsed(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None
    try:
        return parse_config(raw, root=path.parent.resolve(), source=path.name, path=path)
    except ConfigError as exc:
        from hub.engine.config_lines import key_marks, with_lines

        said = with_lines(str(exc), path.name, key_marks(text))
        raise type(exc)(said, hint=exc.hint) from None

"""How hub.yaml's mistakes are said, and what the plug-ins an exchange names add to the checks: the
site's own kinds and formats are registered (``kinds:``, ``formats:``), a kind's option sections are
taken from beside ``mapping_options``, and a kind may declare only look-ups and facts the engine
knows, and a reply destination only for a partner of the kind's replies. Every mistake is one line
with its key path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

if TYPE_CHECKING:
    from hub.engine.config import Exchange, ExchangeConfig
    from mappings.base import ExchangeKind, MappingOptions


def confinement_problems(exchanges: dict[str, Exchange], *, root: Path, var: Path, source: str) -> list[str]:
    """Every folder an exchange reads, archives into or writes to resolves (symlinks included)
    inside the hub's folder unless the exchange says ``allow_outside_root``; no source is a
    destination's folder (it would archive what the CIS or a partner collects) or the hub's own
    ``var`` (landed copies, the ledger)."""
    top = root.resolve()
    kept = var.resolve()
    destinations = {name: ex.destination_path.resolve() for name, ex in exchanges.items()}
    problems = []
    for name, ex in exchanges.items():
        where = f"{source}: exchanges.{name}"
        folders = {"destination": ex.destination_path}
        if ex.config.source.type == "folder":
            folders |= {"source": ex.source_path, "source.archive_dir": ex.archive_path}
        for key, folder in folders.items():
            real = folder.resolve()
            if not ex.config.allow_outside_root and not real.is_relative_to(top):
                problems.append(
                    f"{where}.{key}: {folder} is outside the hub's folder {top} (resolved: {real}); "
                    "set allow_outside_root: true on the exchange if that is meant"
                )
        if ex.config.source.type != "folder":
            continue
        real = ex.source_path.resolve()
        for other, dest in destinations.items():
            if real == dest or real.is_relative_to(dest):
                what = "its own destination" if other == name else f"exchange {other}'s destination"
                problems.append(
                    f"{where}.source: {ex.source_path} is {what} ({dest}): it would take what it delivers"
                )
        if real == kept or real.is_relative_to(kept):
            problems.append(f"{where}.source: {ex.source_path} is inside the hub's own var folder {kept}")
    return problems


SECRET_KEYS = frozenset({"url", "password", "passphrase", "secret", "token", "key"})  # never echoed


def format_validation_error(exc: ValidationError, prefix: tuple[str | int, ...], source: str) -> str:
    """One line per mistake: ``hub.yaml: exchanges.x.row_policy: expected ... (got ...)``."""
    return "\n".join(mistake(err, prefix, source) for err in exc.errors())


def mistake(err: ErrorDetails, prefix: tuple[str | int, ...], source: str) -> str:
    loc = ".".join(str(p) for p in (*prefix, *err["loc"]))
    msg = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    secret = any(str(part).lower() in SECRET_KEYS for part in err["loc"])
    hidden = secret or err["type"] == "missing" or isinstance(got, dict)
    shown = "" if hidden else f" (got {got!r})"
    return f"{source}: {loc or '(top)'}: {msg}{shown}"


def register_plugins(raw: dict[str, Any], source: str) -> list[str]:
    """Register the site's own kinds and formats (``kinds:``/``formats:`` in hub.yaml) before any
    exchange names them; each mistake is one line."""
    import formats
    import mappings

    problems = []
    for key, registry in (("kinds", mappings), ("formats", formats)):
        entries = raw.get(key)
        if not isinstance(entries, dict):
            continue  # HubConfig reports what is wrong with it
        for name, target in entries.items():
            try:
                registry.register(str(name), str(target))
            except ValueError as exc:
                problems.append(f"{source}: {key}.{name}: {exc}")
    return problems


def take_sections(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The document without the parts of each exchange that belong to its kind's options
    (``ExchangeKind.option_sections``, e.g. ach-debits' ``originator``), and those parts."""
    exchanges = raw.get("exchanges")
    if not isinstance(exchanges, dict):
        return raw, {}
    from mappings import get_kind

    sections: dict[str, dict[str, Any]] = {}
    rest: dict[str, Any] = {}
    for name, ex in exchanges.items():
        rest[name] = ex
        if not isinstance(ex, dict) or not isinstance(ex.get("kind"), str):
            continue
        try:
            kind = get_kind(ex["kind"])
        except KeyError:
            continue  # reported when the exchange is resolved
        mine = {key: ex[key] for key in kind.option_sections if key in ex}
        if mine:
            sections[name] = mine
            rest[name] = {k: v for k, v in ex.items() if k not in mine}
    return {**raw, "exchanges": rest}, sections


def option_errors(
    exc: ValidationError, name: str, kind: type[ExchangeKind[MappingOptions]], source: str
) -> list[str]:
    """The kind's option mistakes, each under the key it was written at: a section of the exchange
    (``exchanges.x.originator``) or ``mapping_options``."""
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        if loc and loc[0] in kind.option_sections:
            if err["type"] == "missing" and len(loc) == 1:
                model = kind.options_model.model_fields[str(loc[0])].annotation
                needed = [f for f, info in getattr(model, "model_fields", {}).items() if info.is_required()]
                what = f"required for kind {kind.name} ({', '.join(needed)})"
                lines.append(f"{source}: exchanges.{name}.{loc[0]}: {what}")
                continue
            prefix: tuple[str | int, ...] = ("exchanges", name)
        else:
            prefix = ("exchanges", name, "mapping_options")
        lines.append(mistake(err, prefix, source))
    return lines


def declaration_problems(kind: type[ExchangeKind[MappingOptions]]) -> list[str]:
    """Look-ups and facts a kind declares that the engine does not know."""
    from hub.engine.facts import FACTS
    from hub.engine.lookups import ANSWERS

    problems = []
    for what, names, known in (("looks up", kind.lookups, ANSWERS), ("keeps facts", kind.persists, FACTS)):
        unknown = sorted(set(names) - set(known))
        if unknown:
            problems.append(
                f"kind {kind.name} {what} {', '.join(unknown)}, which the engine does not know "
                f"(known: {', '.join(sorted(known))})"
            )
    return problems


def reply_route_problems(
    ex: ExchangeConfig, kind: type[ExchangeKind[MappingOptions]], options: MappingOptions
) -> list[str]:
    """Reply destinations of partners the kind's replies can be for (none for a kind without
    replies)."""
    routes = sorted(ex.reply_destinations)
    if not routes:
        return []
    if not kind.replies:
        return [f"kind {kind.name} sends no replies; remove reply_destinations"]
    partners = kind.reply_partners(options)
    unknown = [r for r in routes if r not in partners]
    if unknown:
        known = ", ".join(sorted(partners)) or "none"
        return [f"{', '.join(unknown)}: not a partner of this exchange (its partners: {known})"]
    return []

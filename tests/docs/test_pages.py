"""The pages of docs/ are checked like code: every relative link resolves to a file (and anchor)
in the repository, no page sends the reader outside it, and every example file a format page
shows is read by that format without an error."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import formats
from formats.base import ReadContext
from hub.docs.markdown import slug
from hub.kernel.errors import ParseError
from tests.docs.rule_ids import ROOT

PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
EXAMPLE = re.compile(r"<!-- example: ([\w-]+)( \{.*?\})? -->\n```\w*\n(.*?)```", re.S)
AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # the day the examples are read on


def _anchors(page: Path) -> set[str]:
    """The anchors of a page's headings, as GitHub makes them (a repeated one gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        base = slug(line.lstrip("#").strip())
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def _links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return [a or b for a, b in LINK.findall(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for link in _links(page):
        if re.match(r"^[a-z]+:", link):
            continue  # an absolute URL
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists() or not target.is_relative_to(ROOT):
            broken.append(f"{link}: no such file in the repository")
        elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
            broken.append(f"{link}: no heading with anchor #{anchor}")
    assert broken == []


def test_the_docs_have_an_index_every_page_is_reachable_from() -> None:
    index = ROOT / "docs" / "README.md"
    assert "docs/README.md" in _links(ROOT / "README.md")
    reached = {(index.parent / link.partition("#")[0]).resolve() for link in _links(index)}
    formats_index = ROOT / "docs" / "formats" / "README.md"
    reached |= {(formats_index.parent / link.partition("#")[0]).resolve() for link in _links(formats_index)}
    pages = {p.resolve() for p in (ROOT / "docs").rglob("*.md")} - {index.resolve()}
    assert sorted(str(p.relative_to(ROOT)) for p in pages - reached) == []


def test_no_page_and_no_module_points_outside_the_repository() -> None:
    outside = re.compile(r"\.\./shared|shared/(corpus|DESIGN|FORMATS|EXAMPLES)|FORMATS\.md|DESIGN\.md")
    files = [*PAGES, ROOT / "pyproject.toml"]
    files += [p for pkg in ("hub", "formats", "mappings", "connectors") for p in (ROOT / pkg).rglob("*.py")]
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files for m in outside.finditer(p.read_text())]
    assert found == []


def _examples() -> list[tuple[str, str, dict[str, object], str]]:
    found = []
    for page in sorted((ROOT / "docs" / "formats").glob("*.md")):
        for name, options, body in EXAMPLE.findall(page.read_text(encoding="utf-8")):
            found.append((page.name, name, json.loads(options) if options else {}, body))
    return found


def test_every_format_page_shows_an_example() -> None:
    shown = {name for _, name, _, _ in _examples()}
    assert shown == set(formats.format_names())


@pytest.mark.parametrize(("page", "name", "options", "body"), _examples(), ids=lambda v: str(v)[:30])
def test_every_example_is_read_without_an_error(
    page: str, name: str, options: dict[str, object], body: str
) -> None:
    fmt_class = formats.get_format(name)
    fmt = fmt_class(fmt_class.options_model.model_validate(options))
    ctx = ReadContext(file=f"{page}-example", now=AS_OF, received=AS_OF)
    try:
        parsed = fmt.read(body.encode(), ctx)
    except ParseError as exc:
        pytest.fail(f"{page}: the {name} example cannot be read: {exc}")
    validated = fmt.validate(parsed, ctx)
    errors = [p for p in validated.problems if p.severity == "error"]
    assert errors == []
    assert validated.table.height >= 1


def test_every_docs_page_the_code_names_exists() -> None:
    # the default hub.yaml, docstrings and comments send the reader to docs/ pages: they must be there
    files = [ROOT / "pyproject.toml", ROOT / "Makefile"]
    files += [p for pkg in ("hub", "formats", "mappings", "connectors") for p in (ROOT / pkg).rglob("*.py")]
    named = {
        (p.relative_to(ROOT).as_posix(), m.group(1).rstrip(".,;:)"))
        for p in files
        for m in re.finditer(r"(?<![\w/])(docs/[\w./-]+)", p.read_text(encoding="utf-8"))
    }
    assert ("hub/engine/default_config.py", "docs/configuration.md") in named
    missing = sorted((where, page) for where, page in named if not (ROOT / page).exists())
    assert missing == []

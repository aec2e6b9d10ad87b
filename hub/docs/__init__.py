"""The reference pages of ``docs/`` generated from the code, so they cannot drift from it:
``docs/cis-transactions.md`` (the transaction models), ``docs/configuration.md`` (the
configuration models) and the record tables of the fixed-width formats' pages (their layouts).
``python -m hub.docs`` writes them; ``--check`` only compares."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path


def pages(root: Path) -> dict[str, Callable[[], str]]:
    """Page path (relative to ``root``, the repository) -> the function that renders it: the two
    reference pages, and each format page with record tables (``hub.docs.records``)."""
    from hub.docs import cis_page, config_page, records

    found: dict[str, Callable[[], str]] = {
        "docs/cis-transactions.md": cis_page.render,
        "docs/configuration.md": config_page.render,
    }
    for path in sorted((root / "docs" / "formats").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if records.BLOCK.search(text):
            found[path.relative_to(root).as_posix()] = partial(records.fill, text)
    return found


def stale(root: Path) -> list[str]:
    """The generated pages under ``root`` that differ from what the code makes now."""
    found = []
    for rel, render in pages(root).items():
        path = root / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != render():
            found.append(rel)
    return found


def write(root: Path) -> list[str]:
    """(Re)write every generated page under ``root``; returns the pages that changed."""
    changed = []
    for rel, render in pages(root).items():
        path = root / rel
        text = render()
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    return changed

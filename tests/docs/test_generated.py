"""The generated reference pages: committed as the code makes them, every key and column in them."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

from pydantic import BaseModel

import formats
import mappings
from hub.engine.config import HubConfig
from hub.kernel.transactions import CisTransaction, columns_of

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.docs", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_committed_pages_equal_what_the_generator_makes_now() -> None:
    result = _run("--check", cwd=ROOT)
    assert result.returncode == 0, result.stderr + "\nregenerate: python -m hub.docs"


def test_check_fails_and_regeneration_repairs_a_page_that_drifted(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    for page in ("cis-transactions.md", "configuration.md"):
        shutil.copy(ROOT / "docs" / page, tmp_path / "docs" / page)
    page = tmp_path / "docs" / "configuration.md"
    page.write_text(page.read_text().replace("| `sweep_seconds` |", "| `sweep_secs` |"))

    stale = _run("--check", str(tmp_path), cwd=ROOT)
    assert stale.returncode == 1
    assert "docs/configuration.md is out of date: run `python -m hub.docs`" in stale.stderr
    assert "cis-transactions" not in stale.stderr

    wrote = _run(str(tmp_path), cwd=ROOT)
    assert wrote.returncode == 0
    assert wrote.stdout.strip() == "wrote docs/configuration.md"
    assert page.read_text() == (ROOT / "docs" / "configuration.md").read_text()
    assert _run("--check", str(tmp_path), cwd=ROOT).returncode == 0


def _documented(page: str) -> dict[str, dict[str, str]]:
    """Model (module.Class, from each section's 'Model' line) -> {key: description} of its table."""
    found: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in page.splitlines():
        model = re.match(r"^Model `([\w.]+)`", line)
        if model:
            current = found.setdefault(model.group(1), {})
        elif line.startswith("#"):
            current = None
        elif current is not None and line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            current[cells[0].strip("`")] = cells[-1]
    return found


def _models(root: type[BaseModel], into: dict[str, type[BaseModel]]) -> None:
    name = f"{root.__module__}.{root.__qualname__}"
    if name in into:
        return
    into[name] = root
    for info in root.model_fields.values():
        stack: list[object] = [info.annotation]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel):
                _models(t, into)
            stack.extend(typing.get_args(t))


def test_every_configuration_key_is_documented_and_every_documented_key_exists() -> None:
    documented = _documented((ROOT / "docs" / "configuration.md").read_text())
    core: dict[str, type[BaseModel]] = {}
    _models(HubConfig, core)
    plugins: dict[str, type[BaseModel]] = {}
    for name in formats.format_names():
        _models(formats.get_format(name).options_model, plugins)
    for name in mappings.REGISTRY.names():
        _models(mappings.get_kind(name).options_model, plugins)
    models = {**core, **plugins}

    assert set(documented) == set(models)
    for name, model in models.items():
        assert set(documented[name]) == set(model.model_fields), name
    # every key says what it does (a Field description, or the comment on the field in its model)
    undescribed = [f"{m}.{k}" for m in models for k, text in documented[m].items() if not text]
    assert undescribed == []
    assert "SQLAlchemy URL of the ledger" in documented["hub.engine.config.LedgerConfig"]["url"]


def test_every_transaction_type_is_documented_with_its_columns_and_a_valid_example() -> None:
    page = (ROOT / "docs" / "cis-transactions.md").read_text()
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", page, flags=re.M | re.S))
    produced = {m for k in mappings.REGISTRY.names() for m in mappings.get_kind(k).produces}
    assert set(sections) == {m.txn_type for m in produced}
    for model in produced:
        text = sections[model.txn_type]
        columns = re.findall(r"^\| `(\w+)` \|", text, flags=re.M)
        assert columns == columns_of(model), model.txn_type
        undescribed = re.findall(r"^\| `(\w+)` \|.*\|  \|$", text, flags=re.M)
        assert undescribed == [], f"{model.txn_type}: give these columns a Field(description=...)"
        assert "- key: `" in text
        example = re.search(r"```csv\n(.*?)```", text, flags=re.S)
        assert example is not None
        header, row = list(csv.reader(io.StringIO(example.group(1))))
        assert header == columns_of(model)
        values = {c: (v or None) for c, v in zip(header, row, strict=True)}
        assert isinstance(model.model_validate(values), CisTransaction)

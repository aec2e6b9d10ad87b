"""The rule ids the hub's code can report, found in its source: the first argument of
``Problem.of``, every ``rule=`` and pandera ``error=`` keyword, and the ``rule`` argument of every
call to a function of the same module that takes one (``_file_problem(..., "padding", ...)``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("formats", "mappings", "hub", "connectors")


def sources() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]


def _rule_params(trees: list[ast.Module]) -> dict[str, int]:
    """Functions taking a ``rule`` parameter -> its position."""
    found: dict[str, int] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if "rule" in names and node.name != "of":
                    found[node.name] = names.index("rule") - (
                        1 if names and names[0] in ("self", "cls") else 0
                    )
    return found


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def rule_ids() -> dict[str, set[str]]:
    """Rule id -> the files it is reported from."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sources()}
    shared = {"per_row": _rule_params([trees[ROOT / "formats/fixed_width/fields.py"]])["per_row"]}
    found: dict[str, set[str]] = {}
    for path, tree in trees.items():
        # helpers of the same module, and the fixed-width engine's ``per_row``
        takes_rule = {**shared, **_rule_params([tree])}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            candidates: list[ast.expr | None] = []
            if (
                name == "of"
                and isinstance(func, ast.Attribute)
                and getattr(func.value, "id", "") == "Problem"
            ):
                candidates.append(node.args[0] if node.args else None)
            elif name in takes_rule and len(node.args) > takes_rule[name]:
                candidates.append(node.args[takes_rule[name]])
            candidates += [kw.value for kw in node.keywords if kw.arg in ("rule", "error")]
            for cand in candidates:
                rule = _literal(cand)
                if rule is not None:
                    found.setdefault(rule, set()).add(path.relative_to(ROOT).as_posix())
    found.pop("size-stable", None)  # Completion(rule="size-stable"): a connector setting, not a finding
    return found


def string_literals() -> set[str]:
    """Every string constant in the code base."""
    return {
        node.value
        for p in sources()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }

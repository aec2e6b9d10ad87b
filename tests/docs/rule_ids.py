"""The rule ids the hub's code can report, found in its source: the first argument of
``Problem.of``, every ``rule=`` and pandera ``error=`` keyword, the ``rule`` argument of every
call to a function of the same module that takes one (``_file_problem(..., "padding", ...)``), and
the rule of each entry of the modules that declare their checks as tables of tuples
(``formats.row_rules.Check``: field, rule, condition, message)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("formats", "mappings", "hub", "connectors")


# module -> the place of the rule in its check tuples (the others: field, severity, condition, text)
RULE_TABLES = {
    "formats/row_rules.py": 1,
    "formats/pledges_rules.py": 1,
    "formats/consumption_csv_rules.py": 1,
    "formats/debit_extract.py": 1,
    "formats/placement_extract.py": 1,
    "formats/collection_ack.py": 1,
    "formats/collection_remittance.py": 1,
    "formats/collection_status.py": 1,
    "formats/recall_extract.py": 1,
    "formats/consumption_adjustments.py": 1,
    "formats/greenbutton_readings.py": 0,
    "mappings/pledge_checks.py": 0,
}
_EXPRESSIONS = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.Call, ast.BoolOp, ast.Attribute, ast.Subscript)


def _table_rules(tree: ast.Module, at: int) -> set[str]:
    """The rules of a module's check tuples: 3 or 4 items, one of them a condition (an expression)."""
    found = set()
    for node in ast.walk(tree):
        is_check = isinstance(node, ast.Tuple) and len(node.elts) in (3, 4)
        if is_check and any(isinstance(e, _EXPRESSIONS) for e in node.elts[2:]):
            rule = _literal(node.elts[at])
            if rule is not None:
                found.add(rule)
    return found


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
    for rel, at in RULE_TABLES.items():
        for rule in _table_rules(trees[ROOT / rel], at):
            found.setdefault(rule, set()).add(rel)
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

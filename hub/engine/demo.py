"""``hub demo``: a nightly cycle on the embedded default, from sample files the demo drops into the
exchanges' folders, and ``hub demo --clean`` that removes only what a demo made.

The demo writes ``hub.yaml`` with a marker line when there is none, and a manifest (``.hub-demo``,
beside it) of every file and folder that did not exist before it ran, under the hub's inbox, outbox
and var and the exchanges' folders. ``--clean`` refuses unless ``hub.yaml`` carries the marker and
the manifest is there; it removes what the manifest names (a folder the demo made, with everything
in it), never a path outside the configuration's folder.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from hub.engine.config import DEFAULT_CONFIG
from hub.engine.sample_common import demo_seed
from hub.kernel.errors import UsageError

if TYPE_CHECKING:
    from hub.engine.config import Settings

MARKER = "# Written by `hub demo` (make demo); `make clean-demo` removes it and what the demo made.\n"
MANIFEST = ".hub-demo"


def write_config(config: Path) -> bool:
    """Write the default configuration, marked as the demo's, unless one exists; True if written."""
    if config.exists():
        return False
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(MARKER + DEFAULT_CONFIG, encoding="utf-8")
    return True


def is_demo_config(config: Path) -> bool:
    try:
        with config.open(encoding="utf-8") as fh:
            return fh.readline() == MARKER
    except (OSError, UnicodeDecodeError):
        return False


def _roots(settings: Settings) -> list[Path]:
    """Where the demo writes: the hub's folders and every exchange's source and destination."""
    paths = settings.config.paths
    roots = {settings.root / paths.var, settings.root / paths.inbox, settings.root / paths.outbox}
    for ex in settings.exchanges.values():
        roots.update((ex.source_path, ex.archive_path, ex.destination_path))
    return sorted(roots)


def snapshot(settings: Settings) -> set[Path]:
    """Every path under the demo's roots that exists now (and the roots' own parents)."""
    found: set[Path] = set()
    for root in _roots(settings):
        for parent in (root, *root.parents):
            if parent.exists():
                found.add(parent)
        if root.is_dir() and not root.is_symlink():
            found.update(root.rglob("*"))
    return found


@dataclass
class Manifest:
    """What the demo made, relative to the configuration's folder."""

    root: Path
    made: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, root: Path) -> Manifest:
        path = root / MANIFEST
        if not path.exists():
            return cls(root)
        return cls(root, list(json.loads(path.read_text(encoding="utf-8"))["made"]))

    def add(self, before: set[Path], after: set[Path]) -> None:
        """Record the top-most of the paths that appeared (a new folder stands for its content)."""
        new = after - before
        for path in sorted(new):
            if path.parent in new or not path.is_relative_to(self.root):
                continue  # within a folder it made, or outside the configuration's folder
            rel = path.relative_to(self.root).as_posix()
            if rel not in self.made:
                self.made.append(rel)

    def write(self, config: Path) -> None:
        every = {*self.made, config.name}
        made = sorted(m for m in every if not any(p.as_posix() in every for p in Path(m).parents))
        data = {"config": config.name, "made": made}
        (self.root / MANIFEST).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


@dataclass
class Cleaned:
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def clean(config: Path) -> Cleaned:
    """Remove what the demo made beside ``config`` (UsageError when it was not the demo's)."""
    root = config.parent.resolve()
    if not config.exists():
        raise UsageError(f"{config} does not exist: no demo to clean here")
    if not is_demo_config(config):
        raise UsageError(f"{config} was not written by `hub demo`: nothing removed")
    if not (root / MANIFEST).exists():
        raise UsageError(f"{root / MANIFEST} is missing: cannot tell what the demo made; nothing removed")
    manifest = Manifest.read(root)
    result = Cleaned()
    for rel in sorted(set(manifest.made), key=lambda r: (-r.count("/"), r)):
        path = root / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            continue  # never outside the configuration's folder
        if not path.is_symlink() and not path.exists():
            result.missing.append(rel)
            continue
        if not path.is_symlink() and not path.resolve().is_relative_to(root):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        result.removed.append(rel)
    (root / MANIFEST).unlink()
    result.removed.append(MANIFEST)
    return result


def load_sample_accounts(settings: Settings, seed: int, rows: int, *, replace: bool) -> int | None:
    """Load ``hub reference sample accounts`` of ``seed`` as the CIS accounts (the lockbox and
    pledges exchanges check accounts); returns how many. Unless ``replace``, an accounts extract
    already loaded (a real one, on a configuration not the demo's) is kept: None."""
    from hub.engine import operator
    from hub.engine.reference import check_extract
    from hub.engine.sample_common import accounts_csv

    current = {s["kind"]: s for s in operator.reference_status(settings)}["accounts"]
    if current["loaded"] and not replace:
        return None

    extract = check_extract("accounts", accounts_csv(rows, seed=seed), f"demo-accounts-{seed}.csv")
    result = operator.load_reference(settings, extract)
    return int(result["rows"])


def write_banking_day(settings: Settings, stamp: str, checks: int, today: date) -> list[str]:
    """A lockbox transmission and the bank's BAI2 report of the same deposit into the lockbox and
    bai2 drop folders, when both exchanges are configured; returns the exchanges to cycle."""
    from hub.engine.sample_bank import bai2_sample, lockbox_sample

    lockbox, bai2 = settings.exchanges.get("lockbox"), settings.exchanges.get("bai2")
    if lockbox is None or bai2 is None:
        return []
    if (lockbox.config.kind, bai2.config.kind) != ("lockbox-payments", "bai2-deposits"):
        return []
    seed = demo_seed(stamp)
    for ex, make, name in (
        (lockbox, lockbox_sample, f"{stamp}-lockbox.dat"),
        (bai2, bai2_sample, f"{stamp}-bai2.txt"),
    ):
        ex.source_path.mkdir(parents=True, exist_ok=True)
        (ex.source_path / name).write_bytes(make(checks, bad=0, seed=seed, today=today).data)
    return [lockbox.name, bai2.name]

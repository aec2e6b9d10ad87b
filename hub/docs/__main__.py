"""``python -m hub.docs [--check] [ROOT]``: regenerate docs/cis-transactions.md and
docs/configuration.md (ROOT: the repository, default the current folder). With ``--check`` nothing
is written and the exit code is 1 when a page is out of date."""

from __future__ import annotations

import sys
from pathlib import Path

from hub.docs import stale, write


def main(argv: list[str]) -> int:
    check = "--check" in argv
    rest = [a for a in argv if a != "--check"]
    root = Path(rest[0]) if rest else Path.cwd()
    if check:
        old = stale(root)
        for rel in old:
            print(f"{rel} is out of date: run `python -m hub.docs`", file=sys.stderr)
        return 1 if old else 0
    for rel in write(root):
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

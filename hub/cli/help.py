"""Help that shows a flag as a flag. typer 0.29's rich help prints every option's type beside it,
a flag's too (``--json <bool>``), as if it took a value; a flag takes none, so its type is left
out, as the plain (non-rich) help already does."""

from __future__ import annotations

from typing import Any

from typer.core import TyperOption

_typed = TyperOption.display_type_rich


def _display_type_rich(self: TyperOption, ctx: Any) -> str | None:
    if self.is_flag and not self.count:  # --json, --force, --help: nothing follows them
        return None
    return _typed(self, ctx)


def show_flags_as_flags() -> None:
    """Leave the type out beside every flag of every ``hub`` command's help (once per process)."""
    TyperOption.display_type_rich = _display_type_rich  # type: ignore[method-assign]

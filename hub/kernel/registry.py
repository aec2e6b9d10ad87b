"""Plug-ins registered by name as ``"package.module:Class"``, imported only when first asked for:
the formats (``formats``) and the exchange kinds (``mappings``), built in or a site's own."""

from __future__ import annotations

import importlib
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Names -> plug-in classes of one sort (``what``: "format", "exchange kind")."""

    def __init__(self, what: str, builtin: dict[str, str]) -> None:
        self.what = what
        self._targets = dict(builtin)

    def register(self, name: str, target: str) -> None:
        """Register ``name`` as ``"package.module:Class"``; a name may not be taken twice."""
        held = self._targets.get(name)
        if held is not None and held != target:
            raise ValueError(f"{self.what} {name!r} is registered already, as {held}")
        self._targets[name] = target

    def get(self, name: str) -> type[T]:
        """The class registered as ``name``; KeyError with the known names otherwise, or when its
        registration names a module or class that is not there."""
        try:
            target = self._targets[name]
        except KeyError:
            known = ", ".join(sorted(self._targets))
            raise KeyError(f"unknown {self.what} {name!r} (known: {known})") from None
        module, cls = target.split(":")
        try:
            found: type[T] = getattr(importlib.import_module(module), cls)
        except (ImportError, AttributeError) as exc:
            raise KeyError(f"{self.what} {name!r} cannot be loaded from {target}: {exc}") from None
        return found

    def names(self) -> list[str]:
        return sorted(self._targets)

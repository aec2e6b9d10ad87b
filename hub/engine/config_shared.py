"""Options one exchange takes from another's (``ExchangeKind.options_from``): one source of truth.

A consumption-adjustments exchange measures a leak against the winter average; the winter window
and defaults are those of the winter-averages exchange, never a second copy that could drift. The
option is taken whole from the one exchange of the named kind; what the exchange writes under the
option itself may only agree with it (a field that differs is a mistake naming both key paths).
With no exchange of that kind the exchange's own option (or its default) stands; with several it
must write the option itself, equal to one of theirs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from hub.engine.config import Exchange


def shared_options(
    exchanges: dict[str, Exchange], written: dict[str, dict[str, Any]], source: str
) -> list[str]:
    """Fill in, in place, every option an exchange's kind takes from another exchange's options;
    ``written``: each exchange's ``mapping_options`` as written. Returns the mistakes."""
    problems: list[str] = []
    for name, ex in list(exchanges.items()):
        for option, other_kind in ex.kind.options_from.items():
            owners = sorted(n for n, o in exchanges.items() if o.kind.name == other_kind and n != name)
            mine = f"exchanges.{name}.mapping_options.{option}"
            own: BaseModel = getattr(ex.mapping_options, option)
            given = written.get(name, {}).get(option)
            if not owners:
                continue  # the exchange's own (or the default)
            candidates = {n: _taken(type(own), exchanges[n].mapping_options) for n in owners}
            if len(owners) > 1:
                if given is None:
                    problems.append(
                        f"{source}: {mine}: several exchanges of kind {other_kind} "
                        f"({', '.join(owners)}); write it, equal to the options of one of them"
                    )
                elif own not in candidates.values():
                    problems.append(
                        f"{source}: {mine}: equals the options of none of the exchanges of kind "
                        f"{other_kind} ({', '.join(owners)})"
                    )
                continue
            [owner] = owners
            taken = candidates[owner]
            set_here = own.model_fields_set if isinstance(given, dict) else set()
            for field in sorted(set_here):
                if getattr(own, field) != getattr(taken, field):
                    problems.append(
                        f"{source}: {mine}.{field} ({getattr(own, field)}) differs from "
                        f"exchanges.{owner}.mapping_options.{field} ({getattr(taken, field)}); "
                        f"leave {option} out: it is taken from exchange {owner}"
                    )
            options = ex.mapping_options.model_copy(update={option: taken})
            exchanges[name] = replace(exchanges[name], mapping_options=options)
    return problems


def _taken(model: type[BaseModel], options: BaseModel) -> BaseModel:
    """``options`` (another exchange's) as the option's own model: the fields they share."""
    return model.model_validate(options.model_dump(include=set(model.model_fields)))

"""One source of truth for the winter window: a consumption-adjustments exchange measures a leak
with the winter-averages exchange's window and defaults; a window written for the adjustments that
differs is a configuration error naming both key paths, before anything runs (exit 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Workdir

from hub.engine.config import DEFAULT_CONFIG, parse_config
from hub.kernel.errors import ConfigError

ADJ = "consumption-adjustments"


def configured(
    winter_averages: dict[str, Any] | None, adjustments_winter: dict[str, Any] | None
) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG)
    exchanges = raw["exchanges"]
    if winter_averages is None:
        del exchanges["winter-averages"]
    else:
        exchanges["winter-averages"]["mapping_options"].update(winter_averages)
    if adjustments_winter is not None:
        exchanges[ADJ]["mapping_options"]["winter"] = adjustments_winter
    return raw


def test_the_adjustments_take_the_winter_averages_window_and_defaults(tmp_path: Path) -> None:
    raw = configured(
        {"start_month": 11, "end_month": 2, "end_day": 28, "default_average_per_day": "0.150"}, None
    )
    settings = parse_config(raw, root=tmp_path)
    winter = settings.exchange(ADJ).mapping_options.winter  # type: ignore[attr-defined]
    assert (winter.start_month, winter.start_day, winter.end_month, winter.end_day) == (11, 1, 2, 28)
    assert str(winter.default_average_per_day) == "0.150"
    assert winter.window(2026) == settings.exchange("winter-averages").mapping_options.window(2026)  # type: ignore[attr-defined]


def test_a_window_written_for_the_adjustments_that_agrees_is_accepted(tmp_path: Path) -> None:
    raw = configured({"default_average_per_day": "0.2"}, {"start_month": 12, "end_month": 3})
    winter = parse_config(raw, root=tmp_path).exchange(ADJ).mapping_options.winter  # type: ignore[attr-defined]
    assert str(winter.default_average_per_day) == "0.2"  # the fields not written are taken too


def test_a_window_that_differs_names_both_key_paths(tmp_path: Path) -> None:
    raw = configured({"end_month": 3}, {"end_month": 2, "end_day": 28, "min_covered_days": 60})
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, root=tmp_path)
    lines = str(caught.value).splitlines()
    assert lines == [
        "hub.yaml: exchanges.consumption-adjustments.mapping_options.winter.end_day (28) differs from "
        "exchanges.winter-averages.mapping_options.end_day (31); leave winter out: it is taken from "
        "exchange winter-averages",
        "hub.yaml: exchanges.consumption-adjustments.mapping_options.winter.end_month (2) differs from "
        "exchanges.winter-averages.mapping_options.end_month (3); leave winter out: it is taken from "
        "exchange winter-averages",
    ]


def test_without_a_winter_averages_exchange_the_adjustments_keep_their_own_window(tmp_path: Path) -> None:
    winter = (
        parse_config(configured(None, {"end_month": 2, "end_day": 28}), root=tmp_path)
        .exchange(ADJ)
        .mapping_options.winter
    )  # type: ignore[attr-defined]
    assert (winter.end_month, winter.end_day) == (2, 28)


def test_with_two_winter_averages_exchanges_the_adjustments_must_name_the_window(tmp_path: Path) -> None:
    raw = configured({}, None)
    other = dict(raw["exchanges"]["winter-averages"], source={"type": "folder", "path": "inbox/wa-2"})
    raw["exchanges"]["winter-averages-2"] = {**other, "mapping_options": {"end_month": 2, "end_day": 28}}
    with pytest.raises(
        ConfigError, match=r"mapping_options\.winter: several exchanges of kind winter-average"
    ):
        parse_config(raw, root=tmp_path)
    raw["exchanges"][ADJ]["mapping_options"]["winter"] = {"end_month": 2, "end_day": 28}
    winter = parse_config(raw, root=tmp_path).exchange(ADJ).mapping_options.winter  # type: ignore[attr-defined]
    assert (winter.end_month, winter.end_day) == (2, 28)


def test_hub_refuses_a_mismatched_window_before_anything_runs(workdir: Workdir) -> None:
    workdir.set_config(yaml.safe_dump(configured({}, {"start_month": 11})))
    path = workdir.write(
        "adj.csv", b"account,kind,period_start,period_end,volume,unit,evidence_ref,requested_by\n"
    )
    res = workdir.hub("validate", path, "-x", ADJ)
    assert res.code == 2
    assert "exchanges.consumption-adjustments.mapping_options.winter.start_month (11)" in res.stderr
    assert "exchanges.winter-averages.mapping_options.start_month (12)" in res.stderr
    assert not (workdir.root / "var").exists()

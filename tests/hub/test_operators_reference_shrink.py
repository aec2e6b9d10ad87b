"""``hub reference load`` refuses an extract with far fewer rows than the current load (a
truncated export) unless ``--force``: exit 2, both counts said, the current load kept. The ratio
is ``reference.min_row_ratio`` in hub.yaml (default 0.8)."""

from __future__ import annotations

import yaml

from hub.engine.config import DEFAULT_CONFIG
from hub.engine.sample_common import accounts_csv
from tests.conftest import Workdir


def loaded_rows(workdir: Workdir) -> int:
    status = {r["kind"]: r for r in workdir.hub("reference", "status", "--json").json()}
    return int(status["accounts"]["rows"])


def test_a_much_smaller_extract_needs_force(workdir: Workdir) -> None:
    full = workdir.write("accounts.csv", accounts_csv(100, seed=1))
    assert workdir.hub("reference", "load", "accounts", full).code == 0
    short = workdir.write("accounts-cut.csv", accounts_csv(79, seed=1))

    res = workdir.hub("reference", "load", "accounts", short)
    assert res.code == 2, res.stdout + res.stderr
    assert "accounts-cut.csv has 79 rows, the current accounts load 100 (under 80%)" in res.stderr
    assert "use --force" in res.stderr
    assert loaded_rows(workdir) == 100

    as_json = workdir.hub("reference", "load", "accounts", short, "--json")
    assert as_json.code == 2 and as_json.json()["loaded"] is False
    assert as_json.json()["shrunk"] == {"rows": 79, "current_rows": 100, "min_ratio": 0.8}

    enough = workdir.write("accounts-80.csv", accounts_csv(80, seed=1))
    assert workdir.hub("reference", "load", "accounts", enough).code == 0
    assert loaded_rows(workdir) == 80
    forced = workdir.hub(
        "reference", "load", "accounts", workdir.write("a-10.csv", accounts_csv(10)), "--force"
    )
    assert forced.code == 0, forced.stderr
    assert loaded_rows(workdir) == 10


def test_the_ratio_is_configurable(workdir: Workdir) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["reference"] = {"min_row_ratio": 0.5}
    workdir.set_config(yaml.safe_dump(config, sort_keys=False))
    assert workdir.hub("reference", "load", "accounts", workdir.write("a.csv", accounts_csv(100))).code == 0
    assert workdir.hub("reference", "load", "accounts", workdir.write("b.csv", accounts_csv(60))).code == 0
    res = workdir.hub("reference", "load", "accounts", workdir.write("c.csv", accounts_csv(29)))
    assert res.code == 2 and "has 29 rows, the current accounts load 60 (under 50%)" in res.stderr

"""Personal values by role, over HTTP against a real ledger and the landed file: viewers and
operators see account numbers masked as the error reports mask them, admins (``console.
unmasked_roles``) see them as received on the file's page; the error report download stays masked
for everyone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Workdir
from console_setup import USERS, Hub, log_in

from hub.engine.config import DEFAULT_CONFIG, load_config
from hub.engine.sample import meter_reads_csv
from hub.kernel.problems import Problem, mask
from hub.ledger import Ledger

UPLOAD = meter_reads_csv(200, bad=7, seed=3)  # the seventh bad row has a field too many


def _account_on(line: int) -> str:
    return UPLOAD.decode().splitlines()[line - 1].split(",")[2]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    """A rejected file whose line 2 has a problem on its account (a rule on the account field, as
    the ledger records it: masked)."""
    root = tmp_path_factory.mktemp("masking")
    (root / "hub.yaml").write_text(DEFAULT_CONFIG, encoding="utf-8")
    work = Workdir(root)
    res = work.hub("process", work.write("route-south.csv", UPLOAD), "--exchange", "meter-reads", "--json")
    assert res.code == 1, res.stderr
    rejected = res.json()
    hub = Hub(work, rejected["id"], 0, min(rejected["problems"], key=lambda p: p["line"]))
    for name, role in USERS.items():
        hub.add_user(name, role)
    ledger = Ledger.open(load_config(root / "hub.yaml").ledger_url())
    try:
        run_id = ledger.file(hub.rejected_id).last_run_id
        assert run_id is not None
        found = Problem.of(
            "unknown_account", "no such account", line=2, field="account", value=_account_on(2)
        )
        ledger.add_problems(hub.rejected_id, run_id, [found])
    finally:
        ledger.close()
    return hub


def _page(hub: Hub, name: str, **console: Any) -> str:
    path = hub.work.root / "hub.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["console"] = console
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    client = hub.client()
    assert log_in(client, name).status_code == 303
    return client.get(f"/files/{hub.rejected_id}").text


def test_viewers_and_operators_see_the_mask_admins_the_value(hub: Hub) -> None:
    account = _account_on(2)
    for name in ("vic", "otto"):
        page = _page(hub, name)
        assert f"<code>{mask(account)}</code>" in page, name
        assert account not in page, name
        assert "values of personal fields masked" in page
    page = _page(hub, "ada")
    assert f"<code>{account}</code>" in page
    assert mask(account) not in page
    assert "values of personal fields as received: your role sees them unmasked" in page


def test_who_sees_values_unmasked_is_configured_per_role(hub: Hub) -> None:
    account = _account_on(2)
    assert f"<code>{account}</code>" in _page(hub, "otto", unmasked_roles=["operator", "admin"])
    assert f"<code>{mask(account)}</code>" in _page(hub, "vic", unmasked_roles=["operator", "admin"])
    assert f"<code>{mask(account)}</code>" in _page(hub, "ada", unmasked_roles=[])
    _page(hub, "ada")


def test_the_error_report_download_stays_masked_for_every_role(hub: Hub) -> None:
    [long_line] = [n for n, row in enumerate(UPLOAD.decode().splitlines(), 1) if row.endswith(",extra")]
    account = _account_on(long_line)
    for name in ("vic", "otto", "ada"):
        client = hub.client()
        assert log_in(client, name).status_code == 303
        report = client.get(f"/files/{hub.rejected_id}/errors.csv")
        assert report.status_code == 200
        assert mask(account) in report.text and account not in report.text, name
    landed = Path(hub.work.root / "route-south.csv").read_bytes()
    assert account.encode() in landed, "the value is there to be masked"

"""Personal values by role, over HTTP against a real ledger and the landed file: viewers and
operators see account numbers masked as the error reports mask them, admins (``console.
unmasked_roles``) see them as received on the file's page and an action's preview; the error
report download stays masked for everyone."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from conftest import Workdir
from console_setup import USERS, Hub, log_in, preview

from hub.engine.config import DEFAULT_CONFIG
from hub.engine.sample_consumption import consumption_csv
from hub.kernel.problems import mask
from tests.hub.test_lockbox_e2e import load_accounts

UPLOAD = consumption_csv(6, seed=2)  # histories of accounts the CIS extract does not hold
ACCOUNT = UPLOAD.decode().splitlines()[1].split(",")[1]  # line 2's: the first problem's value


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    """A consumption file whose accounts are unknown to the CIS extract: each row a problem on its
    account (recorded masked)."""
    root = tmp_path_factory.mktemp("masking")
    (root / "hub.yaml").write_text(DEFAULT_CONFIG, encoding="utf-8")
    work = Workdir(root)
    load_accounts(work)
    res = work.hub("process", work.write("histories.csv", UPLOAD), "--exchange", "consumption", "--json")
    assert res.code == 1, res.stderr
    found = res.json()
    first = min(found["problems"], key=lambda p: p["line"])
    assert (first["line"], first["field"], first["value"]) == (2, "account", mask(ACCOUNT))
    hub = Hub(work, found["id"], 0, first)
    for name, role in USERS.items():
        hub.add_user(name, role)
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
    account = ACCOUNT
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
    account = ACCOUNT
    assert f"<code>{account}</code>" in _page(hub, "otto", unmasked_roles=["operator", "admin"])
    assert f"<code>{mask(account)}</code>" in _page(hub, "vic", unmasked_roles=["operator", "admin"])
    assert f"<code>{mask(account)}</code>" in _page(hub, "ada", unmasked_roles=[])
    _page(hub, "ada")


def test_the_error_report_download_stays_masked_for_every_role(hub: Hub) -> None:
    for name in ("vic", "otto", "ada"):
        client = hub.client()
        assert log_in(client, name).status_code == 303
        report = client.get(f"/files/{hub.rejected_id}/errors.csv")
        assert report.status_code == 200
        assert mask(ACCOUNT) in report.text and ACCOUNT not in report.text, name


def test_an_actions_preview_shows_values_as_the_role_may_see_them(hub: Hub) -> None:
    for name, shown in (("otto", mask(ACCOUNT)), ("ada", ACCOUNT)):
        client = hub.client()
        assert log_in(client, name).status_code == 303
        page = preview(client, hub.rejected_id, "reprocess").text
        assert "The first problems the check found" in page
        assert f"<code>{shown}</code>" in page, name
        if name == "otto":
            assert ACCOUNT not in page

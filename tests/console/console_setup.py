"""A hub working folder with files run through the real ``hub`` command, users made by ``hub user
add``, and a logged-in client of the console (Starlette's TestClient) over its real SQLite ledger."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conftest import Workdir
from starlette.testclient import TestClient

from hub.console.app import ConsoleOptions, create_app
from hub.engine.config import DEFAULT_CONFIG, load_config
from hub.engine.sample import meter_reads_csv

PASSWORD = "correct horse battery staple"
# The sample uploads' clock, one for every file a test makes: a corrected file's reads (and their keys)
# are those of the file it corrects, whenever each was generated.
SAMPLE_NOW = datetime.now(UTC).replace(microsecond=0)
USERS = {"ada": "admin", "otto": "operator", "vic": "viewer"}


@dataclass
class Hub:
    """The folder, the rejected and delivered files' ids and the first line of the rejected file
    with a problem (and its rule)."""

    work: Workdir
    rejected_id: int
    delivered_id: int
    first_problem: dict[str, Any]

    def add_user(self, name: str, role: str = "viewer", password: str = PASSWORD) -> None:
        res = self.work.hub("user", "add", name, "--role", role, input_text=password + "\n")
        assert res.code == 0, res.stderr

    def client(self, **options: Any) -> TestClient:
        """A client of the console as hub.yaml's ``console:`` says, ``options`` winning over it."""
        settings = load_config(self.work.root / "hub.yaml")
        app = create_app(settings, ConsoleOptions.of(settings.config.console, **options))
        scheme = "https" if options.get("tls") else "http"
        return TestClient(app, base_url=f"{scheme}://testserver")


def make_hub(root: Path) -> Hub:
    (root / "hub.yaml").write_text(DEFAULT_CONFIG, encoding="utf-8")
    work = Workdir(root)
    bad = work.write("route-south.csv", meter_reads_csv(200, bad=5, seed=3, now=SAMPLE_NOW))
    res = work.hub("process", bad, "--exchange", "meter-reads", "--json")
    assert res.code == 1, res.stderr
    rejected = res.json()
    good = work.write("route-north.csv", meter_reads_csv(120, seed=4, now=SAMPLE_NOW))
    res = work.hub("process", good, "--exchange", "meter-reads", "--json")
    assert res.code == 0, res.stderr
    first = min(rejected["problems"], key=lambda p: p["line"])
    hub = Hub(work, rejected["id"], res.json()["id"], first)
    for name, role in USERS.items():
        hub.add_user(name, role)
    return hub


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "every form carries a CSRF token"
    return found.group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def preview(
    client: TestClient,
    file_id: int,
    action: str,
    *,
    comment: str = "",
    upload: tuple[str, bytes] | None = None,
    accept_valid_rows: bool = False,
) -> Any:
    """POST an action's preview from the file's page (its form's CSRF token)."""
    token = csrf_of(client.get(f"/files/{file_id}").text)
    data = {"csrf_token": token, "file_id": str(file_id), "action": action, "comment": comment}
    if accept_valid_rows:
        data["accept_valid_rows"] = "yes"
    files = {"upload": (upload[0], upload[1], "text/csv")} if upload else None
    return client.post("/actions/preview", data=data, files=files, follow_redirects=False)


def confirm_token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, "a preview carries the token its confirmation sends back"
    return found.group(1)


def confirm(client: TestClient, preview_html: str) -> Any:
    data = {"csrf_token": csrf_of(preview_html), "token": confirm_token(preview_html)}
    return client.post("/actions/confirm", data=data, follow_redirects=False)

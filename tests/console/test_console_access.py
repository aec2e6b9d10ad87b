"""The console's access rules over HTTP, against a real ledger filled by the real ``hub`` command:
no page without a session, CSRF on every form, lock-out, disabled users, cookie and headers."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from console_setup import PASSWORD, Hub, csrf_of, log_in, make_hub

PAGES = ["/", "/files", "/files?state=rejected&page=2", "/files/1", "/files/999"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    return make_hub(tmp_path_factory.mktemp("console"))


@pytest.mark.parametrize("path", PAGES)
def test_no_page_without_a_session_but_the_log_in_page(hub: Hub, path: str) -> None:
    client = hub.client()
    res = client.get(path, follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"].startswith("/login?next=")
    assert client.get(res.headers["location"]).status_code == 200
    assert "Log in" in client.get(path).text  # followed: the log-in page, nothing of the ledger


def test_log_in_returns_to_the_page_asked_for_and_never_to_another_site(hub: Hub) -> None:
    client = hub.client()
    token = csrf_of(client.get("/login?next=/files").text)
    assert 'name="next" value="/files"' in client.get("/login?next=/files").text
    form = {"name": "vic", "password": PASSWORD, "csrf_token": token}
    res = client.post("/login", data={**form, "next": "/files?state=rejected"}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/files?state=rejected"
    client = hub.client()
    form["csrf_token"] = csrf_of(client.get("/login").text)
    res = client.post("/login", data={**form, "next": "//evil.example/x"}, follow_redirects=False)
    assert res.headers["location"] == "/"


@pytest.mark.parametrize("role_user", ["ada", "otto", "vic"])
def test_every_role_reads_every_page(hub: Hub, role_user: str) -> None:
    client = hub.client()
    assert log_in(client, role_user).status_code == 303
    for path in ["/", "/files", f"/files/{hub.rejected_id}", f"/files/{hub.delivered_id}"]:
        res = client.get(path)
        assert res.status_code == 200, path
        assert f"{role_user} (" in res.text
    missing = client.get("/files/999")
    assert missing.status_code == 404 and "no file 999" in missing.text


def test_a_post_without_its_csrf_token_is_refused(hub: Hub) -> None:
    client = hub.client()
    client.get("/login")
    res = client.post("/login", data={"name": "ada", "password": PASSWORD, "next": "/"})
    assert res.status_code == 403
    res = client.post("/login", data={"name": "ada", "password": PASSWORD, "csrf_token": "forged"})
    assert res.status_code == 403
    assert log_in(client, "ada").status_code == 303
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200, "still logged in"
    token = csrf_of(client.get("/").text)
    res = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303, "logged out"


def test_a_wrong_password_or_an_unknown_name_get_the_same_answer(hub: Hub) -> None:
    client = hub.client()
    wrong = log_in(client, "ada", "not the password!")
    unknown = log_in(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    message = "wrong user name or password, or the user is disabled"
    assert message in wrong.text and message in unknown.text
    assert 'value="ada"' in wrong.text, "the name is kept in the form, never the password"
    assert "not the password!" not in wrong.text


def test_five_wrong_passwords_lock_the_user_even_against_the_right_one(hub: Hub) -> None:
    hub.add_user("lena", "operator")
    client = hub.client()
    for _ in range(4):
        assert log_in(client, "lena", "wrong password 123").status_code == 401
    fifth = log_in(client, "lena", "wrong password 123")
    assert fifth.status_code == 423 and "locked" in fifth.text
    right = log_in(client, "lena")
    assert right.status_code == 423 and "locked" in right.text
    assert "wrong user name" not in right.text
    [lena] = [u for u in hub.work.hub("user", "list", "--json").json() if u["name"] == "lena"]
    assert lena["locked_until"] is not None


def test_the_lock_out_is_configurable_and_ends(hub: Hub) -> None:
    hub.add_user("max", "viewer")
    client = hub.client(lock_after=2, lock_minutes=0.0)
    assert log_in(client, "max", "wrong password 123").status_code == 401
    assert log_in(client, "max", "wrong password 123").status_code == 423
    assert log_in(client, "max").status_code == 303, "a lock of 0 minutes is over at once"


def test_a_disabled_user_cannot_log_in_and_their_session_ends(hub: Hub) -> None:
    hub.add_user("dora", "operator")
    client = hub.client()
    assert log_in(client, "dora").status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    assert hub.work.hub("user", "disable", "dora").code == 0
    res = client.get("/files", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login")
    again = log_in(hub.client(), "dora")
    assert again.status_code == 401 and "or the user is disabled" in again.text
    [dora] = [u for u in hub.work.hub("user", "list", "--json").json() if u["name"] == "dora"]
    assert dora["disabled"] is True


def test_session_cookie_flags_secret_and_headers(hub: Hub) -> None:
    res = log_in(hub.client(), "ada")
    cookie = res.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    tls = log_in(hub.client(tls=True), "ada").headers["set-cookie"].lower()
    assert "; secure" in tls
    secret = hub.work.root / "var" / "console-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_text() not in (hub.work.root / "hub.yaml").read_text()
    page = hub.client().get("/login")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert hub.client().get("/static/console.css").status_code == 200


def test_a_new_secret_ends_every_session(hub: Hub, tmp_path: Path) -> None:
    client = hub.client()
    log_in(client, "ada")
    secret = hub.work.root / "var" / "console-secret"
    kept = secret.read_text()
    secret.unlink()
    try:
        fresh = hub.client()
        fresh.cookies = client.cookies
        assert fresh.get("/", follow_redirects=False).status_code == 303
    finally:
        secret.unlink()
        secret.write_text(kept)
        secret.chmod(0o600)


def test_hub_user_takes_no_password_argument_and_checks_role_and_length(hub: Hub) -> None:
    res = hub.work.hub("user", "add", "pat", "--role", "viewer", PASSWORD, input_text=PASSWORD + "\n")
    assert res.code == 2
    res = hub.work.hub("user", "add", "pat", "--role", "boss", input_text=PASSWORD + "\n")
    assert res.code == 2 and "viewer, operator, admin" in res.stderr
    res = hub.work.hub("user", "add", "pat", "--role", "viewer", input_text="short\n")
    assert res.code == 2 and "at least 12 characters" in res.stderr
    res = hub.work.hub("user", "add", "ada", "--role", "viewer", input_text=PASSWORD + "\n")
    assert res.code == 2 and "exists already" in res.stderr
    listed = hub.work.hub("user", "list", "--json").json()
    assert {u["name"]: u["role"] for u in listed if u["name"] in ("ada", "otto", "vic")} == {
        "ada": "admin",
        "otto": "operator",
        "vic": "viewer",
    }
    assert all("hash" not in key for u in listed for key in u)


def test_every_post_route_refuses_a_form_without_the_sessions_token(hub: Hub) -> None:
    from starlette.routing import Route

    client = hub.client()
    assert log_in(client, "ada").status_code == 303
    app = client.app
    posts = [r.path for r in app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert set(posts) >= {"/login", "/logout"}
    for path in posts:
        assert client.post(path, data={"name": "ada", "password": PASSWORD}).status_code == 403, path
        assert client.post(path, data={"csrf_token": "x" * 43}).status_code == 403, path
    assert client.get("/", follow_redirects=False).status_code == 200, "nothing happened: still logged in"

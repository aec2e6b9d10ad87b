"""Console users on every ledger backend (SQLite and PostgreSQL): Argon2 hashes, the lock-out
counted in the ledger, disabled users, and concurrent wrong passwords all counted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hub.engine.config import DEFAULT_CONFIG, Settings, load_config
from hub.engine.users import active_user, add_user, disable_user, list_users, log_in
from hub.kernel.errors import NotFound, UsageError
from hub.ledger import Ledger

PASSWORD = "a long enough password"


@pytest.fixture
def settings(tmp_path: Path, ledger_url: str) -> Settings:
    config = DEFAULT_CONFIG.replace("url: sqlite:///var/hub.db", f"url: {ledger_url}")
    (tmp_path / "hub.yaml").write_text(config, encoding="utf-8")
    return load_config(tmp_path / "hub.yaml")


def test_the_ledger_keeps_an_argon2_hash_never_the_password(settings: Settings) -> None:
    add_user(settings, "ada", "admin", PASSWORD)
    ledger = Ledger.open(settings.ledger_url())
    try:
        user = ledger.user("ada")
    finally:
        ledger.close()
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert log_in(settings, "ada", PASSWORD).verdict == "ok"
    assert log_in(settings, "ada", PASSWORD.upper()).verdict == "wrong"
    with pytest.raises(UsageError, match="exists already"):
        add_user(settings, "ada", "viewer", PASSWORD)
    with pytest.raises(UsageError, match="user name"):
        add_user(settings, "a b", "viewer", PASSWORD)


def test_wrong_passwords_lock_and_a_good_log_in_resets_the_count(settings: Settings) -> None:
    add_user(settings, "otto", "operator", PASSWORD)
    for _ in range(4):
        assert log_in(settings, "otto", "wrong").verdict == "wrong"
    assert log_in(settings, "otto", PASSWORD).verdict == "ok"
    [otto] = list_users(settings)
    assert otto["failed_logins"] == 0 and otto["last_login_at"] is not None
    for _ in range(4):
        log_in(settings, "otto", "wrong")
    locked = log_in(settings, "otto", "wrong")
    assert locked.verdict == "locked" and locked.locked_until is not None
    assert log_in(settings, "otto", PASSWORD).verdict == "locked"


def test_wrong_passwords_at_the_same_time_are_all_counted(settings: Settings) -> None:
    add_user(settings, "vic", "viewer", PASSWORD)
    with ThreadPoolExecutor(4) as pool:
        verdicts = list(pool.map(lambda _: log_in(settings, "vic", "wrong").verdict, range(5)))
    assert verdicts.count("locked") == 1 and verdicts.count("wrong") == 4
    assert log_in(settings, "vic", PASSWORD).verdict == "locked"


def test_a_disabled_user_is_out(settings: Settings) -> None:
    add_user(settings, "dora", "viewer", PASSWORD)
    assert active_user(settings, "dora") is not None
    disable_user(settings, "dora")
    assert active_user(settings, "dora") is None
    assert log_in(settings, "dora", PASSWORD).verdict == "disabled"
    with pytest.raises(NotFound):
        disable_user(settings, "nobody")

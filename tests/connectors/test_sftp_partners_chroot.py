"""Partners dropping files into the utility's own OpenSSH server, prepared by ``hub partner``: a
real sshd (root, chroot) including the fragment the hub wrote, the real ``sftp`` client as the
partner, the real ``hub`` command taking what lands in the watched folder.

What the utility relies on: an upload is delivered once; the partner sees and writes nothing
outside its drop folder; a disabled partner cannot log in and what it sent stays; a rotated key
replaces the old one at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.partner_site import PartnerSite, partner_site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[PartnerSite]:
    yield from partner_site(tmp_path)


def test_an_upload_lands_in_the_watched_folder_and_is_delivered_once(
    site: PartnerSite, tmp_path: Path, upload: Callable[..., bytes]
) -> None:
    key = site.key("partner")
    added = site.add(key)
    assert added.code == 0, added.stderr
    site.start_sshd()
    route = tmp_path / "route-12.csv"
    route.write_bytes(upload(40))

    sent = site.sftp(key, f"put {route}", "ls -l")
    assert sent.code == 0, sent.stderr
    assert (site.upload / "route-12.csv").read_bytes() == route.read_bytes()
    assert (site.upload / "route-12.csv").stat().st_mode & 0o777 == 0o640  # internal-sftp -u 0027

    first = site.hub("cycle", "--json")
    assert first.code == 0, first.stderr
    [outcome] = [o for o in first.json() if o["state"] != "skipped"]  # not: exchanges not taken
    assert (outcome["name"], outcome["state"], outcome["delivered"]) == ("route-12.csv", "delivered", 40)
    assert (
        len(site.workdir.delivered_rows("MeterRead")) + len(site.workdir.delivered_rows("ReadException"))
        == 40
    )
    assert not (site.upload / "route-12.csv").exists()  # archived once its landed copy was recorded

    again = site.hub("cycle", "--json")
    assert again.code == 0 and [o for o in again.json() if o["state"] != "skipped"] == []
    files = site.hub("files", "--json").json()["files"]
    assert [(f["name"], f["state"]) for f in files] == [("route-12.csv", "delivered")]


def test_the_partner_sees_and_writes_nothing_outside_its_chroot(site: PartnerSite, tmp_path: Path) -> None:
    key = site.key("partner")
    assert site.add(key).code == 0
    site.start_sshd()
    note = tmp_path / "note.csv"
    note.write_text("x\n")

    listed = site.sftp(key, "pwd", "ls -1a /")
    assert listed.code == 0, listed.stderr
    assert "Remote working directory: /upload" in listed.stdout
    shown = {line.strip() for line in listed.stdout.splitlines() if not line.startswith("sftp>")}
    assert shown - {"Remote working directory: /upload"} == {"/.", "/..", "/upload"}

    for target in ("../escaped.csv", "/escaped.csv", "/../../escaped.csv"):
        refused = site.sftp(key, f"put {note} {target}")
        assert refused.code != 0
        assert "Permission denied" in refused.stderr
    assert site.sftp(key, "mkdir /elsewhere").code != 0
    assert sorted(p.name for p in (site.chroots / site.name).iterdir()) == ["upload"]
    assert not list(site.base.rglob("escaped.csv"))
    assert site.sftp(key, "ls /etc").code != 0  # no /etc inside: the server's files are not there

    shell = site.ssh(key, "cat /etc/passwd")  # a command: sftp is forced instead, nothing runs
    assert "root:x:0:0" not in shell.stdout


def test_a_disabled_partner_cannot_log_in_and_its_files_stay(
    site: PartnerSite, tmp_path: Path, upload: Callable[..., bytes]
) -> None:
    key = site.key("partner")
    assert site.add(key).code == 0
    site.start_sshd()
    route = tmp_path / "route-3.csv"
    route.write_bytes(upload(5))
    assert site.sftp(key, f"put {route}").code == 0

    disabled = site.hub("partner", "disable", site.name)
    assert disabled.code == 0, disabled.stderr
    assert f"disabled partner {site.name}" in disabled.stdout

    refused = site.sftp(key, "ls")  # the running server, not even reloaded
    assert refused.code != 0
    assert "Permission denied" in refused.stderr
    assert (site.upload / "route-3.csv").read_bytes() == route.read_bytes()
    [row] = site.hub("partner", "list", "--json").json()
    assert row["state"] == "disabled" and row["disabled_at"]

    taken = site.hub("run", "--once", "--json")  # the service's pass over its watched folders
    assert taken.code == 0, taken.stderr
    taken_files = [(o["name"], o["state"]) for o in taken.json() if o["state"] != "skipped"]
    assert taken_files == [("route-3.csv", "delivered")]


def test_rotate_key_refuses_the_old_key_and_lets_the_new_one_in(site: PartnerSite) -> None:
    old, new = site.key("old"), site.key("new")
    assert site.add(old).code == 0
    site.start_sshd()
    assert site.sftp(old, "pwd").code == 0
    assert site.sftp(new, "pwd").code != 0

    rotated = site.hub("partner", "rotate-key", site.name, "--key", new)
    assert rotated.code == 0, rotated.stderr
    assert f"{site.main_config()} includes it" in " ".join(rotated.stderr.split())

    refused = site.sftp(old, "pwd")
    assert refused.code != 0 and "Permission denied" in refused.stderr
    assert site.sftp(new, "pwd").code == 0
    [row] = site.hub("partner", "list", "--json").json()
    fingerprint = site.hub("partner", "list").stdout
    assert row["key_changed_at"] and row["fingerprint"].startswith("SHA256:")
    assert row["fingerprint"][:20] in fingerprint


def test_enable_lets_a_disabled_partner_in_with_its_new_key_only(site: PartnerSite) -> None:
    old, new = site.key("old"), site.key("new")
    assert site.add(old).code == 0
    site.start_sshd()
    assert site.hub("partner", "enable", site.name, "--key", new).code == 2  # not disabled: said, exit 2
    assert site.hub("partner", "disable", site.name).code == 0
    assert site.sftp(old, "pwd").code != 0

    enabled = site.hub("partner", "enable", site.name, "--key", new)
    assert enabled.code == 0, enabled.stderr
    assert f"enabled partner {site.name}" in enabled.stdout
    assert site.sftp(new, "pwd").code == 0
    refused = site.sftp(old, "pwd")
    assert refused.code != 0 and "Permission denied" in refused.stderr
    [row] = site.hub("partner", "list", "--json").json()
    assert (row["state"], row["disabled_at"]) == ("active", None)


def test_remove_forgets_a_disabled_partner_and_keeps_what_it_uploaded(
    site: PartnerSite, tmp_path: Path, upload: Callable[..., bytes]
) -> None:
    import pwd

    key = site.key("partner")
    assert site.add(key).code == 0
    site.start_sshd()
    route = tmp_path / "route-9.csv"
    route.write_bytes(upload(3))
    assert site.sftp(key, f"put {route}").code == 0

    active = site.hub("partner", "remove", site.name)
    assert active.code == 2 and "disable it first" in active.stderr
    assert site.hub("partner", "disable", site.name).code == 0
    removed = site.hub("partner", "remove", site.name)
    assert removed.code == 0, removed.stderr
    assert f"removed system user {site.name}" in removed.stdout

    assert site.hub("partner", "list", "--json").json() == []
    assert f"Match User {site.name}" not in site.fragment.read_text()
    assert not (site.keys_dir / f"{site.name}.keys").exists()
    with pytest.raises(KeyError):
        pwd.getpwnam(site.name)
    assert site.upload.stat().st_uid == 0  # the freed uid may be someone else's later
    assert (site.upload / "route-9.csv").read_bytes() == route.read_bytes()
    assert site.sftp(key, "pwd").code != 0
    taken = site.hub("cycle", "--json").json()
    assert [(o["name"], o["state"]) for o in taken if o["state"] != "skipped"] == [
        ("route-9.csv", "delivered")
    ]

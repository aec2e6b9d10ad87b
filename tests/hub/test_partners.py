"""``hub partner`` through the real command: what it refuses (hostile names, bad keys, an exchange
that does not watch the partner's drop folder or would take half-uploaded files), what ``--print``
shows, and the completion rule a partner's drop folder gets. The sshd end to end is in
tests/connectors/test_sftp_partners_chroot.py."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from hub.engine.config import load_config
from tests.conftest import Workdir
from tests.partner_site import PartnerSite, needs_root, partner_site, site_config

NAME = "itineris"


@pytest.fixture
def planned(tmp_path: Path) -> Workdir:
    """A hub folder whose meter-reads exchange watches partner itineris's drop folder; the partners'
    paths under tmp_path (nothing made there: these tests refuse or only print)."""
    hub = tmp_path / "hub"
    hub.mkdir()
    workdir = Workdir(hub)
    workdir.set_config(site_config(tmp_path / "site", NAME))
    return workdir


def keygen(folder: Path, label: str, *args: str) -> Path:
    key = folder / label
    subprocess.run(
        ["ssh-keygen", "-q", "-N", "", "-C", label, "-f", str(key), *(args or ("-t", "ed25519"))],
        check=True,
        capture_output=True,
    )
    return key.with_suffix(".pub")


def nothing_written(workdir: Workdir, site: Path) -> None:
    assert not (workdir.root / "var" / "partners.json").exists()
    assert not site.exists() or not any(site.rglob("*"))


def test_print_shows_the_match_block_and_writes_nothing(planned: Workdir, tmp_path: Path) -> None:
    key = keygen(tmp_path, "itineris")
    shown = planned.hub("partner", "add", NAME, "--exchange", "meter-reads", "--key", key, "--print")
    assert shown.code == 0, shown.stderr
    chroot = tmp_path / "site" / "chroots" / NAME
    lines = [line.strip() for line in shown.stdout.splitlines()]
    assert lines[1:] == [
        f"Match User {NAME}",
        f"ChrootDirectory {chroot}",
        "ForceCommand internal-sftp -u 0027",
        f"AuthorizedKeysFile {tmp_path / 'site' / 'keys' / 'itineris.keys'}",
        "PubkeyAuthentication yes",
        "AuthenticationMethods publickey",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "AllowTcpForwarding no",
        "AllowAgentForwarding no",
        "AllowStreamLocalForwarding no",
        "PermitTunnel no",
        "X11Forwarding no",
        "PermitTTY no",
    ]
    fingerprint = subprocess.run(
        ["ssh-keygen", "-lf", str(key)], capture_output=True, text=True
    ).stdout.split()[1]
    assert lines[0] == f"# partner {NAME}: exchange meter-reads, key {fingerprint}"
    nothing_written(planned, tmp_path / "site")
    assert planned.hub("partner", "list", "--json").json() == []


@pytest.mark.parametrize(
    "name",
    ["Itineris", "../etc", "a b", "-rf", "1bank", "bank;reboot", "x" * 32, "bank\n", "bänk", ""],
)
def test_a_hostile_name_is_refused_with_exit_2(planned: Workdir, tmp_path: Path, name: str) -> None:
    key = keygen(tmp_path, "k")
    refused = planned.hub("partner", "add", "--exchange", "meter-reads", "--key", key, "--", name)
    assert refused.code == 2
    assert "partner name" in refused.stderr and "refused" in refused.stderr
    assert "lower-case letter" in refused.stderr
    nothing_written(planned, tmp_path / "site")


def _bad_keys(folder: Path) -> dict[str, tuple[Path, str]]:
    good = keygen(folder, "good")
    other = keygen(folder, "other")
    rsa = keygen(folder, "weak", "-t", "rsa", "-b", "1024")
    cases = {
        "private": (good.with_suffix(""), "private key"),
        "garbage": (folder / "garbage.pub", "not an OpenSSH public key"),
        "two": (folder / "two.pub", "exactly one public key line, found 2"),
        "options": (folder / "options.pub", "not an OpenSSH public key"),
        "corrupt": (folder / "corrupt.pub", "ssh-keygen cannot read it"),
        "weak": (rsa, "1024 bits is too weak"),
        "missing": (folder / "nowhere.pub", "cannot read"),
        "empty": (folder / "empty.pub", "found 0"),
    }
    (folder / "garbage.pub").write_text("hello partner\n")
    (folder / "two.pub").write_text(good.read_text() + other.read_text())
    (folder / "options.pub").write_text('command="/bin/sh" ' + good.read_text())
    kind, blob = good.read_text().split()[:2]
    (folder / "corrupt.pub").write_text(f"{kind} {blob[:40]}\n")  # cut short
    (folder / "empty.pub").write_text("\n# nothing\n")
    return cases


@pytest.mark.parametrize(
    "case", ["private", "garbage", "two", "options", "corrupt", "weak", "missing", "empty"]
)
def test_a_bad_key_is_refused_with_exit_2(planned: Workdir, tmp_path: Path, case: str) -> None:
    keys = tmp_path / "keys-in"
    keys.mkdir()
    path, said = _bad_keys(keys)[case]
    refused = planned.hub("partner", "add", NAME, "--exchange", "meter-reads", "--key", path)
    assert refused.code == 2, refused.stdout
    assert f"key {path}" in refused.stderr and said in " ".join(refused.stderr.split())
    nothing_written(planned, tmp_path / "site")


def test_an_exchange_that_does_not_watch_the_drop_folder_is_refused(workdir: Workdir, tmp_path: Path) -> None:
    key = keygen(tmp_path, "k")
    refused = workdir.hub("partner", "add", NAME, "--exchange", "meter-reads", "--key", key, "--print")
    assert refused.code == 2
    message = " ".join(refused.stderr.split())
    assert "exchange meter-reads takes files from" in message
    assert f"set exchanges.meter-reads.source.path to /srv/hub-sftp/{NAME}/upload" in message
    unknown = workdir.hub("partner", "add", NAME, "--exchange", "nope", "--key", key)
    assert unknown.code == 2 and "no exchange named 'nope'" in unknown.stderr


def test_a_partners_drop_folder_is_size_stable_by_default_and_rename_is_refused(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "hub.yaml").write_text(site_config(tmp_path / "site", NAME))
    settings = load_config(hub / "hub.yaml")
    assert settings.exchange("meter-reads").config.source.completion.rule == "size-stable"
    assert settings.exchange("ach-returns").config.source.completion.rule == "rename"  # the inbox: unchanged

    (hub / "hub.yaml").write_text(site_config(tmp_path / "site", NAME, completion={"rule": "marker"}))
    assert load_config(hub / "hub.yaml").exchange("meter-reads").config.source.completion.rule == "marker"

    (hub / "hub.yaml").write_text(site_config(tmp_path / "site", NAME, completion={"rule": "rename"}))
    key = keygen(tmp_path, "k")
    refused = Workdir(hub).hub("partner", "add", NAME, "--exchange", "meter-reads", "--key", key, "--print")
    assert refused.code == 2
    assert "would take a file half-uploaded" in " ".join(refused.stderr.split())


def test_an_unsafe_partners_path_in_hub_yaml_is_a_config_error(planned: Workdir) -> None:
    config = yaml.safe_load((planned.root / "hub.yaml").read_text())
    config["partners"]["base"] = "/srv/hub sftp/%u"
    planned.set_config(yaml.safe_dump(config))
    listed = planned.hub("partner", "list")
    assert listed.code == 2
    assert "partners.base" in listed.stderr and "written into sshd_config" in " ".join(listed.stderr.split())


# -- as root: the system side ---------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Iterator[PartnerSite]:
    yield from partner_site(tmp_path)


def test_add_prepares_user_chroot_key_and_registry(site: PartnerSite) -> None:
    key = site.key("partner")
    added = site.add(key)
    assert added.code == 0, added.stderr
    import pwd

    user = pwd.getpwnam(site.name)
    assert (user.pw_dir, user.pw_shell.endswith("nologin")) == ("/upload", True)
    chroot = site.chroots / site.name
    assert (chroot.stat().st_uid, chroot.stat().st_mode & 0o7777) == (0, 0o755)
    upload = site.upload.stat()
    assert (upload.st_uid, upload.st_mode & 0o7777) == (user.pw_uid, 0o2770)
    keys = (site.keys_dir / f"{site.name}.keys").read_text()
    assert keys.startswith("restrict ssh-ed25519 ") and key.read_text().split()[1] in keys
    assert f"Match User {site.name}" in site.fragment.read_text()
    [row] = site.hub("partner", "list", "--json").json()
    assert (row["name"], row["exchange"], row["state"], row["upload"]) == (
        site.name,
        "meter-reads",
        "active",
        str(site.upload),
    )
    assert "does not exist" in added.stderr  # no sshd_config yet: said, not hidden

    again = site.add(key)
    assert again.code == 2 and "exists already" in again.stderr


def test_an_existing_system_user_is_never_taken_over(site: PartnerSite) -> None:
    key = site.key("partner")
    config = site_config(site.base, "sshd")
    site.workdir.set_config(config)
    refused = site.hub("partner", "add", "sshd", "--exchange", "meter-reads", "--key", key)
    assert refused.code == 2
    assert "a system user named 'sshd' exists already" in refused.stderr
    assert not (site.chroots / "sshd").exists()


def test_a_server_that_does_not_include_the_fragment_is_said(site: PartnerSite) -> None:
    site.main_config().write_text(
        "Port 22\nHostKey /etc/ssh/ssh_host_ed25519_key\nSubsystem sftp internal-sftp\n"
    )
    added = site.add(site.key("partner"))
    assert added.code == 0, added.stderr
    assert f"does not include the fragment yet: add `Include {site.fragment}`" in " ".join(
        added.stderr.split()
    )


def test_one_key_belongs_to_one_partner(site: PartnerSite, tmp_path: Path) -> None:
    key = site.key("shared")
    assert site.add(key).code == 0
    assert site.hub("partner", "disable", "nobody").code == 2
    second = f"{site.name}b"
    config = yaml.safe_load(site_config(site.base, site.name))
    config["exchanges"]["meter-reads"]["source"]["path"] = str(site.chroots / second / "upload")
    site.workdir.set_config(yaml.safe_dump(config))
    refused = site.add(key, name=second)
    assert refused.code == 2 and f"is partner {site.name}'s already" in refused.stderr


def test_a_fragment_sshd_refuses_is_an_error_with_sshds_words() -> None:
    needs_root()
    from hub.engine import partner_sshd
    from hub.kernel.errors import ConfigError

    sshd = Path("/usr/sbin/sshd")
    assert partner_sshd.check_fragment("Match User someone\n    ChrootDirectory /srv/x\n", sshd) is None
    with pytest.raises(ConfigError) as refused:
        partner_sshd.check_fragment("Match User someone\n    NoSuchDirective yes\n", sshd)
    assert "sshd refuses the partners' fragment (nothing written)" in str(refused.value)
    assert "NoSuchDirective" in str(refused.value) or "Bad configuration option" in str(refused.value)

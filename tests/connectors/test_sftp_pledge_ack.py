"""A pledge acknowledgement pushed to the agency's own SFTP server (a real OpenSSH sshd), read back
by the agency with the real ``sftp`` client: the same bytes as the hub's local copy; an agency
without a reply destination gets only the local folder; a server that cannot be reached leaves the
acknowledgement recorded (``hub show`` says so, the CIS batch stands) and the next command pushes
it, once; a reply destination for an agency that is not configured is a configuration error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hub.engine.config import DEFAULT_CONFIG
from tests.conftest import SshServer, Workdir
from tests.hub.test_pledges_e2e import GOOD, load_accounts, pledge, pledge_file, posted


def route_acks(
    workdir: Workdir, ssh: SshServer, incoming: Path, agency: str = "CAA01", **server: Any
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["pledges"]["reply_destinations"] = {
        agency: {"type": "sftp", "server": ssh.server_config(**server), "remote_dir": str(incoming)}
    }
    workdir.set_config(yaml.safe_dump(config))


def agency_reads(ssh: SshServer, incoming: Path, name: str, into: Path) -> bytes:
    """The agency fetches the file with OpenSSH's ``sftp`` client."""
    ssh.partner(f"get {incoming}/{name} {into}")
    return into.read_bytes()


def test_the_agency_reads_its_acknowledgement_on_its_server(
    workdir: Workdir, ssh_server: SshServer, tmp_path: Path
) -> None:
    incoming = ssh_server.folder(f"caa01-acks-{tmp_path.name}")
    route_acks(workdir, ssh_server, incoming)
    load_accounts(workdir)
    uway = pledge("U1", "1004", "Maria Lopez", "50.00", agency="UWAY", program="LOCAL")
    caa = workdir.hub("process", workdir.write("caa01-w1.csv", pledge_file(*GOOD)), "-x", "pledges")
    assert caa.code == 0, caa.stderr
    assert "pushed to sftp://" in " ".join(caa.stdout.split())
    local = (workdir.root / "outbox" / "pledges-ack" / "caa01-w1.ack.csv").read_bytes()
    fetched = agency_reads(ssh_server, incoming, "caa01-w1.ack.csv", tmp_path / "got.csv")
    assert fetched == local and fetched.count(b",accepted,") == 3
    assert sorted(p.name for p in incoming.iterdir()) == ["caa01-w1.ack.csv"]  # no temporary left
    # another agency (no reply destination): its acknowledgement stays in the local folder only
    res = workdir.hub("process", workdir.write("uway-w1.csv", pledge_file(uway)), "-x", "pledges")
    assert res.code == 0, res.stderr
    assert (workdir.root / "outbox" / "pledges-ack" / "uway-w1.ack.csv").is_file()
    assert sorted(p.name for p in incoming.iterdir()) == ["caa01-w1.ack.csv"]


def test_an_unreachable_server_leaves_the_ack_recorded_and_the_next_command_pushes_it_once(
    workdir: Workdir, ssh_server: SshServer, tmp_path: Path
) -> None:
    incoming = ssh_server.folder(f"caa01-down-{tmp_path.name}")
    route_acks(workdir, ssh_server, incoming, port=1)  # nothing listens there
    load_accounts(workdir)
    res = workdir.hub("process", workdir.write("caa01-w2.csv", pledge_file(*GOOD)), "-x", "pledges", "--json")
    out = res.json()
    assert out["state"] == "delivered" and len(posted(workdir)) == 3  # the pledges posted all the same
    assert any(p["rule"] == "reply" and "reply not sent" in p["message"] for p in out["problems"])
    shown = " ".join(workdir.hub("show", str(out["id"])).stdout.split())
    assert "caa01-w2.ack.csv (accepted 3, rejected 0, duplicate 0, recorded, not sent yet" in shown
    assert list(incoming.iterdir()) == []
    # the server is back (the configuration fixed): the next hub command pushes it, once
    route_acks(workdir, ssh_server, incoming)
    assert workdir.hub("cycle", "-x", "pledges").code == 0
    fetched = agency_reads(ssh_server, incoming, "caa01-w2.ack.csv", tmp_path / "got.csv")
    assert fetched == (workdir.root / "outbox" / "pledges-ack" / "caa01-w2.ack.csv").read_bytes()
    shown = " ".join(workdir.hub("show", str(out["id"])).stdout.split())
    assert "not sent yet" not in shown and "pushed to sftp://" in shown
    assert workdir.hub("cycle", "-x", "pledges").code == 0
    assert sorted(p.name for p in incoming.iterdir()) == ["caa01-w2.ack.csv"] and len(posted(workdir)) == 3


def test_a_reply_destination_for_no_partner_of_the_kind_is_a_configuration_error(
    workdir: Workdir, ssh_server: SshServer, tmp_path: Path
) -> None:
    route_acks(workdir, ssh_server, tmp_path, agency="CAA99")
    res = workdir.hub("status")
    assert res.code == 2
    assert "exchanges.pledges.reply_destinations: CAA99: not a partner of this exchange" in res.stderr
    assert "CAA01, UWAY" in res.stderr
    # a kind that sends no replies has no reply destinations
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["meter-reads"]["reply_destinations"] = {
        "X": {"type": "sftp", "server": ssh_server.server_config(), "remote_dir": "."}
    }
    workdir.set_config(yaml.safe_dump(config))
    res = workdir.hub("status")
    assert res.code == 2
    assert "exchanges.meter-reads.reply_destinations: kind meter-reads sends no replies" in res.stderr

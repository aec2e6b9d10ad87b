"""A placement file pushed to the collection agency's SFTP server (a real OpenSSH sshd), fetched by
the agency with the real ``sftp`` client: the same bytes as the hub's kept copy, complete under its
final name, nothing left under a temporary name; the same extract again sends nothing."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import SshServer, Workdir
from tests.hub.test_placements_e2e import configure, extract, originate, person


def test_the_agency_fetches_its_placement_file_from_its_server(
    workdir: Workdir, ssh_server: SshServer, tmp_path: Path
) -> None:
    configure(workdir)
    incoming = ssh_server.folder(f"acme-in-{tmp_path.name}")
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["exchanges"]["placements"]["destination"] = {
        "type": "sftp",
        "server": ssh_server.server_config(),
        "remote_dir": str(incoming),
    }
    workdir.set_config(yaml.safe_dump(config))
    code, out = originate(workdir, "closed.csv", extract(person("1001"), person("1002")))
    assert code == 0, out
    [name] = [p.name for p in incoming.iterdir()]
    assert name == out["batch_id"] and not name.startswith(".")
    fetched = tmp_path / "fetched.csv"
    ssh_server.partner(f"get {incoming}/{name} {fetched}")
    kept = Path(workdir.hub("show", str(out["id"]), "--json").json()["batches"][0]["control"])
    assert fetched.read_bytes() == kept.read_bytes()
    lines = fetched.read_text().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["1001", "1002", "TRAILER"]
    code, again = originate(workdir, "closed-again.csv", extract(person("1001"), person("1002")))
    assert again["delivered"] == 0 and [p.name for p in incoming.iterdir()] == [name]

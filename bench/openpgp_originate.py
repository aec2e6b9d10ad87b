"""Benchmark: what OpenPGP encryption and signing add to ``hub originate``.

Usage (from the project root)::

    .venv/bin/python bench/openpgp_originate.py [--rows N] [--repeat K]

Makes a throwaway bank key and utility key with the real gpg, then times ``hub originate`` of one
N-row autopay extract (default 20,000) in fresh folders under ``bench/out/openpgp/``: without
encryption, and with ``encryption: {recipient: <bank>, sign: true}``. Prints the best wall time of
K repeats (start-up included) and the size of the file sent.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hub.engine.config import DEFAULT_CONFIG
from tests.hub.debit_extracts import extract, row

HUB = Path(sys.executable).with_name("hub")
OUT = Path(__file__).resolve().parent / "out" / "openpgp"


def gpg(home: Path, *args: str) -> bytes:
    cmd = ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
    return subprocess.run([*cmd, *args], check=True, capture_output=True).stdout


def party(name: str) -> tuple[Path, str]:
    home = OUT / "keys" / name
    home.mkdir(parents=True, mode=0o700)
    gpg(home, "--quick-gen-key", f"{name} <{name}@example.net>", "future-default", "default", "0")
    listing = gpg(home, "--with-colons", "--list-keys").decode()
    return home, next(ln.split(":")[9] for ln in listing.splitlines() if ln.startswith("fpr"))


def hub(root: Path, *args: str | Path) -> None:
    subprocess.run([str(HUB), *map(str, args)], cwd=root, check=True, capture_output=True)


def once(extract_path: Path, keys: dict[str, tuple[Path, str]] | None, n: int) -> tuple[float, int]:
    root = OUT / f"run-{'pgp' if keys else 'plain'}-{n}"
    root.mkdir(parents=True)
    config = yaml.safe_load(DEFAULT_CONFIG)
    (root / "hub.yaml").write_text(DEFAULT_CONFIG)
    if keys:
        (bank_home, bank), (util_home, util) = keys["bank"], keys["util"]
        (root / "bank.key").write_bytes(gpg(bank_home, "--export", bank))
        (root / "util.key").write_bytes(gpg(util_home, "--export-secret-keys", util))
        hub(root, "keys", "import", "bank.key")
        hub(root, "keys", "import", "util.key")
        config["openpgp"] = {"signing_key": util}
        config["exchanges"]["ach-debits"]["encryption"] = {"recipient": bank}
    (root / "hub.yaml").write_text(yaml.safe_dump(config))
    start = time.perf_counter()
    hub(root, "originate", extract_path, "-x", "ach-debits")
    took = time.perf_counter() - start
    [sent] = (root / "outbox" / "ach").iterdir()
    if keys:
        subprocess.run(["gpgconf", "--homedir", str(root / "var" / "gnupg"), "--kill", "all"], check=False)
    return took, sent.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    keys = {"bank": party("bank"), "util": party("util")}
    try:
        data = OUT / "extract.csv"
        data.write_bytes(extract([row(n) for n in range(1, args.rows + 1)]))
        for label, with_keys in (("plain", None), ("encrypted+signed", keys)):
            runs = [once(data, with_keys, i) for i in range(args.repeat)]
            best = min(t for t, _ in runs)
            print(
                f"{label:>17}: {args.rows} rows, best of {args.repeat}: {best:.2f} s, sent {runs[0][1]} bytes"
            )
    finally:
        for home, _ in keys.values():
            subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)


if __name__ == "__main__":
    main()

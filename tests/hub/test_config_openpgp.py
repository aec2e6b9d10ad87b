"""OpenPGP configuration: fingerprints pinned in full, encryption and decryption only where they
fit the exchange's direction, a signing key when signing or decrypting, and a kind that must be
encrypted refused without ``encryption`` unless ``encrypt: false`` says so."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.engine.config import DEFAULT_CONFIG, parse_config
from hub.engine.config_openpgp import PgpPlan
from hub.kernel.errors import ConfigError, SecretMissing
from mappings import get_kind

AGENCY = "0123456789ABCDEF0123456789ABCDEF01234567"
UTILITY = "89AB CDEF 0123 4567 89AB  CDEF 0123 4567 89AB CDEF"  # as gpg prints it


def settings(tmp_path: Path, openpgp: dict[str, Any] | None = None, **exchanges: dict[str, Any]) -> Any:
    config = yaml.safe_load(DEFAULT_CONFIG)
    if openpgp is not None:
        config["openpgp"] = openpgp
    else:  # the default without the utility's key, and without placements, which need it
        config.pop("openpgp")
        config["exchanges"].pop("placements")
    for name, changes in exchanges.items():
        config["exchanges"][name].update(changes)
    return parse_config(config, root=tmp_path)


def test_encryption_is_resolved_with_the_keyring_and_the_signing_key(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        {"signing_key": UTILITY, "passphrase_file": "secrets/pgp"},
        **{"ach-debits": {"encryption": {"recipient": AGENCY.lower()}}},
    )
    plan: PgpPlan = s.exchange("ach-debits").pgp
    assert plan.home == tmp_path / "var" / "gnupg"
    assert plan.encryption is not None and plan.encryption.recipient == AGENCY and plan.encryption.sign
    assert plan.signing_key == UTILITY.replace(" ", "")
    assert s.exchange("meter-reads").pgp is None
    with pytest.raises(SecretMissing, match=r"openpgp\.passphrase_file .*secrets/pgp"):
        plan.passphrase()
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "pgp").write_text("s3cret\n")
    assert plan.passphrase() == "s3cret"


@pytest.mark.parametrize(
    ("openpgp", "exchanges", "expected"),
    [
        (None, {"ach-debits": {"encryption": {"recipient": "DEADBEEF"}}}, "full 40-hex-digit fingerprint"),
        (None, {"ach-debits": {"encryption": {"recipient": AGENCY}}}, "openpgp.signing_key"),
        (
            {"signing_key": UTILITY},
            {"meter-reads": {"encryption": {"recipient": AGENCY}}},
            "exchanges.meter-reads.encryption: kind meter-reads takes files in",
        ),
        (
            {"signing_key": UTILITY},
            {"ach-debits": {"decryption": {"signer": AGENCY}}},
            "exchanges.ach-debits.decryption: kind ach-debits sends files out",
        ),
        (None, {"meter-reads": {"decryption": {"signer": AGENCY}}}, "decryption: openpgp.signing_key"),
        (
            {"signing_key": UTILITY},
            {"ach-debits": {"encryption": {"recipient": AGENCY}, "encrypt": False}},
            "encrypt: false contradicts",
        ),
    ],
)
def test_openpgp_mistakes_name_their_key(
    tmp_path: Path, openpgp: dict[str, Any] | None, exchanges: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(expected)):
        settings(tmp_path, openpgp, **exchanges)


def test_a_kind_that_must_be_encrypted_needs_encryption_or_an_explicit_encrypt_false(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_kind("ach-debits"), "requires_encryption", True)
    with pytest.raises(
        ConfigError, match=re.escape("exchanges.ach-debits.encryption: kind ach-debits sends personal data")
    ):
        settings(tmp_path)
    assert settings(tmp_path, **{"ach-debits": {"encrypt": False}}).exchange("ach-debits").pgp is None
    encrypted = settings(
        tmp_path, {"signing_key": UTILITY}, **{"ach-debits": {"encryption": {"recipient": AGENCY}}}
    )
    assert encrypted.exchange("ach-debits").pgp.encryption.recipient == AGENCY

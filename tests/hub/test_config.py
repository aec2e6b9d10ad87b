"""Configuration: every mistake reported with its key path before anything runs; secrets never in
the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.engine.config import DEFAULT_CONFIG, load_config, parse_config
from hub.kernel.errors import ConfigError, SecretMissing
from mappings.base import ExchangeKind, MapContext, MappingOptions
from tests.conftest import Workdir


def cfg(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.yaml"
    path.write_text(text)
    return path


def test_default_configuration_is_valid_and_names_exchanges_after_their_kind(tmp_path: Path) -> None:
    settings = load_config(cfg(tmp_path, DEFAULT_CONFIG))
    ex = settings.exchange("meter-reads")
    assert ex.config.kind == "meter-reads"
    assert ex.source_path == tmp_path / "inbox" / "meter-reads"
    assert ex.destination_path == tmp_path / "outbox" / "cis"
    assert settings.ledger_url() == f"sqlite:///{tmp_path / 'var' / 'hub.db'}"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"exchanges": {"meter-reads": {"kind": "meter-reads", "row_policy": "sometimes"}}},
            "exchanges.meter-reads.row_policy",
        ),
        (
            {"exchanges": {"meter-reads": {"kind": "meter-readz"}}},
            "exchanges.meter-reads.kind: unknown exchange kind",
        ),
        (
            {"exchanges": {"meter-reads": {"kind": "meter-reads", "colour": "blue"}}},
            "exchanges.meter-reads.colour: Extra inputs are not permitted",
        ),
        (
            {
                "exchanges": {
                    "meter-reads": {"kind": "meter-reads", "format_options": {"read_window_days": "x"}}
                }
            },
            "exchanges.meter-reads.format_options.read_window_days",
        ),
        (
            {
                "exchanges": {
                    "meter-reads": {"kind": "meter-reads", "format_options": {"columns": {"acount": "A"}}}
                }
            },
            "exchanges.meter-reads.format_options.columns: unknown field(s) acount",
        ),
        (
            {
                "exchanges": {
                    "meter-reads": {
                        "kind": "meter-reads",
                        "mapping_options": {"exception_codes": {"77": "x"}},
                    }
                }
            },
            "exchanges.meter-reads.mapping_options: exception_codes names read code(s) 77",
        ),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone 'Mars/Olympus'"),
        ({"exchanges": {"Meter Reads": {"kind": "meter-reads"}}}, "exchange name 'Meter Reads'"),
        ({"ledger": {"url": "postgresql://hub:s3cret@db/hub"}}, "ledger.url: the URL holds a password"),
    ],
)
def test_mistakes_are_reported_with_their_key_path(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(change, root=tmp_path)
    assert expected in str(err.value)
    assert "s3cret" not in str(err.value)


def test_every_mistake_is_listed_at_once(tmp_path: Path) -> None:
    raw = {"exchanges": {"a": {"kind": "meter-reads", "row_policy": "x"}, "b": {"kind": "nope"}}}
    with pytest.raises(ConfigError) as err:
        parse_config(raw, root=tmp_path)
    assert "exchanges.a.row_policy" in str(err.value)


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(cfg(tmp_path, "version: 1\nexchanges:\n  meter-reads: [unclosed\n"))
    assert "hub.yaml, line" in str(err.value) and "not valid YAML" in str(err.value)


def test_yaml_mistakes_are_worded_as_ever(tmp_path: Path) -> None:
    """The document is read by libyaml's parser when PyYAML has it; a mistake is still told in the
    words and at the place the pure-Python parser gives."""
    for text, said in (
        (
            "version: 1\nexchanges: b: c\n",
            "line 2, column 13: not valid YAML: mapping values are not allowed here",
        ),
        (
            "version: 1\n\tx: 1\n",
            "line 2, column 1: not valid YAML: found character '\\t' that cannot start any token",
        ),
        ("exchanges: *nowhere\n", "line 1, column 12: not valid YAML: found undefined alias 'nowhere'"),
    ):
        with pytest.raises(ConfigError) as err:
            load_config(cfg(tmp_path, text))
        assert str(err.value).endswith(f"hub.yaml, {said}")


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="hub init"):
        load_config(tmp_path / "hub.yaml")


def test_ledger_password_comes_from_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = yaml.safe_load(DEFAULT_CONFIG)
    raw["ledger"] = {"url": "postgresql+psycopg://hub@db.example/hub", "password_env": "HUB_TEST_PW"}
    settings = parse_config(raw, root=tmp_path)
    monkeypatch.delenv("HUB_TEST_PW", raising=False)
    with pytest.raises(SecretMissing, match="HUB_TEST_PW"):
        settings.ledger_url()
    monkeypatch.setenv("HUB_TEST_PW", "p@ss/word")
    assert settings.ledger_url() == "postgresql+psycopg://hub:p%40ss%2Fword@db.example/hub"

    (tmp_path / "pw").write_text("from-file\n")
    raw["ledger"] = {"url": "postgresql+psycopg://hub@db.example/hub", "password_file": "pw"}
    assert parse_config(raw, root=tmp_path).ledger_url().endswith("hub:from-file@db.example/hub")


def test_the_partner_example_in_the_readme_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("A real partner", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    settings = parse_config(yaml.safe_load(block), root=tmp_path)
    ex = settings.exchange("meter-reads-north")
    assert ex.config.row_policy == "accept-valid-rows"
    assert ex.source_path == Path("/srv/sftp/itineris/upload")


def test_the_sftp_partner_example_in_the_readme_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("pulled from its own SFTP server", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    settings = parse_config(yaml.safe_load(block), root=tmp_path)
    src = settings.exchange("meter-reads-south").config.source
    assert src.type == "sftp"
    assert (src.server.host, src.server.port, src.completion.rule) == (
        "sftp.handheld-vendor.example",
        22,
        "size-stable",
    )
    assert src.server.passphrase_env == "HUB_HANDHELD_KEY_PASSPHRASE"


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        (
            {"host": "h", "user": "u", "key_file": "k"},
            "exchanges.x.source.sftp.server.known_hosts: Field required",
        ),
        ({"host": "h", "user": "u", "key_file": "k", "known_hosts": "kh", "port": 0}, "server.port"),
        (
            {"host": "h", "user": "u", "key_file": "k", "known_hosts": "kh", "password": "p"},
            "server.password",
        ),
    ],
)
def test_sftp_source_mistakes_name_their_key(
    tmp_path: Path, server: dict[str, object], expected: str
) -> None:
    raw = {"exchanges": {"x": {"kind": "meter-reads", "source": {"type": "sftp", "server": server}}}}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, root=tmp_path)
    assert expected in str(info.value)
    assert "'p'" not in str(info.value)  # a secret typed into the file is never echoed


class Wishful(ExchangeKind[MappingOptions]):
    """A kind that asks for a look-up and a fact the engine does not know."""

    name = "wishful"
    default_format = "meter-reads"
    options_model = MappingOptions
    lookups = frozenset({"accounts", "crystal_ball"})
    persists = frozenset({"horoscopes"})

    def map(self, table: Any, ctx: MapContext) -> dict[str, Any]:
        return {}


def test_a_kind_that_declares_what_the_engine_does_not_know_is_refused_with_its_key_path(
    tmp_path: Path,
) -> None:
    raw = {
        "kinds": {"wishful": "tests.hub.test_config:Wishful", "nowhere": "not_a_module:Kind"},
        "exchanges": {"w": {"kind": "wishful"}, "n": {"kind": "nowhere"}},
    }
    with pytest.raises(ConfigError) as err:
        parse_config(raw, root=tmp_path)
    lines = str(err.value).splitlines()
    assert any(
        line.startswith("hub.yaml: exchanges.w.kind: kind wishful looks up crystal_ball, which the engine")
        for line in lines
    ), lines
    assert any("exchanges.w.kind: kind wishful keeps facts horoscopes" in line for line in lines), lines
    unloadable = "exchanges.n.kind: exchange kind 'nowhere' cannot be loaded from not_a_module:Kind"
    assert any(unloadable in line for line in lines), lines
    with pytest.raises(ConfigError, match=r"kinds.wishful: exchange kind 'wishful' is registered already"):
        parse_config({"kinds": {"wishful": "tests.hub.test_config:Other"}}, root=tmp_path)


def test_mistakes_name_their_line_and_column_one_line_each_through_hub(workdir: Workdir) -> None:
    workdir.set_config(
        "version: 1\n"
        "console:\n"
        "  port: 70000\n"
        "  lock_afterr: 3\n"
        "exchanges:\n"
        "  meter-reads:\n"
        "    kind: meter-reads\n"
        "    row_policy: maybe\n"
        "  odd:\n"
        "    row_policy: accept-valid-rows\n"
    )
    res = workdir.hub("files", env={"COLUMNS": "80"})
    assert res.code == 2
    said = res.stderr.splitlines()
    # every mistake on a line of its own, never wrapped, with where it was written
    assert said[0].startswith("error: hub.yaml: console.port: Input should be less than or equal to 65535")
    assert said[0].endswith("(got 70000) (line 3, column 3)")
    assert "hub.yaml: console.lock_afterr: Extra inputs are not permitted (got 3) (line 4, column 3)" in said
    assert any(
        line.startswith("hub.yaml: exchanges.meter-reads.row_policy:") and line.endswith("(line 8, column 5)")
        for line in said
    )
    # a missing key: the mapping it belongs in
    assert any(
        line.startswith("hub.yaml: exchanges.odd.kind: Field required")
        and line.endswith("(line 9, column 3)")
        for line in said
    )
    assert len(said) == 4
    assert workdir.hub("files", "--json").json()["error"]["message"].splitlines() == [
        line.removeprefix("error: ") for line in said
    ]

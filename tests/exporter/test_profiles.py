"""Config profiles: one account each, its token named (an environment variable or `hf auth login`), never stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfmon.cli import main
from hfmon.config import Profile, parse_config
from hfmon.errors import ConfigError, NoTokenError
from hfmon.fakehub import FULL_TOKEN, NO_BILLING_TOKEN
from hfmon.monitor import build_monitor

CONFIG = """
[profiles.research]
token_env = "RESEARCH_HF_TOKEN"
namespaces = ["ada-labs"]

[profiles.me]
hf_token = "personal"

[profiles.plain]
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    monkeypatch.delenv("HFMON_CONFIG", raising=False)
    monkeypatch.setenv("HFMON_DATA_DIR", str(tmp_path / "data"))
    return path


def test_profiles_are_read_in_file_order() -> None:
    import tomllib

    profiles = parse_config(tomllib.loads(CONFIG)).profiles
    assert list(profiles) == ["research", "me", "plain"]
    assert profiles["research"] == Profile("research", token_env="RESEARCH_HF_TOKEN", namespaces=("ada-labs",))
    assert profiles["me"] == Profile("me", hf_token="personal")
    assert profiles["plain"] == Profile("plain")


@pytest.mark.parametrize(("table", "message"), [
    ({"bad name": {}}, "profiles.bad name: expected a profile name"),
    ({"x": {"token_env": "1ABC"}}, "profiles.x.token_env: expected the name of an environment variable"),
    ({"x": {"token_env": "A", "hf_token": "b"}}, "profiles.x: token_env and hf_token are both set"),
    ({"x": {"token": "hf_abc"}}, "profiles.x.token: unknown key"),  # a token never goes in the file
    ({"x": {"namespaces": ["a b"]}}, "profiles.x.namespaces: expected a user or org name"),
    ({"x": 3}, "profiles.x: expected a table"),
])
def test_a_bad_profile_is_a_config_error_naming_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config({"profiles": table})


def test_a_profile_takes_its_token_from_its_environment_variable(config: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESEARCH_HF_TOKEN", NO_BILLING_TOKEN)
    monkeypatch.setenv("HF_TOKEN", FULL_TOKEN)
    research = build_monitor(demo=False, config_path=str(config), history=False, profile="research")
    default = build_monitor(demo=False, config_path=str(config), history=False)
    try:
        assert research.collector.client.http._token == NO_BILLING_TOKEN
        assert research.collector.namespaces == ("ada-labs",)
        assert default.collector.client.http._token == FULL_TOKEN
        # Each account has its own client, so its own rate-limit governor.
        assert research.collector.client.governor is not default.collector.client.governor
    finally:
        research.close()
        default.close()


def test_a_profile_whose_variable_is_unset_says_which(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESEARCH_HF_TOKEN", raising=False)
    with pytest.raises(NoTokenError, match="RESEARCH_HF_TOKEN is not set"):
        build_monitor(demo=False, config_path=str(config), history=False, profile="research")


def test_a_profile_can_name_a_token_saved_by_hf_auth_login(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.utils

    monkeypatch.setattr(huggingface_hub.utils, "get_stored_tokens", lambda: {"personal": FULL_TOKEN})
    monitor = build_monitor(demo=False, config_path=str(config), history=False, profile="me")
    try:
        assert monitor.collector.client.http._token == FULL_TOKEN
    finally:
        monitor.close()
    monkeypatch.setattr(huggingface_hub.utils, "get_stored_tokens", lambda: {"other": FULL_TOKEN})
    with pytest.raises(NoTokenError, match="under the name 'personal'"):
        build_monitor(demo=False, config_path=str(config), history=False, profile="me")


def test_an_unknown_profile_is_a_usage_error_listing_the_known_ones(config: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["once", "--profile", "nope", "--config", str(config), "--no-history"]) == 2
    err = capsys.readouterr().err
    assert "no profile 'nope'" in err and "research, me, plain" in err


def test_every_command_takes_the_profile_flag(config: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("RESEARCH_HF_TOKEN", raising=False)
    for argv in (["--profile", "research", "once"], ["once", "--profile", "research"],
                 ["exporter", "--profile", "research"]):
        assert main([*argv, "--config", str(config), "--no-history"]) == 3, argv  # no token: exit 3, before any I/O
        assert "RESEARCH_HF_TOKEN is not set" in capsys.readouterr().err

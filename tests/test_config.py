"""The config file: defaults, a full file, and errors that name the file, the key and what was expected."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.config import Config, load_config, parse_config
from hfmon.errors import ConfigError

FULL = """
interval = 30
namespaces = ["alice", "acme"]
retention_days = 30

[crosscheck]
tolerance_pct = 2.5
tolerance_usd = 0.05

[prices.spaces]
"t4-small" = 0.40
[prices.jobs]
"cpu-basic" = 0.01
[prices.endpoints]
"aws/nvidia-l4/x1" = 0.8
[prices.models]
"deepseek-ai/DeepSeek-V4-Pro:together" = { input = 2.1, output = 4.4 }

[alerts]
max_cost_per_hour_usd = 5
idle_gpu_hours = 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_at_the_default_place_means_defaults() -> None:
    cfg = load_config()
    assert cfg == Config()
    assert (cfg.interval_s, cfg.namespaces, cfg.retention_days) == (60.0, None, 90)
    assert (cfg.tolerance.pct, cfg.tolerance.usd) == (Decimal(1), Decimal("0.01"))


def test_the_default_place_is_the_platformdirs_config_dir(isolated_dirs: Path) -> None:
    path = isolated_dirs / "config" / "hfmon" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("interval = 15\n")
    assert load_config().interval_s == 15


def test_a_full_file(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, FULL))
    assert cfg.interval_s == 30 and cfg.namespaces == ("alice", "acme") and cfg.retention_days == 30
    assert (cfg.tolerance.pct, cfg.tolerance.usd) == (Decimal("2.5"), Decimal("0.05"))
    assert cfg.prices.spaces["t4-small"] == Decimal("0.4")  # exact, not 0.40000000000000002
    assert cfg.prices.jobs["cpu-basic"] == Decimal("0.01")
    assert cfg.prices.endpoints["aws/nvidia-l4/x1"] == Decimal("0.8")
    assert cfg.prices.models["deepseek-ai/DeepSeek-V4-Pro:together"] == (Decimal("2.1"), Decimal("4.4"))
    assert cfg.alerts.max_cost_per_hour_usd == 5 and cfg.alerts.idle_gpu_hours == 3
    assert cfg.alerts.long_job_hours == 24  # default kept


def test_hfmon_config_env_points_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HFMON_CONFIG", str(write(tmp_path, "retention_days = 7\n")))
    assert load_config().retention_days == 7


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.toml: config file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "message"), [
    ('[prices.spaces]\n"t4-small" = "cheap"\n',
     "prices.spaces.t4-small: expected a number of USD per hour per replica, got 'cheap'"),
    ('[prices.spaces]\n"t4-small" = -1\n', "prices.spaces.t4-small: expected a number of USD per hour"),
    ('[prices.endpoints]\n"nvidia-l4" = 0.8\n', "prices.endpoints.nvidia-l4: expected a key <vendor>/<instanceType>"),
    ('[prices.models]\n"gpt2" = { input = 1 }\n', "prices.models.gpt2: expected a key <model>:<provider>"),
    ('[prices.models]\n"m/x:p" = 3\n', "prices.models.m/x:p: expected a table"),
    ('[prices.models]\n"m/x:p" = { input = "a" }\n', "prices.models.m/x:p.input: expected a number of USD per 1M"),
    ('[prices.models]\n"m/x:p" = { inptu = 1 }\n', "prices.models.m/x:p.inptu: unknown key"),
    ("interval = 5\n", "interval: expected a number of seconds from 10 to 86400, got 5"),
    ("interval = true\n", "interval: expected a number of seconds from 10 to 86400, got True"),
    ("interval = nan\n", "interval: expected a number of seconds from 10 to 86400, got nan"),
    ("interval = inf\n", "interval: expected a number of seconds from 10 to 86400, got inf"),
    ("retention_days = 1.5\n", "retention_days: expected a whole number of days from 1 to 36500, got 1.5"),
    ("retention_days = 99999999999\n",
     "retention_days: expected a whole number of days from 1 to 36500, got 99999999999"),
    ('namespaces = [""]\n', "namespaces: expected a user or org name (letters, digits, '-', '_' or '.'), got ''"),
    ('namespaces = ["acme/x"]\n', "namespaces: expected a user or org name"),
    ('namespaces = "alice"\n', "namespaces: expected a list of user or org names, got 'alice'"),
    ("intervall = 60\n", "intervall: unknown key"),
    ("[crosscheck]\ntolerance = 1\n", "crosscheck.tolerance: unknown key"),
    ("[prices.gpus]\n", "prices.gpus: unknown key"),
    ("[alerts]\nidle_gpu_hours = 'six'\n", "alerts.idle_gpu_hours: expected a number of hours, got 'six'"),
    ("[alerts]\nbudget = 3\n", "alerts.budget: unknown key"),
    ("[alerts]\nmax_cost_per_hour_usd = 1e26\n",  # past a trillion, money no longer formats to the cent
     "alerts.max_cost_per_hour_usd: expected a number of USD per hour, at most 1,000,000,000,000, got 1e+26"),
    ("crosscheck = 3\n", "crosscheck: expected a table, got 3"),
])
def test_bad_values_name_the_file_the_key_and_what_was_expected(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in err.value.message
    assert message in err.value.message


def test_toml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'interval = 60\nnamespaces = ["alice"\nretention_days = 3\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.message.startswith(f"{path}: line 3: invalid TOML")


def test_alert_keys_are_used_now_and_draw_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[alerts]\nmax_cost_per_hour_usd = 5\nmin_credits_remaining_usd = 0.5\nidle_gpu_hours = 3\n")
    config = load_config(path)
    assert config.warnings == ()
    assert config.alerts.max_cost_per_hour_usd == 5 and config.alerts.min_credits_remaining_usd == Decimal("0.5")
    assert config.alerts.any_rule


def test_a_file_without_those_keys_says_nothing() -> None:
    assert parse_config({"alerts": {"long_job_hours": 12}}).warnings == ()

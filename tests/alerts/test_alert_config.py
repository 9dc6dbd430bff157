"""The config's [alerts]: every key documented is read and checked; bad values are clear errors."""

from __future__ import annotations

import tomllib
from decimal import Decimal as D

import pytest

from hfmon.config import Alerts, Thresholds, parse_config
from hfmon.errors import ConfigError

FULL = """
[alerts]
max_cost_per_hour_usd = 5
max_period_usd = 100
min_credits_remaining_usd = 0.5
max_overage_usd = 0
max_credits_used_pct = 80
monthly_budget_usd = 500
long_running = true
resource_group_limits = true
unpriced = true
source_failing_minutes = 30
hysteresis_pct = 10
hook = "notify-send 'hfmon alert'"
hook_timeout_s = 5
webhook_url = "https://hooks.example.com/T000/B000/XXXX"
webhook_format = "slack"
webhook_timeout_s = 3
[alerts.namespace.acme]
monthly_budget_usd = 2000
max_cost_per_hour_usd = 1.5
"""


def alerts_of(text: str) -> Alerts:
    return parse_config(tomllib.loads(text), "config.toml").alerts


def test_every_alert_key_is_read() -> None:
    a = alerts_of(FULL)
    assert (a.max_cost_per_hour_usd, a.max_period_usd, a.min_credits_remaining_usd, a.max_overage_usd,
            a.max_credits_used_pct, a.monthly_budget_usd) == (D(5), D(100), D("0.5"), D(0), D(80), D(500))
    assert a.long_running and a.resource_group_limits and a.unpriced
    assert a.source_failing_minutes == 30 and a.hysteresis_pct == 10
    assert a.hook == ("notify-send", "hfmon alert") and a.hook_timeout_s == 5
    assert a.webhook_url == "https://hooks.example.com/T000/B000/XXXX" and a.webhook_format == "slack"
    assert a.thresholds("acme") == Thresholds(D(1.5), D(100), D("0.5"), D(0), D(80), D(2000))
    assert a.thresholds("alice") == Thresholds(D(5), D(100), D("0.5"), D(0), D(80), D(500))
    assert a.any_rule


def test_no_rule_means_no_alerts_and_the_defaults() -> None:
    a = alerts_of("[alerts]\nidle_gpu_hours = 3\n")
    assert not a.any_rule and a.hysteresis_pct == 5 and a.webhook_format == "json" and a.hook is None


def test_a_hook_list_is_taken_as_is() -> None:
    assert alerts_of('[alerts]\nhook = ["/usr/bin/logger", "-t", "hfmon; rm -rf /"]\n').hook == (
        "/usr/bin/logger", "-t", "hfmon; rm -rf /")  # arguments, never a shell line


@pytest.mark.parametrize(("text", "message"), [
    ("[alerts]\nlong_running = 1\n", "alerts.long_running: expected true or false, got 1"),
    ("[alerts]\nhysteresis_pct = 60\n", "alerts.hysteresis_pct: expected a percentage from 0 to 50, got 60"),
    ("[alerts]\nhook = []\n", "alerts.hook: expected a command"),
    ("[alerts]\nhook = \"'unclosed\"\n", "alerts.hook: expected a command (No closing quotation)"),
    ("[alerts]\nwebhook_format = \"teams\"\n", "alerts.webhook_format: expected json or slack or discord"),
    ("[alerts]\nhook_timeout_s = 0\n", "alerts.hook_timeout_s: expected a number of seconds from 1 to 300"),
    ("[alerts]\nmonthly_budget_usd = -1\n", "alerts.monthly_budget_usd: expected a number of USD, got -1"),
    ("[alerts.namespace.acme]\nlong_running = true\n", "alerts.namespace.acme.long_running: unknown key"),
    ("[alerts.namespace.\"a b\"]\nmax_period_usd = 1\n", "alerts.namespace.a b: expected a user or org name"),
])
def test_bad_alert_values_are_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        alerts_of(text)
    assert message in err.value.message


def test_a_bad_webhook_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as err:
        alerts_of('[alerts]\nwebhook_url = "ftp://secret-key@host"\n')
    assert "alerts.webhook_url: expected an http:// or https:// URL" in err.value.message
    assert "secret-key" not in err.value.message

"""The config file's `[alerts]` table: every key checked, errors naming the file, the key and what was expected."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from hfmon.alerts.settings import Alerts, Thresholds
from hfmon.errors import ConfigError

if TYPE_CHECKING:  # the validator lives in hfmon.config, which imports this module
    from hfmon.config import Validator

_HINT = "fix the value or remove the key to use the default"
_THRESHOLD_KEYS = {  # what each threshold is, for errors (the same keys as THRESHOLD_KEYS)
    "max_cost_per_hour_usd": "a number of USD per hour",
    "max_period_usd": "a number of USD",
    "min_credits_remaining_usd": "a number of USD",
    "max_overage_usd": "a number of USD",
    "max_credits_used_pct": "a percentage",
    "monthly_budget_usd": "a number of USD",
}
_ALERT_KEYS = {
    **_THRESHOLD_KEYS,
    "limit_near_pct": "a percentage",
    "idle_gpu_hours": "a number of hours",
    "long_job_hours": "a number of hours",
    "source_failing_minutes": "a number of minutes",
    "long_running_hours": "a number of hours above 0",
    "hysteresis_pct": "a percentage from 0 to 50",
    "hook_timeout_s": "a number of seconds from 1 to 300",
    "webhook_timeout_s": "a number of seconds from 1 to 300",
}
_ALERT_SWITCHES = ("long_running", "resource_group_limits", "unpriced")
WEBHOOK_FORMATS = ("json", "slack", "discord")


def parse_alerts(v: Validator, raw: Mapping[str, Any]) -> Alerts:
    """The `[alerts]` table: thresholds, switches, per-namespace thresholds, hook and webhook."""
    extra = {"long_running", "resource_group_limits", "unpriced", "hook", "webhook_url", "webhook_format",
             "namespace"}
    v.known(raw, "alerts", set(_ALERT_KEYS) | extra)
    values: dict[str, Any] = {k: v.number(raw, k, what, prefix="alerts") for k, what in _ALERT_KEYS.items()}
    for key, low, high in (("hysteresis_pct", 0, 50), ("hook_timeout_s", 1, 300), ("webhook_timeout_s", 1, 300)):
        if values[key] is not None and not low <= values[key] <= high:
            raise v.fail(f"alerts.{key}", _ALERT_KEYS[key], raw[key])
    if values["long_running_hours"] is not None and values["long_running_hours"] <= 0:
        raise v.fail("alerts.long_running_hours", _ALERT_KEYS["long_running_hours"], raw["long_running_hours"])
    for key in _ALERT_SWITCHES:
        if key in raw and not isinstance(raw[key], bool):
            raise v.fail(f"alerts.{key}", "true or false", raw[key])
        values[key] = raw.get(key)
    values["hook"] = _hook(v, raw.get("hook"))
    url = raw.get("webhook_url")
    if url is not None and (not isinstance(url, str) or not re.fullmatch(r"https?://[^\s/]+\S*", url)):
        # not echoed: a webhook URL is a secret (Slack's and Discord's carry their key)
        raise ConfigError(f"{v.name}: alerts.webhook_url: expected an http:// or https:// URL", _HINT)
    values["webhook_url"] = url
    fmt = raw.get("webhook_format")
    if fmt is not None and fmt not in WEBHOOK_FORMATS:
        raise v.fail("alerts.webhook_format", " or ".join(WEBHOOK_FORMATS), fmt)
    values["webhook_format"] = fmt
    own: dict[str, Thresholds] = {}
    for ns, table in v.table(raw, "namespace", "alerts").items():
        full = f"alerts.namespace.{ns}"
        v.namespace_key(ns, full)
        if not isinstance(table, dict):
            raise v.fail(full, "a table of thresholds", table)
        v.known(table, full, set(_THRESHOLD_KEYS))
        own[ns] = Thresholds(**{k: v.number(table, k, what, prefix=full) for k, what in _THRESHOLD_KEYS.items()})
    values["namespaces"] = MappingProxyType(own)
    return Alerts(**{k: val for k, val in values.items() if val is not None})

def _hook(v: Validator, value: Any) -> tuple[str, ...] | None:
    """The hook command as an argument list: a list of strings, or one string split like a shell would."""
    if value is None:
        return None
    if isinstance(value, str):
        import shlex

        try:
            value = shlex.split(value)
        except ValueError as exc:
            raise v.fail("alerts.hook", f"a command ({exc})", value) from None
    if not isinstance(value, list) or not value or not all(isinstance(a, str) and a for a in value):
        raise v.fail("alerts.hook", 'a command: a list of arguments like ["notify-send", "hfmon"], '
                        "run without a shell", value)
    return tuple(value)

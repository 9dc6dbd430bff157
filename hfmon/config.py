"""The hfmon config file: poll interval, namespaces, history retention, cross-check tolerance, prices, alerts, policy.

Where: `$HFMON_CONFIG` if set, else `<platformdirs user config dir>/hfmon/config.toml`. A missing file at
the default place means defaults; a file named explicitly (argument or `$HFMON_CONFIG`) must exist.
Every key is optional; unknown keys are rejected by name. Format::

    interval = 60                    # seconds between polls (>= 10)
    namespaces = ["alice", "acme"]   # default: the user and every org
    retention_days = 90              # history kept, in days (>= 1)

    [crosscheck]
    tolerance_pct = 1.0   # drift when |billed - recomputed| > max(tolerance_pct% of billed, tolerance_usd)
    tolerance_usd = 0.01

    [prices.spaces]       # USD per hour per replica, by flavor
    "t4-small" = 0.40
    [prices.jobs]         # USD per hour, by flavor
    "cpu-basic" = 0.01
    [prices.endpoints]    # USD per hour per replica, "<vendor>/<instanceType>/<instanceSize>"
    "aws/nvidia-l4/x1" = 0.8
    [prices.models]       # USD per 1M tokens, "<model>:<provider>"
    "deepseek-ai/DeepSeek-V4-Pro:together" = { input = 2.1, output = 4.4 }

    [profiles.acme]       # an account the exporter watches, or `--profile acme` for any command
    token_env = "ACME_HF_TOKEN"     # the environment variable holding its token (hfmon never stores one)
    namespaces = ["acme"]           # optional, as above
    [profiles.me]
    hf_token = "work"               # or: a token saved by `hf auth login` under this name (`hf auth list`)
                                    # (neither key: HF_TOKEN, else the token `hf auth login` made current)

    [alerts]              # advisory: alerts tell you, they do not stop spending (numbers >= 0)
    max_cost_per_hour_usd = 5       # running cost now, account-wide (the meter)
    max_period_usd = 100            # projected Inference Providers usage this period, per namespace
    min_credits_remaining_usd = 0.5 # included credits remaining, per namespace
    max_overage_usd = 0             # usage beyond the included credits, per namespace
    max_credits_used_pct = 80       # included credits used, in %, per namespace (none included: no alert)
    monthly_budget_usd = 500        # spend this period ahead of the budget's pace, per namespace
    long_running = true             # the long_running_job and idle_gpu flags (thresholds below)
    resource_group_limits = true    # a resource group at limit_near_pct of a spend limit, or over it
    unpriced = true                 # a resource billed now that no catalog prices
    source_failing_minutes = 30     # a source without a good answer for this long
    long_running_hours = 72         # any Endpoint or Space billed and up without a break for longer
    hysteresis_pct = 5              # an alert resets once its figure is this % back inside the limit
    limit_near_pct = 90             # flag at this % of a spending limit (default 90)
    idle_gpu_hours = 6              # GPU running unchanged this long counts as idle (default 6)
    long_job_hours = 24             # a job running longer is flagged (default 24)
    hook = ["notify-send", "hfmon"] # run without a shell, the alert as JSON on stdin
    hook_timeout_s = 10
    webhook_url = "https://hooks.slack.com/services/..."  # JSON POST, retried; never the HF token
    webhook_format = "slack"        # json (default) | slack | discord
    webhook_timeout_s = 10
    [alerts.namespace.acme]         # per-namespace thresholds, over the ones above for that namespace
    monthly_budget_usd = 2000       # (max_cost_per_hour_usd here: acme's own running cost)

    [advisor]             # the savings advisor's assumptions: see hfmon/advisor_settings.py for every key
    hours_per_month = 730           # the month a saving in $/month is counted in
    fit_overhead = 1.2              # GPU memory a model needs: its weights times this

    [policy]              # rules `hfmon check` holds the account to (exit 1 on a breach); all optional
    gpu_space_max_sleep_s = 3600              # no GPU Space without a sleep time of at most this
    no_min_replica_in = ["dev"]               # no Endpoint with min replica >= 1 in these namespaces ("*": any)
    private_storage_within_plan = true        # no private storage above the plan

Errors name the file, the key and what was expected, e.g.
`config.toml: prices.spaces.t4-small: expected a number of USD per hour, got 'cheap'`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hfmon.advisor_settings import AdvisorSettings, parse_advisor
from hfmon.alerts.settings import Alerts as Alerts  # re-exported: hfmon.config.Alerts is the public name
from hfmon.alerts.settings import Thresholds as Thresholds
from hfmon.config_alerts import WEBHOOK_FORMATS as WEBHOOK_FORMATS
from hfmon.config_alerts import parse_alerts
from hfmon.errors import ConfigError
from hfmon.figures import LARGEST_SETTING
from hfmon.pricing.catalog import PriceOverrides

ENV_VAR = "HFMON_CONFIG"
MIN_INTERVAL_S = 10
MAX_INTERVAL_S = 86_400
INTERVAL_RULE = f"a number of seconds from {MIN_INTERVAL_S} to {MAX_INTERVAL_S}"
MAX_RETENTION_DAYS = 36_500  # a century: beyond it a date overflows
MAX_CONFIG_BYTES = 1 << 20  # a config file is a few lines; never read a device or a huge file whole
_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_PROFILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_HINT = "fix the value or remove the key to use the default"


@dataclass(frozen=True, slots=True)
class Tolerance:
    """When a billed figure and its recomputation count as different."""

    pct: Decimal = Decimal("1.0")
    usd: Decimal = Decimal("0.01")

    def allows(self, billed: Decimal, delta: Decimal) -> bool:
        """True when |delta| is within max(pct% of |billed|, usd)."""
        return abs(delta) <= max(abs(billed) * self.pct / 100, self.usd)


@dataclass(frozen=True, slots=True)
class Profile:
    """An account to watch: where its token is (never the token itself) and, optionally, its namespaces."""

    name: str
    token_env: str | None = None  # the environment variable holding the token
    hf_token: str | None = None  # the name of a token saved by `hf auth login`
    namespaces: tuple[str, ...] | None = None  # None: the config's, else the user and every org

    @property
    def token_origin(self) -> str:
        """Where the token comes from, in words (for messages; never the token)."""
        if self.token_env:
            return f"the environment variable {self.token_env}"
        if self.hf_token:
            return f"the token saved by `hf auth login` as {self.hf_token!r}"
        return "HF_TOKEN, else the token of `hf auth login`"


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules `hfmon check` holds the account to (the `[policy]` table); none set by default."""

    gpu_space_max_sleep_s: int | None = None  # no GPU Space without a sleep time of at most this many seconds
    no_min_replica_in: tuple[str, ...] = ()  # no Endpoint with min replica >= 1 in these namespaces ("*": any)
    private_storage_within_plan: bool = False  # no private storage above the plan

    @property
    def empty(self) -> bool:
        """No rule is set."""
        return self.gpu_space_max_sleep_s is None and not self.no_min_replica_in and \
            not self.private_storage_within_plan


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the config file can set, with defaults."""

    interval_s: float = 60.0
    namespaces: tuple[str, ...] | None = None  # None: the user and every org
    retention_days: int = 90
    tolerance: Tolerance = field(default_factory=Tolerance)
    prices: PriceOverrides = field(default_factory=PriceOverrides)
    alerts: Alerts = field(default_factory=Alerts)
    profiles: Mapping[str, Profile] = field(default_factory=lambda: MappingProxyType({}))  # by name, file order
    policy: Policy = field(default_factory=Policy)
    advisor: AdvisorSettings = field(default_factory=AdvisorSettings)
    path: Path | None = None  # the file read, if any
    warnings: tuple[str, ...] = ()  # what the user should know about the file (keys set that do nothing yet)


def check_interval(seconds: float) -> float:
    """`seconds` between polls when within the rule (the same for the config file and --interval), else ValueError."""
    if not MIN_INTERVAL_S <= seconds <= MAX_INTERVAL_S:  # NaN fails every comparison
        raise ValueError(f"expected {INTERVAL_RULE}, got {seconds:g}")
    return seconds


def check_namespace(name: str) -> str:
    """A user or org name as Hugging Face spells them (letters, digits, '-', '_', '.'), else ValueError."""
    cleaned = name.strip()
    if not _NAMESPACE.fullmatch(cleaned):
        shown = repr(name) if name.isprintable() else "a name with control characters"
        raise ValueError(f"expected a user or org name (letters, digits, '-', '_' or '.'), got {shown}")
    return cleaned


def check_profile(name: str) -> str:
    """A profile name (letters, digits, '-', '_', '.'), else ValueError."""
    if not _PROFILE.fullmatch(name):
        shown = repr(name) if name.isprintable() else "a name with control characters"
        raise ValueError(f"expected a profile name (letters, digits, '-', '_' or '.'), got {shown}")
    return name


def default_path() -> Path:
    """`$HFMON_CONFIG`, else config.toml in the platformdirs user config directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_path("hfmon")) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config file; a missing default file gives the defaults."""
    explicit = path is not None or bool(os.environ.get(ENV_VAR))
    target = path if path is not None else default_path()
    try:
        with target.open("rb") as stream:
            data = stream.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{target}: config file not found", "create it or point to another file") from None
        return Config()
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read the config file: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{target}: larger than {MAX_CONFIG_BYTES // 1024} KiB, not a config file",
                          "point --config (or HFMON_CONFIG) at the hfmon config.toml")
    import tomllib  # only when there is a file to read: most runs have none

    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))  # a byte-order mark (some Windows editors) is harmless
    except UnicodeDecodeError:
        raise ConfigError(f"{target}: not UTF-8 text", "save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f"line {line.group(1)}: " if line else ""
        raise ConfigError(f"{target}: {where}invalid TOML: {exc}", "fix the syntax at that line") from None
    return parse_config(raw, str(target), path=target)


def parse_config(raw: Mapping[str, Any], name: str = "config.toml", path: Path | None = None) -> Config:
    """Validate a parsed TOML document; `name` is the file name errors mention."""
    v = Validator(name)
    v.known(raw, "", {"interval", "namespaces", "retention_days", "crosscheck", "prices", "alerts", "profiles",
                      "policy", "advisor"})
    interval = v.number(raw, "interval", INTERVAL_RULE, minimum=Decimal(MIN_INTERVAL_S))
    if interval is not None and interval > MAX_INTERVAL_S:
        raise v.fail("interval", INTERVAL_RULE, raw["interval"])
    retention = v.integer(raw, "retention_days", f"a whole number of days from 1 to {MAX_RETENTION_DAYS}",
                          minimum=1, maximum=MAX_RETENTION_DAYS)
    cross = v.table(raw, "crosscheck")
    v.known(cross, "crosscheck", {"tolerance_pct", "tolerance_usd"})
    pct = v.number(cross, "tolerance_pct", "a percentage >= 0", prefix="crosscheck")
    tol_usd = v.number(cross, "tolerance_usd", "a number of USD >= 0", prefix="crosscheck")
    alerts = parse_alerts(v, v.table(raw, "alerts"))
    return Config(
        interval_s=float(interval) if interval is not None else 60.0,
        namespaces=v.namespaces(raw),
        retention_days=retention if retention is not None else 90,
        tolerance=Tolerance(pct=pct if pct is not None else Decimal("1.0"),
                            usd=tol_usd if tol_usd is not None else Decimal("0.01")),
        prices=v.prices(v.table(raw, "prices")),
        alerts=alerts,
        profiles=v.profiles(v.table(raw, "profiles")),
        policy=v.policy(v.table(raw, "policy")),
        advisor=parse_advisor(raw.get("advisor", {}), name),
        path=path,
    )


class Validator:
    """Checks values and raises ConfigError naming the file, the key and what was expected."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, key: str, expected: str, got: Any) -> ConfigError:
        shown = "a table" if isinstance(got, dict) else repr(got)
        return ConfigError(f"{self.name}: {key}: expected {expected}, got {shown}", _HINT)

    def known(self, table: Mapping[str, Any], prefix: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                full = f"{prefix}.{key}" if prefix else key
                raise ConfigError(f"{self.name}: {full}: unknown key (known: {', '.join(sorted(allowed))})",
                                  "check the spelling or remove it")

    def table(self, raw: Mapping[str, Any], key: str, prefix: str = "") -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{prefix}.{key}" if prefix else key, "a table", value)
        return value

    def decimal(self, value: Any, key: str, expected: str, minimum: Decimal = Decimal(0)) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, expected, value)
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or number < minimum:
            raise self.fail(key, expected, value)
        if number > LARGEST_SETTING:
            raise self.fail(key, f"{expected}, at most {LARGEST_SETTING:,}", value)
        return number

    def number(self, raw: Mapping[str, Any], key: str, expected: str, *, prefix: str = "",
               minimum: Decimal = Decimal(0)) -> Decimal | None:
        if key not in raw:
            return None
        return self.decimal(raw[key], f"{prefix}.{key}" if prefix else key, expected, minimum)

    def integer(self, raw: Mapping[str, Any], key: str, expected: str, minimum: int, maximum: int, *,
                prefix: str = "") -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self.fail(f"{prefix}.{key}" if prefix else key, expected, value)
        return value

    def profiles(self, raw: Mapping[str, Any]) -> Mapping[str, Profile]:
        out: dict[str, Profile] = {}
        for name, table in raw.items():
            full = f"profiles.{name}"
            try:
                check_profile(name)
            except ValueError as exc:
                raise ConfigError(f"{self.name}: {full}: {exc}", _HINT) from None
            if not isinstance(table, dict):
                raise self.fail(full, "a table", table)
            self.known(table, full, {"token_env", "hf_token", "namespaces"})
            token_env, hf_token = table.get("token_env"), table.get("hf_token")
            if token_env is not None and (not isinstance(token_env, str) or not _ENV_VAR.fullmatch(token_env)):
                raise self.fail(f"{full}.token_env", "the name of an environment variable, e.g. \"ACME_HF_TOKEN\"",
                                token_env)
            if hf_token is not None and (not isinstance(hf_token, str) or not hf_token.strip()
                                         or not hf_token.isprintable()):
                raise self.fail(f"{full}.hf_token", "the name of a token saved by `hf auth login` (`hf auth list`)",
                                hf_token)
            if token_env is not None and hf_token is not None:
                raise ConfigError(f"{self.name}: {full}: token_env and hf_token are both set",
                                  "keep the one that says where this account's token is")
            out[name] = Profile(name, token_env, hf_token, self.namespaces(table, full))
        return MappingProxyType(out)

    def namespace_key(self, name: str, key: str) -> str:
        """`name` checked as a user or org name used as the key `key`, else ConfigError."""
        try:
            return check_namespace(name)
        except ValueError as exc:
            raise ConfigError(f"{self.name}: {key}: {exc}", _HINT) from None

    def namespaces(self, raw: Mapping[str, Any], prefix: str = "") -> tuple[str, ...] | None:
        key = f"{prefix}.namespaces" if prefix else "namespaces"
        value = raw.get("namespaces")
        if value is None:
            return None
        expected = "a list of user or org names"
        if value == []:
            return None  # as if absent: the user and every org
        if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
            raise self.fail(key, expected, value)
        try:
            return tuple(dict.fromkeys(check_namespace(n) for n in value))
        except ValueError as exc:
            raise ConfigError(f"{self.name}: {key}: {exc}", _HINT) from None

    def policy(self, raw: Mapping[str, Any]) -> Policy:
        self.known(raw, "policy", {"gpu_space_max_sleep_s", "no_min_replica_in", "private_storage_within_plan"})
        sleep = self.integer(raw, "gpu_space_max_sleep_s", "a whole number of seconds from 1 to 604800", 1, 604_800,
                             prefix="policy")
        names = raw.get("no_min_replica_in", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise self.fail("policy.no_min_replica_in", 'a list of user or org names, or ["*"]', names)
        try:
            spaces = tuple(dict.fromkeys(n if n == "*" else check_namespace(n) for n in names))
        except ValueError as exc:
            raise ConfigError(f"{self.name}: policy.no_min_replica_in: {exc}", _HINT) from None
        within = raw.get("private_storage_within_plan", False)
        if not isinstance(within, bool):
            raise self.fail("policy.private_storage_within_plan", "true or false", within)
        return Policy(sleep, spaces, within)

    def prices(self, raw: Mapping[str, Any]) -> PriceOverrides:
        self.known(raw, "prices", {"spaces", "jobs", "endpoints", "models"})
        hourly: dict[str, dict[str, Decimal]] = {}
        for kind in ("spaces", "jobs", "endpoints"):
            table = self.table(raw, kind, "prices")
            out: dict[str, Decimal] = {}
            for key, value in table.items():
                full = f"prices.{kind}.{key}"
                if kind == "endpoints" and (len(key.split("/")) != 3 or not all(key.split("/"))):
                    raise ConfigError(f"{self.name}: {full}: expected a key <vendor>/<instanceType>/"
                                      f"<instanceSize>, e.g. \"aws/nvidia-l4/x1\"", _HINT)
                per = "per hour per replica" if kind != "jobs" else "per hour"
                out[key] = self.decimal(value, full, f"a number of USD {per}")
            hourly[kind] = out
        models: dict[str, tuple[Decimal | None, Decimal | None]] = {}
        for key, value in self.table(raw, "models", "prices").items():
            full = f"prices.models.{key}"
            model, sep, provider = key.rpartition(":")
            if not sep or not model or not provider:
                raise ConfigError(f"{self.name}: {full}: expected a key <model>:<provider>, "
                                  f"e.g. \"deepseek-ai/DeepSeek-V4-Pro:together\"", _HINT)
            if not isinstance(value, dict) or not value:
                raise self.fail(full, "a table { input = <USD per 1M>, output = <USD per 1M> }", value)
            self.known(value, full, {"input", "output"})
            models[key] = (self.number(value, "input", "a number of USD per 1M input tokens", prefix=full),
                           self.number(value, "output", "a number of USD per 1M output tokens", prefix=full))
        return PriceOverrides(spaces=MappingProxyType(hourly["spaces"]), jobs=MappingProxyType(hourly["jobs"]),
                              endpoints=MappingProxyType(hourly["endpoints"]), models=MappingProxyType(models))

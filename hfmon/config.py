"""The hfmon config file: poll interval, namespaces, history retention, cross-check tolerance, prices, alerts.

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

    [alerts]              # thresholds (numbers >= 0)
    max_cost_per_hour_usd = 5       # running cost per hour now      } read and checked, but not used yet:
    max_period_usd = 100            # projected spend this period    } loading a file that sets them says so
    min_credits_remaining_usd = 0.5 #                                } (alerts come in a later version)
    limit_near_pct = 90             # flag at this % of a spending limit (default 90)
    idle_gpu_hours = 6              # GPU running unchanged this long counts as idle (default 6)
    long_job_hours = 24             # a job running longer is flagged (default 24)

Errors name the file, the key and what was expected, e.g.
`config.toml: prices.spaces.t4-small: expected a number of USD per hour, got 'cheap'`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hfmon.errors import ConfigError
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
_ALERT_KEYS = {
    "max_cost_per_hour_usd": "a number of USD per hour",
    "max_period_usd": "a number of USD",
    "min_credits_remaining_usd": "a number of USD",
    "limit_near_pct": "a percentage",
    "idle_gpu_hours": "a number of hours",
    "long_job_hours": "a number of hours",
}
NOT_USED_YET = ("max_cost_per_hour_usd", "max_period_usd", "min_credits_remaining_usd")  # nothing reads them yet


@dataclass(frozen=True, slots=True)
class Tolerance:
    """When a billed figure and its recomputation count as different."""

    pct: Decimal = Decimal("1.0")
    usd: Decimal = Decimal("0.01")

    def allows(self, billed: Decimal, delta: Decimal) -> bool:
        """True when |delta| is within max(pct% of |billed|, usd)."""
        return abs(delta) <= max(abs(billed) * self.pct / 100, self.usd)


@dataclass(frozen=True, slots=True)
class Alerts:
    """Alert thresholds; None means not set."""

    max_cost_per_hour_usd: Decimal | None = None
    max_period_usd: Decimal | None = None
    min_credits_remaining_usd: Decimal | None = None
    limit_near_pct: Decimal = Decimal(90)
    idle_gpu_hours: Decimal = Decimal(6)
    long_job_hours: Decimal = Decimal(24)


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
class Config:
    """Everything the config file can set, with defaults."""

    interval_s: float = 60.0
    namespaces: tuple[str, ...] | None = None  # None: the user and every org
    retention_days: int = 90
    tolerance: Tolerance = field(default_factory=Tolerance)
    prices: PriceOverrides = field(default_factory=PriceOverrides)
    alerts: Alerts = field(default_factory=Alerts)
    profiles: Mapping[str, Profile] = field(default_factory=lambda: MappingProxyType({}))  # by name, file order
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
    v = _Validator(name)
    v.known(raw, "", {"interval", "namespaces", "retention_days", "crosscheck", "prices", "alerts", "profiles"})
    interval = v.number(raw, "interval", INTERVAL_RULE, minimum=Decimal(MIN_INTERVAL_S))
    if interval is not None and interval > MAX_INTERVAL_S:
        raise v.fail("interval", INTERVAL_RULE, raw["interval"])
    retention = v.integer(raw, "retention_days", f"a whole number of days from 1 to {MAX_RETENTION_DAYS}",
                          minimum=1, maximum=MAX_RETENTION_DAYS)
    cross = v.table(raw, "crosscheck")
    v.known(cross, "crosscheck", {"tolerance_pct", "tolerance_usd"})
    pct = v.number(cross, "tolerance_pct", "a percentage >= 0", prefix="crosscheck")
    tol_usd = v.number(cross, "tolerance_usd", "a number of USD >= 0", prefix="crosscheck")
    alerts_raw = v.table(raw, "alerts")
    v.known(alerts_raw, "alerts", set(_ALERT_KEYS))
    alerts = {k: v.number(alerts_raw, k, what, prefix="alerts") for k, what in _ALERT_KEYS.items()}
    return Config(
        interval_s=float(interval) if interval is not None else 60.0,
        namespaces=v.namespaces(raw),
        retention_days=retention if retention is not None else 90,
        tolerance=Tolerance(pct=pct if pct is not None else Decimal("1.0"),
                            usd=tol_usd if tol_usd is not None else Decimal("0.01")),
        prices=v.prices(v.table(raw, "prices")),
        alerts=Alerts(**{k: val for k, val in alerts.items() if val is not None}),
        profiles=v.profiles(v.table(raw, "profiles")),
        path=path,
        warnings=tuple(f"{name}: alerts.{key} is not used yet (alerts come in a later version of hfmon); "
                       "it is checked but changes nothing" for key in NOT_USED_YET if key in alerts_raw),
    )


class _Validator:
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
        return number

    def number(self, raw: Mapping[str, Any], key: str, expected: str, *, prefix: str = "",
               minimum: Decimal = Decimal(0)) -> Decimal | None:
        if key not in raw:
            return None
        return self.decimal(raw[key], f"{prefix}.{key}" if prefix else key, expected, minimum)

    def integer(self, raw: Mapping[str, Any], key: str, expected: str, minimum: int, maximum: int) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self.fail(key, expected, value)
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

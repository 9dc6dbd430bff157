"""The savings advisor's assumptions (`AdvisorSettings`) and the config file's `[advisor]` table that sets them.

Outside `hfmon.advice` so that `hfmon.config` can read the table without importing the advisor (which imports
the cost code, which imports the config). Every key is optional; errors name the file, the key and the rule::

    [advisor]
    hours_per_month = 730        # the month a saving in $/month is counted in (672 to 744 h; HF's pages use 730)
    busy_hours_per_day = 8       # a judged resource is assumed busy this long a day (0 to 24)...
    busy_days_per_week = 5       # ...on this many days a week (0 to 7)
    idle_target_min = 15         # the sleep time / scale-to-zero timeout recommended (1 to 1440 minutes)
    forgotten_days = 7           # billed and unchanged this long: maybe forgotten (1 to 365)
    window_days = 7              # history looked at for measured savings (1 to 90)
    min_history_hours = 24       # less history than this measures nothing (1 to 2160)
    fit_overhead = 1.2           # GPU memory a model needs: its weights times this (1 to 4)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hfmon.errors import ConfigError

HOURS_PER_MONTH = Decimal(730)
"""A month as HF's Endpoints pricing page counts it (e.g. $0.75/h is $547.5/month)."""
_HINT = "fix the value or remove the key to use the default"


@dataclass(frozen=True, slots=True)
class AdvisorSettings:
    """The assumptions a judged saving rests on, how much history a measured one needs, and the month counted."""

    busy_hours_per_day: Decimal = Decimal(8)  # a resource nobody watches is assumed busy this long a day...
    busy_days_per_week: int = 5  # ...on this many days a week
    idle_target_min: int = 15  # the sleep time / scale-to-zero timeout hfmon recommends
    forgotten_days: int = 7  # billed and unchanged this long: maybe forgotten
    window_days: int = 7  # history looked at for measured savings
    min_history_hours: int = 24  # less history than this measures nothing
    fit_overhead: Decimal = Decimal("1.2")  # GPU memory a model needs: its weights times this (KV cache, runtime)
    hours_per_month: Decimal = HOURS_PER_MONTH  # the month a saving in $/month is counted in

    def needed_hours_month(self) -> Decimal:
        """Hours a month a resource runs when it idles down `idle_target_min` after its busy hours."""
        per_week = (self.busy_hours_per_day + Decimal(self.idle_target_min) / 60) * self.busy_days_per_week
        return per_week * self.hours_per_month / 168

    def busy_phrase(self) -> str:
        """The judged assumption in words."""
        per_week = (self.busy_hours_per_day + Decimal(self.idle_target_min) / 60) * self.busy_days_per_week
        return (f"if it is busy {self.busy_hours_per_day.normalize():f} h a day on {self.busy_days_per_week} days "
                f"a week and idles down after {self.idle_target_min} min: {per_week.normalize():f} of 168 h a week")


# key: (what it is, low, high, whole numbers only)
_RULES: dict[str, tuple[str, Decimal, Decimal, bool]] = {
    "hours_per_month": ("a number of hours", Decimal(672), Decimal(744), False),
    "busy_hours_per_day": ("a number of hours", Decimal(0), Decimal(24), False),
    "busy_days_per_week": ("a whole number of days", Decimal(0), Decimal(7), True),
    "idle_target_min": ("a whole number of minutes", Decimal(1), Decimal(1440), True),
    "forgotten_days": ("a whole number of days", Decimal(1), Decimal(365), True),
    "window_days": ("a whole number of days", Decimal(1), Decimal(90), True),
    "min_history_hours": ("a whole number of hours", Decimal(1), Decimal(2160), True),
    "fit_overhead": ("a factor", Decimal(1), Decimal(4), False),
}


def parse_advisor(raw: Any, file: str) -> AdvisorSettings:
    """The `[advisor]` table of a parsed config file; ConfigError naming `file`, the key and its rule."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{file}: advisor: expected a table, got {raw!r}", _HINT)
    for key in raw:
        if key not in _RULES:
            raise ConfigError(f"{file}: advisor.{key}: unknown key (known: {', '.join(sorted(_RULES))})",
                              "check the spelling or remove it")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        what, low, high, whole = _RULES[key]
        expected = f"{what} from {low} to {high}"
        if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
            raise ConfigError(f"{file}: advisor.{key}: expected {expected}, got {_shown(value)}", _HINT)
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite() or not low <= number <= high:
            raise ConfigError(f"{file}: advisor.{key}: expected {expected}, got {_shown(value)}", _HINT)
        values[key] = int(number) if whole else number
    if values.get("busy_hours_per_day", Decimal(8)) + Decimal(values.get("idle_target_min", 15)) / 60 > 24:
        raise ConfigError(f"{file}: advisor: busy_hours_per_day plus idle_target_min is more than a day",
                          "lower one of them")
    return AdvisorSettings(**values)


def _shown(value: Any) -> str:
    return "a table" if isinstance(value, dict) else repr(value)

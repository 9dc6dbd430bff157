"""The alert settings the config file's `[alerts]` holds (parsed and checked by `hfmon.config`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Alert thresholds of the account, or of one namespace; None means not set."""

    max_cost_per_hour_usd: Decimal | None = None
    max_period_usd: Decimal | None = None
    min_credits_remaining_usd: Decimal | None = None
    max_overage_usd: Decimal | None = None
    max_credits_used_pct: Decimal | None = None
    monthly_budget_usd: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Alerts(Thresholds):
    """Alert rules (the account's thresholds, and the rest), flag thresholds and where alerts are delivered."""

    limit_near_pct: Decimal = Decimal(90)
    idle_gpu_hours: Decimal = Decimal(6)
    long_job_hours: Decimal = Decimal(24)
    source_failing_minutes: Decimal | None = None
    long_running_hours: Decimal | None = None  # any Endpoint or Space billed and up without a break this long
    hysteresis_pct: Decimal = Decimal(5)
    long_running: bool = False
    resource_group_limits: bool = False
    unpriced: bool = False
    hook: tuple[str, ...] | None = None
    hook_timeout_s: Decimal = Decimal(10)
    webhook_url: str | None = None
    webhook_format: str = "json"
    webhook_timeout_s: Decimal = Decimal(10)
    namespaces: Mapping[str, Thresholds] = field(default_factory=lambda: MappingProxyType({}))

    def thresholds(self, namespace: str | None) -> Thresholds:
        """The thresholds for one namespace (its own where it sets them), or the account's for None."""
        base = Thresholds(*(getattr(self, k) for k in THRESHOLD_KEYS))  # the account's, without the rest
        own = self.namespaces.get(namespace) if namespace is not None else None
        if own is None:
            return base
        return Thresholds(*(getattr(own, k) if getattr(own, k) is not None else getattr(base, k)
                            for k in THRESHOLD_KEYS))

    @property
    def any_rule(self) -> bool:
        """Some alert rule is set: alerts are evaluated after each poll."""
        return (any(getattr(self, k) is not None for k in THRESHOLD_KEYS) or bool(self.namespaces)
                or self.long_running or self.resource_group_limits or self.unpriced
                or self.source_failing_minutes is not None or self.long_running_hours is not None)


THRESHOLD_KEYS = tuple(f.name for f in fields(Thresholds))  # the thresholds a namespace can set for itself too

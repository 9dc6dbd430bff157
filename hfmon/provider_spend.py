"""Inference Providers spend per provider over time, as the Report carries it (computed in
`hfmon.costs.provider_time` from the history's `ProviderPoint`s). Pure values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.figures import Total


def step_starts(start: datetime, end: datetime, step: timedelta) -> tuple[datetime, ...]:
    """When each step of [start, end] begins (the last one ends at `end`, so it may be shorter)."""
    count = max(1, -(-(end - start) // step))
    return tuple(start + i * step for i in range(count))


@dataclass(frozen=True, slots=True)
class SpendSeries:
    """One provider's spend in each step of a window, oldest first; unknown (partial) where history is missing."""

    name: str
    usd: tuple[Total[Decimal], ...]
    total: Total[Decimal]  # over the whole window: the steps added up


@dataclass(frozen=True, slots=True)
class ProviderSpendWindow:
    """Spend per provider, every namespace together, in each step of one window ending now (from history)."""

    name: str  # 1h | 24h | 7d | 30d | period
    start: datetime
    end: datetime
    step: timedelta
    providers: tuple[SpendSeries, ...]  # the costliest first

    @property
    def step_starts(self) -> tuple[datetime, ...]:
        """When each step begins."""
        return step_starts(self.start, self.end, self.step)

"""What every view renders from: the Report plus the view's own choices (namespace, time, colours)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from hfmon.report import Credits, Report


@dataclass(frozen=True, slots=True)
class ViewState:
    """One render's input. `now` comes from the ReportSource, never from the wall clock."""

    report: Report
    namespace: str | None  # None: all namespaces
    now: datetime
    tones: Mapping[str, str]
    observed: Mapping[str, tuple[tuple[datetime, Decimal], ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # warnings about how hfmon runs (history off, a source skipped)
    window: str = "period"  # the spend window the screens show (bindings.WINDOWS)

    @property
    def user(self) -> str | None:
        """The token's user name."""
        return self.report.account.name if self.report.account else None

    def chart_credits(self) -> Credits | None:
        """The credits the chart shows: the selected namespace's, else the user's, else the first."""
        wanted = self.namespace or self.user
        return next((c for c in self.report.credits if c.namespace == wanted),
                    self.report.credits[0] if self.report.credits and self.namespace is None else None)

    def namespaces(self) -> tuple[str, ...]:
        """The polled namespaces (the user first, then the orgs), as `--namespace` chose them: not the account's
        others, and one the token cannot see among them."""
        return self.report.namespaces

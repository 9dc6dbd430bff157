"""What `hfmon once` asks of history (`history.Figures`): the Report's figures, without every row of the period."""

from __future__ import annotations

from datetime import datetime

from hfmon.costs.credits import FELL_LOOKBACK, RATE_WINDOW, SETTLE, namespace_credits_period
from hfmon.costs.observed import crosscheck_spans
from hfmon.costs.statement_lines import compute_lines
from hfmon.history import Figures
from hfmon.models import Snapshot

USAGE_BACK = max(RATE_WINDOW + 2 * SETTLE, FELL_LOOKBACK)
"""The usage points the credits read: the peak of the last FELL_LOOKBACK, and the rate's start, RATE_WINDOW before
its end, which is at most 2 x SETTLE ago (`credits.rate_window`)."""


def history_figures(snapshot: Snapshot, now: datetime) -> Figures:
    """The rows and sums `evaluate(snapshot, ..., now)` reads: the usage points of the last USAGE_BACK, each
    resource's latest change (how long it has been unchanged), the "minutes vs history" spans of every statement,
    and the credits' and spending limit's amounts already reached (when the credits were used up is the first
    point at or over). Windows, uptime and the hourly figures come from `History.window_times`."""
    spans = [span for ns in snapshot.namespaces for span in crosscheck_spans(compute_lines(ns) or [], now)]
    thresholds = []
    for ns in snapshot.namespaces:
        billing = ns.billing.value
        if billing is None:
            continue
        usage, start = billing.inference, namespace_credits_period(ns, now).start
        thresholds += [(ns.namespace, start, usage.used_usd, amount) for amount in (usage.included_usd, usage.limit_usd)
                       if amount and usage.used_usd >= amount]
    return Figures(now - USAGE_BACK, now, tuple(dict.fromkeys(spans)), tuple(thresholds))

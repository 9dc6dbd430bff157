"""What `hfmon once` asks of history (`history.Figures`): the Report's figures, without every row of the period."""

from __future__ import annotations

from datetime import datetime

from hfmon.costs.credits import namespace_period
from hfmon.costs.evaluate import HISTORY_BACK
from hfmon.costs.observed import crosscheck_spans
from hfmon.costs.resources import compute_lines
from hfmon.history import Figures
from hfmon.models import Snapshot


def history_figures(snapshot: Snapshot, now: datetime) -> Figures:
    """The rows and sums `evaluate(snapshot, ..., now)` reads: rows of the last HISTORY_BACK (the 24 h figures and
    the credits' rates and settlement), the "minutes vs history" spans of every statement, and the credits' and
    spending limit's amounts already reached (when the credits were used up is the first point at or over)."""
    spans = [span for ns in snapshot.namespaces for span in crosscheck_spans(compute_lines(ns) or [], now)]
    thresholds = []
    for ns in snapshot.namespaces:
        billing = ns.billing.value
        if billing is None:
            continue
        usage, start = billing.inference, namespace_period(ns, now).start
        thresholds += [(ns.namespace, start, amount) for amount in (usage.included_usd, usage.limit_usd)
                       if amount and usage.used_usd >= amount]
    return Figures(now - HISTORY_BACK, tuple(dict.fromkeys(spans)), tuple(thresholds))

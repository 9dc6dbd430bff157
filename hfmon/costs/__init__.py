"""Pure cost functions: billing rules, credits burn-down, per-resource costs, cross-check, flags, evaluate."""

from hfmon.costs.credits import namespace_period
from hfmon.costs.evaluate import evaluate, history_since

__all__ = ["evaluate", "history_since", "namespace_period"]

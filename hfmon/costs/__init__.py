"""Pure cost functions: billing rules, credits burn-down, per-resource costs, cross-check, flags, evaluate."""

from hfmon.costs.evaluate import evaluate, history_since, namespace_period

__all__ = ["evaluate", "history_since", "namespace_period"]

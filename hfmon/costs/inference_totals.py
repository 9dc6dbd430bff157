"""Inference Providers totals: usage-v2's spend and requests of one namespace or several, split by provider, with
the part no split covers (`not broken down`) so that the parts add up to the total. Pure.

A namespace whose usage-v2 was not read is a missing part of the total, never $0; a rest the split cannot tell (the
providers, read after the total, count more than it; a count HF did not give) is unknown, with why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from hfmon.format import money
from hfmon.models import NamespaceData
from hfmon.report import Inference, ProviderRow, Remainder, Total

NOT_BROKEN_DOWN = "not broken down"
REQUEST_COUNT = "request_count"
"""The kind of a requests total's missing part whose usage-v2 was read without `numRequests` (`request_count:ada`)."""


def inference_by_namespace(namespaces: Iterable[NamespaceData]) -> tuple[tuple[str, Inference], ...]:
    """Each namespace's Inference Providers spend, split by provider with its own rest (they add up to it)."""
    return tuple((ns.namespace, inference_of((ns,))) for ns in namespaces)


def inference_of(namespaces: Iterable[NamespaceData], unknown: Sequence[str] = ()) -> Inference:
    """The usage-v2 totals of these namespaces and of the `unknown` ones (missing), split by provider, and the rest:
    of several namespaces, the sum of each one's own rest (one whose providers run ahead of its total must not
    cancel part of another's)."""
    namespaces = tuple(namespaces)
    costs: list[tuple[str, Decimal | None]] = []
    counts: list[tuple[str, int | None]] = []
    for name in unknown:
        costs.append((name, None))
        counts.append((name, None))
    providers: dict[str, tuple[int | None, Decimal]] = {}
    for ns in namespaces:
        usage = ns.billing.value
        costs.append((ns.billing.name, None if usage is None else usage.inference.used_usd))
        counts.append((ns.billing.name, None) if usage is None else
                      (f"{REQUEST_COUNT}:{ns.namespace}", usage.inference.requests))
        for p in (usage.by_provider or ()) if usage is not None else ():  # None: its live stream was not read
            n, usd = providers.get(p.provider, (0, Decimal(0)))
            providers[p.provider] = (None if n is None or p.requests is None else n + p.requests, usd + p.cost_usd)
    rows = sorted((ProviderRow(name, n, usd) for name, (n, usd) in providers.items()),
                  key=lambda r: (-r.cost_usd, r.name))
    cost, requests = Total.of(costs, Decimal(0)), Total.of(counts, 0)
    rest = provider_remainder(cost, requests, rows) if len(namespaces) == 1 else summed_remainder(
        [(ns.namespace, inference_of((ns,)).not_broken_down) for ns in namespaces])
    return Inference(cost, requests, tuple(rows), not_broken_down=rest)


def summed_remainder(parts: Sequence[tuple[str, Remainder | None]]) -> Remainder | None:
    """The rest of several namespaces: each figure the sum of theirs, unknown when one of theirs is (with why)."""
    known = [(ns, r) for ns, r in parts if r is not None]  # None: that namespace's total is not known at all
    if not known:
        return None
    costs, counts = [r.cost_usd for _, r in known], [r.requests for _, r in known]
    usd = None if None in costs else sum((c for c in costs if c is not None), Decimal(0))
    n = None if None in counts else sum(c for c in counts if c is not None)
    why = "; ".join(f"{ns}: {r.why}" for ns, r in known if r.why)
    return Remainder(NOT_BROKEN_DOWN, n, usd, why or None)


def provider_remainder(cost: Total[Decimal], requests: Total[int], rows: Sequence[ProviderRow]) -> Remainder | None:
    """What the providers leave of the known total (None when no part of it is known). Never below zero: the live
    split is read after usage-v2, and providers that count more than the total make the rest unknown, with why;
    so does a request count HF did not give."""
    if cost.known is None:
        return None
    whys: list[str] = []
    usd = cost.known - sum((r.cost_usd for r in rows), Decimal(0))
    if usd < 0:
        whys.append(f"cost unknown, as the providers count {money(-usd)} more than the total (read after it)")
    counts = [r.requests for r in rows]
    untold = (requests.known is None or None in counts
              or any(m.startswith(f"{REQUEST_COUNT}:") for m in requests.missing))
    n = None if untold else (requests.known or 0) - sum(c or 0 for c in counts)
    if untold:
        whys.append("request count unknown, as HF did not give every count")
    elif n is not None and n < 0:
        whys.append(f"request count unknown, as the providers count {-n:,} more than the total (read after it)")
    return Remainder(NOT_BROKEN_DOWN, None if n is None or n < 0 else n, None if usd < 0 else usd,
                     "; ".join(whys) or None)

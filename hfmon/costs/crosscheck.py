"""The cross-check: billed figures against their local recomputation. Pure.

Rows: one per resource and billing product (its statement lines summed: billed total vs quantity x catalog
price; a resource that slept and woke has one line per run, so a row per line would bury the screen; the
row is still `drift` when any single line drifts), one total per namespace and product family (spaces,
jobs, endpoints), and for Inference Providers the `usage-v2` total against the
sum of per-provider details and against the sum of settled session costs of the period.

Status: `unpriced` when there is nothing to recompute with; `ok` when |billed - recomputed| is within the
tolerance (max(pct% of billed, usd)); `pending` when the gap is no larger than the spend that is still
settling (Inference Providers, last ~30 min); else `drift`.

Private storage lines (`hf/repository-storage`, quantity in whole TB above the plan allowance) are checked
against the bundled $/TB/month below the first volume tier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache

from hfmon.config import Tolerance
from hfmon.costs.billing_rules import micro
from hfmon.costs.credits import Period
from hfmon.costs.statement_lines import FAMILY_KIND, PricedLine, by_product, line_granted
from hfmon.figures import Behind
from hfmon.format import money
from hfmon.models import BillingUsage, SessionCost, UsageLine
from hfmon.pricing.catalog import StorageTier
from hfmon.report import CheckStatus, CrossCheck, Price, product_total_item


def compare(item: str, billed: Decimal, recomputed: Decimal | None, tolerance: Tolerance, *,
            pending_usd: Decimal = Decimal(0), note: str = "") -> CrossCheck:
    """One cross-check row."""
    if recomputed is None:
        return CrossCheck(item, billed, None, None, CheckStatus.UNPRICED, note or "no price in any catalog layer")
    recomputed = micro(recomputed)
    delta = billed - recomputed
    if tolerance.allows(billed, delta):
        status = CheckStatus.OK
    elif pending_usd > 0 and abs(delta) <= pending_usd + tolerance.usd:
        status = CheckStatus.PENDING
    else:
        status = CheckStatus.DRIFT
    return CrossCheck(item, billed, recomputed, delta, status, note)


@lru_cache(maxsize=256)
def _unit_note(unit_cost_usd: Decimal, price: Price | None) -> str:
    if price is None or unit_cost_usd <= 0:
        return ""
    billed_hourly = unit_cost_usd * 60
    if micro(billed_hourly) == micro(price.usd_per_hour):
        return ""
    return (f"billed at ${billed_hourly.normalize():f}/h, {price.source.value} price "
            f"${price.usd_per_hour.normalize():f}/h")


OVERAGE_NOTE = "ZeroGPU GPU-minutes over the daily quota, not hosting time"
CONTRADICTED_NOTE = "HF bills a price hfmon has as $0/h: what it should cost is unknown"
PORTS_BILLED_NOTE = "with exposed ports' $0.01/h, as HF's unit price shows (not in the Jobs listing hfmon read)"
PORTS_UNKNOWN_NOTE = ("not in the Jobs listing hfmon read, and HF's unit price is neither its flavor's nor that with "
                      "exposed ports' $0.01/h: what it should cost is unknown")


def line_rows(lines: Sequence[PricedLine], tolerance: Tolerance) -> list[CrossCheck]:
    """One row per resource and billing product: its lines summed, and drift if any single line drifts."""
    rows = []
    for (family, key, hardware), mine in by_product(lines).items():
        billed = sum((p.line.total_usd for p in mine), Decimal(0))
        unpriced = any(p.recomputed_usd is None for p in mine)
        recomputed = None if unpriced else sum((p.recomputed_usd or Decimal(0) for p in mine), Decimal(0))
        drifting = [p for p in mine if p.recomputed_usd is not None
                    and not tolerance.allows(p.line.total_usd, p.line.total_usd - micro(p.recomputed_usd))]
        notes = [f"{len(mine)} line{'s' if len(mine) > 1 else ''}"]
        if drifting:
            notes.append(f"{len(drifting)} drifting")
        granted = [p for p in mine if line_granted(p.line)]
        if len(granted) == len(mine):
            notes.append("granted: not paid by the account")
        else:
            if granted:  # a grant that ended (or began) in the period: the rest is paid
                notes.append(f"{len(granted)} of {len(mine)} lines granted: not paid by the account")
            notes += sorted({n for n in {_unit_note(p.line.unit_cost_usd, p.price) for p in mine
                                         if not line_granted(p.line)} if n})
        if any(p.overage for p in mine):
            notes.append(OVERAGE_NOTE)
        if any(p.contradicted for p in mine):
            notes.append(CONTRADICTED_NOTE)
        if any(not p.ports_read and p.price is not None and p.exposed is None for p in mine):
            notes.append(PORTS_UNKNOWN_NOTE)
        elif any(not p.ports_read and p.exposed for p in mine):
            notes.append(PORTS_BILLED_NOTE)
        if any(p.line.active for p in mine):
            notes.append("still accruing")
        row = compare(f"{FAMILY_KIND[family]} {key} {hardware}", billed, recomputed, tolerance,
                      note="; ".join(notes))
        if drifting and row.status is CheckStatus.OK:
            row = replace(row, status=CheckStatus.DRIFT)
        rows.append(row)
    return rows


def total_rows(namespace: str, lines: Sequence[PricedLine], tolerance: Tolerance) -> list[CrossCheck]:
    """One row per product family with lines in this namespace's statement."""
    rows = []
    for family in ("endpoints", "spaces", "jobs"):
        mine = [p for p in lines if p.family == family]
        if not mine:
            continue
        billed = sum((p.line.total_usd for p in mine), Decimal(0))
        unpriced = [p for p in mine if p.recomputed_usd is None]
        recomputed = None if unpriced else sum((p.recomputed_usd or Decimal(0) for p in mine), Decimal(0))
        note = _not_recomputed(unpriced, len(mine)) if unpriced else f"{len(mine)} lines"
        rows.append(compare(product_total_item(family, namespace), billed, recomputed, tolerance, note=note))
    return rows


UNPRICED_LINES = "unpriced"
PORTS_UNKNOWN_LINES = "with a Job's exposed ports unknown"
CONTRADICTED_LINES = "billed where hfmon's price is $0/h"


def _not_recomputed(lines: Sequence[PricedLine], of: int) -> str:
    """A total row's note on the `lines` (of `of`) it could not recompute, by what each lacks: a price, a Job's
    exposed ports (`PORTS_UNKNOWN_LINES`), or a price other than the $0/h HF contradicts (`CONTRADICTED_LINES`)."""
    lacking = Counter(UNPRICED_LINES if p.price is None else CONTRADICTED_LINES if p.contradicted
                      else PORTS_UNKNOWN_LINES if p.exposed is None else UNPRICED_LINES for p in lines)
    if set(lacking) == {UNPRICED_LINES}:
        return f"{len(lines)} of {of} lines {UNPRICED_LINES}"
    return f"{len(lines)} of {of} lines not recomputed: " + ", ".join(f"{n} {why}" for why, n in lacking.items())


def inference_rows(usage: BillingUsage, sessions: Sequence[SessionCost] | None, period: Period,
                   provisional_usd: Decimal, tolerance: Tolerance) -> list[CrossCheck]:
    """usage-v2 total vs providerDetails and vs settled session costs of the period."""
    ns, billed = usage.namespace, usage.inference.used_usd
    rows = []
    if usage.by_provider:
        by_provider = sum((p.cost_usd for p in usage.by_provider), Decimal(0))
        rows.append(compare(f"inference {ns} by provider", billed, by_provider, tolerance,
                            pending_usd=provisional_usd, note=f"{len(usage.by_provider)} providers"))
    if sessions and not _whole_months(period):
        # HF groups sessions by calendar month: a period from the 15th holds part of two groups, neither whole
        rows.append(compare(f"inference {ns} by session", billed, None, tolerance,
                            note=f"not compared: HF groups sessions by calendar month, and this period runs "
                                 f"{period.start:%b %d} to {period.end:%b %d}"))
        return rows
    mine = [s for s in sessions or () if period.start <= s.period < period.end]
    if mine:  # no session this period: nothing tagged to compare with
        settled = sum((s.cost_usd for s in mine), Decimal(0))
        note = f"{len(mine)} sessions; only requests sent with X-HF-Session-id have one"
        row = compare(f"inference {ns} by session", billed, settled, tolerance, pending_usd=provisional_usd,
                      note=note)
        if row.status is CheckStatus.DRIFT and settled <= billed:
            # Sessions are a subset of the spend (untagged requests have none): less is expected, more is not.
            share = f"{settled / billed:.0%}" if billed else "all"
            row = replace(row, status=CheckStatus.OK, note=f"{note}; tagged sessions cover {share} of the spend")
        rows.append(row)
    return rows


def _whole_months(period: Period) -> bool:
    """Whether a period starts and ends at midnight on the 1st (UTC), as the monthly groups of sessions do."""
    return all(t.day == 1 and (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0)
               for t in (period.start, period.end))


def behind_rows(namespace: str, behind: Sequence[Behind], tolerance: Tolerance) -> list[CrossCheck]:
    """One row per product the statement is behind another HF figure of the same period on (`totals.statement_behind`):
    the statement's sum against that figure, pending (a line not there yet) unless within the tolerance."""
    return [compare(f"{b.product} {namespace}: statement vs {b.source}", b.statement_usd, b.usd, tolerance,
                    pending_usd=b.usd - b.statement_usd,
                    note=f"the statement is {money(b.usd - b.statement_usd)} behind {b.source} (a line not there "
                         f"yet): the part is at least {money(b.usd)}") for b in behind]


STORAGE_PRODUCT = "hf/repository-storage"
def storage_rows(namespace: str, lines: Sequence[UsageLine], base: StorageTier,
                 tolerance: Tolerance) -> list[CrossCheck]:
    """Private storage lines (quantity: whole TB above the plan allowance) against the bundled $/TB/month of the
    `base` tier (the storage table's first: larger volumes are tiered)."""
    rows, usd_per_tb_month = [], base.usd_per_tb_month
    for line in lines:
        if line.product != STORAGE_PRODUCT:
            continue
        if base.to_tb is not None and line.quantity >= base.to_tb:
            rows.append(compare(f"storage {namespace}", line.total_usd, None, tolerance,
                                note=f"{line.quantity.normalize():f} TB is priced in tiers hfmon does not model"))
            continue
        rows.append(compare(f"storage {namespace}", line.total_usd, line.quantity * usd_per_tb_month, tolerance,
                            note=f"{line.quantity.normalize():f} TB above the plan's private storage at "
                                 f"${usd_per_tb_month.normalize():f}/TB/month (bundled price)"))
    return rows

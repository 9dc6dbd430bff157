"""A period's spend split into what accrues as it is used and what is charged for the month, and the pace of each.
Pure.

HF bills private storage above the plan "$18/TB/month ... in 1 TB increments with the subscription renewal"
(hf-api.md 8.3): the statement's `hf/repository-storage` lines (`Spend.storage_usd`) are the month's charge, the
same at any instant of the period. Everything else (Inference Providers by the request, Endpoints, Spaces and Jobs
by the minute) accrues as it is used. A pace of the period's spend scales only the part that accrues and counts
the month's charge once, whole: $36 of storage at noon on the 1st is no $2,190 month, nor $36 twelve hours into a
budget that allows $16.67 by then.

It is the only such charge a statement holds: the spec's `product` enum has `hf/repository-storage` and products billed
by the minute (`spaces/<flavor>/minutes`, `jobs/<flavor>/minutes`, the legacy `spaces/storage-*/minutes` included,
and `endpoints/...`). Subscriptions (PRO, seats) are no statement line, so no part of the spend hfmon reads.

A namespace above its plan whose statement has no storage charge (no line, or $0) has been charged none of it so far
this period: HF bills it "with the subscription renewal" (hf-api.md 8.3), so the month's charge is still to come
(`not_charged_yet`). A month at pace then counts it whole, at the price the storage finding has for it (unknown when
that price is), and applying the finding saves none of it so far and all of it a month.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from hfmon.figures import Spend


def charged_for_month(spend: Spend, failed: Collection[str] = ()) -> Decimal | None:
    """What the period's statement charges for the month as a whole (private storage above the plan); None: the
    statement was not read, or failed this poll (a source in `failed`: its figures are a last good value)."""
    return None if f"statement:{spend.namespace}" in failed else spend.storage_usd


def not_charged_yet(for_month: Decimal | None) -> bool:
    """The statement was read and charges nothing for the month (`charged_for_month` is $0): a charge above the
    plan is still to come with the renewal."""
    return for_month == 0


def month_at_pace(so_far: Decimal, for_month: Decimal, elapsed: Decimal, month: Decimal) -> Decimal:
    """A month's spend at the pace so far: the part of `so_far` that accrues scaled from `elapsed` to `month` (in
    one unit), plus the month's charges (`for_month`, part of `so_far`) once."""
    return (so_far - for_month) * month / elapsed + for_month


def allowed_by_now(budget: Decimal, for_month: Decimal, share: Decimal) -> Decimal:
    """What a monthly budget allows spent when `share` (0 to 1) of its period is over: the month's charges whole
    and the rest of the budget spread evenly over the period; the whole budget once the charges alone reach it."""
    return min(budget, for_month + (budget - for_month) * share)

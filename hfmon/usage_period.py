"""From when hfmon asks usage-v2: the start of the period HF names for it, which may not be the calendar month's.

usage-v2 counts over the window it is asked for (`startDate` to `endDate`) and names the period its credits run over
(`periodStart`/`periodEnd`, optional). A period anchored on another day than the 1st asked from the 1st gives a
figure of neither: the period's used credits are the spend since the period's start. hfmon asks from the period the
previous poll's answer named while it holds `now`, else from the calendar month's start (`usage_window`: when
included credits reset, and what HF's own clients ask); an answer naming a period that began at another moment is
asked again, in the same poll, from that period's start."""

from __future__ import annotations

from datetime import datetime

from hfmon.api.hub import HubClient
from hfmon.costs.credits import usage_window
from hfmon.models import BillingUsage, SourceResult


def usage_from(previous: SourceResult[BillingUsage] | None, now: datetime) -> datetime:
    """Where usage-v2's window starts at `now`: the period the last answer named while it holds `now`, else the
    calendar month's start."""
    found = previous.value if previous is not None else None
    if found is not None:
        start, end = found.inference.period_start, found.inference.period_end
        if start is not None and end is not None and start <= now < end:
            return start
    return usage_window(now).start


async def usage_over_its_period(client: HubClient, namespace: str, *, user: bool, start: datetime,
                                now: datetime) -> BillingUsage:
    """usage-v2 from `start` to `now`, asked again from the start of the period it names when that period holds
    `now` and began at another moment (the second answer is kept whatever it names: `usage_of_this_period` judges
    it)."""
    found = await client.usage_v2(namespace, user=user, start=start, end=now)
    begun, end = found.inference.period_start, found.inference.period_end
    if begun is None or end is None or not begun <= now < end or found.counted_from == begun.replace(microsecond=0):
        return found
    return await client.usage_v2(namespace, user=user, start=begun, end=now)

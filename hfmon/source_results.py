"""What a poll knows of a source beyond this poll's answer: the previous poll's results, and the result a failure
gives (no access, stale with the last good value, or an error)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from hfmon.api.parse_billing import with_live
from hfmon.api.server_clock import hf_time
from hfmon.costs.credits import Period, calendar_month, said_period, usage_window
from hfmon.errors import ApiError, BadResponseError, HfmonError, NoAccessError
from hfmon.format import duration
from hfmon.models import (
    BillingUsage,
    LiveUsage,
    NamespaceData,
    PeriodStatement,
    ResourceGroupUsage,
    Snapshot,
    SourceResult,
    SourceStatus,
)
from hfmon.usage_period import with_named_period

T = TypeVar("T")


def failed_result(name: str, exc: HfmonError, previous: SourceResult[T] | None) -> SourceResult[T]:
    """The SourceResult for a failure: no_access for 403s, else stale with the previous value or error."""
    status = exc.status if isinstance(exc, ApiError) else None
    if isinstance(exc, NoAccessError):
        return SourceResult(name, SourceStatus.NO_ACCESS, None, None, exc.message, exc.hint, status, exc.failure)
    if previous is not None and previous.value is not None:
        return SourceResult(name, SourceStatus.STALE, previous.value, previous.fetched_at, exc.message, exc.hint,
                            status, exc.failure)
    return SourceResult(name, SourceStatus.ERROR, None, None, exc.message, exc.hint, status, exc.failure)


def of_this_period(result: SourceResult[PeriodStatement], now: datetime) -> SourceResult[PeriodStatement]:
    """The statement result, or an error when its statement is not for the billing period running at `now`.

    Just after a rollover HF can still serve the period that has ended, and a dashboard keeps the last good statement
    when a poll fails: either way last month's lines would be read as this month's bill and move the credits' period.
    """
    found = result.value
    if found is None:
        return result
    return _in_period(result, f"the billing statement of {found.namespace}", found.period_start, found.period_end,
                      now, "this period's is unknown")


def judged_at(found: NamespaceData, at: datetime, hf_ahead_s: float | None = None) -> NamespaceData:
    """A namespace's sources of a billing period judged at the poll's one moment `at` (`Snapshot.taken_at`, the
    Report's now): the statement, usage-v2 (then the live stream folded in) and the group usage of another period
    are errors. Judged at the poll's start instead, a poll straddling midnight on the 1st showed November's figures
    labelled December (its Report is dated after midnight).

    HF's clock `hf_ahead_s` from this machine's (`Snapshot.hf_clock_ahead_s`), when they are `skewed`: usage-v2 and
    the period a live event names are HF's at its time, so the period named is taken when it holds at HF's time, and
    the figure is this period's only when its period holds at both times (`by_hf_clock`): this machine a day ahead
    on Dec 1 12:00 read HF's $0 of a December it has not begun as '$0.00 of $10.00 used' (audit 9 F1)."""
    hf_at = hf_time(at, hf_ahead_s)
    usage_group = found.resource_group_usage
    live = found.live
    billing = found.billing
    if billing.value is not None:  # naming no period, it counts over the one its live event names (if any)
        billing = replace(billing, value=with_named_period(billing.value, live, hf_at or at))
    usage = usage_of_this_period(billing, at)
    if hf_at is not None and billing.value is not None:
        usage = by_hf_clock(billing, usage, hf_at, at)
    return replace(found, billing=usage if live is None else billing_with_live(usage, live),
                   statement=of_this_period(found.statement, at),
                   resource_group_usage=None if usage_group is None else group_usage_of_this_month(usage_group, at))


def by_hf_clock(billing: SourceResult[BillingUsage], judged: SourceResult[BillingUsage], hf_at: datetime,
                at: datetime) -> SourceResult[BillingUsage]:
    """usage-v2's result `billing`, `judged` at this machine's time `at`, judged at HF's time `hf_at` too
    (`usage_of_this_period`) when the two clocks are apart: an error, saying so, when its period does not hold at
    both (a window HF has not reached is no $0 of spend, nor is a period HF has not ended by this clock this one's)."""
    if judged.value is not None:
        judged = usage_of_this_period(billing, hf_at)
        if judged.value is not None:
            return judged
    side = "ahead of" if hf_at < at else "behind"
    return replace(judged, error=f"{judged.error} (by Hugging Face's clock it is {hf_at:%b %d %H:%M} UTC: this "
                                 f"machine's is {duration(abs((hf_at - at).total_seconds()))} {side} it)",
                   hint="set this machine's clock right (NTP); until then this period's credits are unknown")


def usage_of_this_period(result: SourceResult[BillingUsage], now: datetime) -> SourceResult[BillingUsage]:
    """usage-v2's result, or an error when the period it says it counts over is not the one running at `now` (the
    statement's rule, `of_this_period`): HF lagging its rollover, or hfmon's clock ahead of HF's, answers with the
    period that has ended, whose `used` is neither that period's whole (hfmon asked from this period's start) nor
    this one's. Without a period said, usage-v2 counted over the window hfmon asked for: the calendar month
    (`usage_window`) of that window's start (`counted_from`), which for a last good answer kept after midnight on the
    1st is last month's. A figure counted from another moment than the start of the period it names is not that
    period's either (`_not_over_its_period`)."""
    found = result.value
    if found is None:
        return result
    start, end = found.inference.period_start, found.inference.period_end
    if start is None or end is None:
        asked_at = found.counted_from  # the start of the window asked: its calendar month
        if asked_at is None:
            asked_at = now if result.status is SourceStatus.OK and not result.from_cache else result.fetched_at
        if asked_at is None:  # a kept answer of no known poll: its window is unknown, so is its period
            return SourceResult(result.name, SourceStatus.ERROR, None, None, f"{result.error or 'no answer'}; the "
                                f"usage (usage-v2) of {found.namespace} kept from an earlier poll says no period: "
                                "this period's credits are unknown", result.hint, result.http_status, result.failure)
        asked = usage_window(asked_at)
        start, end = asked.start, asked.end
    judged = _in_period(result, f"the usage (usage-v2) of {found.namespace}", start, end, now,
                        "this period's credits are unknown")
    counted_from = found.counted_from
    if judged is result and counted_from is not None and counted_from != start.replace(microsecond=0):
        return _not_over_its_period(result, found.namespace, counted_from, start)
    return judged


def _not_over_its_period(result: SourceResult[BillingUsage], namespace: str, counted_from: datetime,
                         start: datetime) -> SourceResult[BillingUsage]:
    """The error for a usage-v2 figure counted from another moment than the start of the period it names: usage-v2
    counts over the window asked, so it is not that period's figure (a period anchored on the 15th asked from the
    1st; the Collector asks again from the period's start, so this is what a failed second ask leaves)."""
    exc = BadResponseError(f"the usage (usage-v2) of {namespace} was counted from "
                           f"{counted_from:%b %d %H:%M} UTC, but its period began {start:%b %d %H:%M} UTC: "
                           "this period's credits are unknown", "the next poll asks from the period's start")
    return SourceResult(result.name, SourceStatus.ERROR, None, None, exc.message, exc.hint, None, exc.failure)


def group_usage_of_this_month(result: SourceResult[tuple[ResourceGroupUsage, ...]],
                              now: datetime) -> SourceResult[tuple[ResourceGroupUsage, ...]]:
    """usage-by-resource-group's rows of the month holding `now` (group spend limits are monthly), or an error when
    it holds rows of other months only (the statement's rule, `of_this_period`): after midnight on the 1st, a
    dashboard's last good answer (or HF lagging its rollover) is last month's spend, not this month's."""
    rows = result.value
    if not rows:
        return result
    month = calendar_month(now)
    mine = tuple(r for r in rows if month.start <= r.period < month.end)
    if mine:
        return result if len(mine) == len(rows) else replace(result, value=mine)
    last = calendar_month(max(r.period for r in rows))
    return _in_period(result, f"the usage by resource group of {rows[0].namespace}", last.start, last.end, now,
                      "this month's group spend is unknown")


def _in_period(result: SourceResult[T], what: str, start: datetime, end: datetime, now: datetime,
               unknown: str) -> SourceResult[T]:
    """`result` when [start, end) holds `now`, else an error saying the period has ended or not started (a last good
    value kept after a failure keeps that failure's words, status and hint: the period is why it is not shown)."""
    if start <= now < end:
        return result
    span = f"{start:%b %d %H:%M} to {end:%b %d %H:%M} UTC"
    when = "has ended" if now >= end else "has not started"
    if result.status is SourceStatus.STALE:
        return SourceResult(result.name, SourceStatus.ERROR, None, None,
                            f"{result.error}; the last answer hfmon has, {what}, is for {span}, a period that {when}: "
                            f"{unknown}", result.hint, result.http_status, result.failure)
    exc = BadResponseError(f"{what} is for {span}, a period that {when}; {unknown} until Hugging Face serves it",
                           "usual for a few minutes after a billing period ends; the next poll reads it again")
    return SourceResult(result.name, SourceStatus.ERROR, None, None, exc.message, exc.hint, None, exc.failure)


class PreviousSources:
    """The previous snapshot's sources by name."""

    def __init__(self, previous: Snapshot | None) -> None:
        self.by_name: dict[str, SourceResult[Any]] = {}
        if previous is not None:
            self.by_name = {s.name: s for s in previous.sources()}

    def get(self, name: str) -> SourceResult[Any] | None:
        """The previous result of a source, if any."""
        return self.by_name.get(name)

    def fresh(self, name: str) -> SourceResult[Any] | None:
        """The previous result when it was an OK fetch (a cache seed)."""
        found = self.by_name.get(name)
        return found if found is not None and found.status is SourceStatus.OK else None


def billing_with_live(billing: SourceResult[BillingUsage], live: SourceResult[LiveUsage]) -> SourceResult[BillingUsage]:
    """usage-v2's result with the live stream's split and storage folded in (its last good value when stale), and
    its Inference Providers figure when it is the later one (`live_is_later`). A split of another period than the one
    usage-v2 counts (a last good event kept from November beside December's usage-v2) is no split of it: unknown."""
    if billing.value is None or live.value is None:
        return billing
    folded = with_live(billing.value, live.value, live_is_later(billing, live))
    usage_period = _usage_period(billing)
    if _live_period(live, usage_period) != usage_period:
        folded = replace(folded, by_provider=None)
    return replace(billing, value=folded)


def _usage_period(billing: SourceResult[BillingUsage]) -> Period | None:
    """The period usage-v2's figure counts over: its own, else the calendar window it was asked for."""
    found = billing.value
    if found is None:
        return None
    asked = found.counted_from or billing.fetched_at
    return said_period(found.inference) or (usage_window(asked) if asked is not None else None)


def _live_period(live: SourceResult[LiveUsage], current: Period | None) -> Period | None:
    """The period the live event's split covers: its own; else, read this poll, the stream's current one (`current`,
    usage-v2's); else the calendar month it was read in (None: unknown)."""
    said = said_period(live.value.inference if live.value is not None else None)
    if said is not None:
        return said
    if live.status is SourceStatus.OK and not live.from_cache:
        return current
    return usage_window(live.fetched_at) if live.fetched_at is not None else None


def live_is_later(billing: SourceResult[BillingUsage], live: SourceResult[LiveUsage]) -> bool:
    """Whether the live event's Inference Providers figure is HF's later word on usage-v2's: answered no earlier
    (a stale stream's last good value is older) and of the same period (live's own, else the window usage-v2 was
    asked for, `usage_window`, when it says none). Both count unsettled placeholders, which settle lower: the later
    figure is taken whether it is larger or smaller, never the larger for being larger. Only beside a usage-v2 read
    this poll: a failed one's credits stay its last good reading, measured (and shown stale) as of when it was read."""
    said = live.value.inference if live.value is not None else None
    if (said is None or billing.value is None or billing.status is not SourceStatus.OK or live.fetched_at is None
            or billing.fetched_at is None or live.fetched_at < billing.fetched_at):
        return False
    if said.period_start is None or said.period_end is None:  # the stream's current period; usage-v2's is checked
        return True
    base = billing.value.inference
    if base.period_start is not None and base.period_end is not None:
        return (base.period_start, base.period_end) == (said.period_start, said.period_end)
    return usage_window(billing.fetched_at) == Period(said.period_start, said.period_end)  # the window it was asked

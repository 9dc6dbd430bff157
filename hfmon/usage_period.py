"""From when hfmon asks usage-v2: the start of the period HF names for it, which may not be the calendar month's.

usage-v2 counts over the window it is asked for (`startDate` to `endDate`) and names the period its credits run over
(`periodStart`/`periodEnd`, optional). A period anchored on another day than the 1st asked from the 1st gives a
figure of neither: the period's used credits are the spend since the period's start. hfmon asks from the period the
previous poll's answer named while it holds `now`, else from the calendar month's start (`usage_window`: when
included credits reset, and what HF's own clients ask); an answer naming a period that began at another moment is
asked again, in the same poll, from that period's start. An answer naming no period (real payloads may omit it) is
over the period the same namespace's `usage/live` event names, when it names one (`named_period`); with that event
unread (the stream failed, no earlier one in memory: a cron run), over the period history's last usage point of the
namespace names while it holds, or the one after it that does (`period_from_history`: a stream failing on every poll
since, e.g. behind a proxy that buffers it, no longer makes the credits unknown from the next period on), else of no
known period: an error, never the calendar month's guess (periods anchored on the 15th read $0.94 of Dec 1's where
$6.84 was used since Nov 15). No other source names it: the statement's period (the compute bill's), usage/jobs' (the
"subscription period", HF's spec) and whoami's `periodEnd` (of what, no schema says) may be anchored elsewhere
(hf-api.md 3.5: a live event's jobs period from the 15th beside its inference period from the 1st), and the ZeroGPU
quota's `resetsAt` ends its daily window.

HF counts up to its own time. When its clock is ahead of hfmon's by more than `server_clock.SKEW_S` (a clock set
back, a VM resumed), the window is asked as of HF's time, as the last poll's answers dated it (`usage_asked_at`), so a
figure is never HF's of an hour ago; never before the previous poll's moment either (a clock stepped back since).

Each spend window of fixed length (the last hour, 24 h, 7 d, 30 d) and the one before it is asked of usage-v2 itself
(`usage_in_windows`), up to the same moment: a window's Inference Providers spend is HF's own figure for it, its older
part settled. The rise of the period's total since a poll at the window's start is not: that poll's total counted the
requests of the ~30 min before it at the $0.01 placeholder they later settled from (hf-api.md 3.6)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hfmon.api.hub import HubClient
from hfmon.api.priority import SPARE
from hfmon.api.server_clock import hf_time
from hfmon.costs.credits import Period, said_period, usage_window
from hfmon.errors import ApiError, BadResponseError, HfmonError
from hfmon.models import BillingUsage, LiveUsage, SourceResult, SourceStatus, UsageIn, UsageWindows

WINDOWS: tuple[tuple[str, timedelta | None], ...] = (
    ("1h", timedelta(hours=1)), ("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)), ("period", None),
)
"""Spend window names (as JSON and the dashboard show them) and lengths (None: the billing period so far)."""


def named_period(live: SourceResult[LiveUsage] | None, now: datetime) -> Period | None:
    """The period a `usage/live` event names for Inference Providers, when it holds `now` (None: it names none, or
    one that has ended or not begun: a last good event kept from another period)."""
    said = said_period(live.value.inference if live is not None and live.value is not None else None)
    return said if said is not None and said.start <= now < said.end else None


def with_named_period(usage: BillingUsage, live: SourceResult[LiveUsage] | None, now: datetime) -> BillingUsage:
    """usage-v2's answer over the period it names, else the one its namespace's live event names (`named_period`):
    the credits' period, whose start the figure must be counted from (`source_results.usage_of_this_period`)."""
    return _labelled(usage, named_period(live, now))


def month_from(start: datetime) -> Period:
    """The monthly billing period beginning at `start`: to the same day and time of the next month (the month's last
    day when it has no such day)."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    day = start.day
    while True:  # every month has a 28th
        try:
            return Period(start, start.replace(year=year, month=month, day=day))
        except ValueError:  # Jan 31 -> Feb 28 (or 29)
            day -= 1


ROLLED_PERIODS = 12
"""History's period is followed at most this many months on (`period_from_history`)."""


def period_from_history(period_start: datetime | None, now: datetime) -> Period | None:
    """The credits' period history's last usage point of a namespace names (its `period_start`, a month long), or
    the monthly period after it that holds `now`: periods follow each other, the next beginning where one ends, on
    the same day of the month (None: no point, its period not begun, ROLLED_PERIODS months past, or past an anchor
    after the 28th, whose next start in a shorter month HF does not say)."""
    if period_start is None or now < period_start:
        return None
    found = month_from(period_start)
    for _ in range(ROLLED_PERIODS):
        if now < found.end:
            return found
        if period_start.day > 28:
            return None
        found = month_from(found.end)
    return None


def _labelled(usage: BillingUsage, period: Period | None) -> BillingUsage:
    """usage-v2's answer labelled with the period something else read names, unless it names its own (or there is
    none)."""
    if period is None or said_period(usage.inference) is not None:
        return usage
    return replace(usage, inference=replace(usage.inference, period_start=period.start, period_end=period.end))


def usage_from(previous: SourceResult[BillingUsage] | None, now: datetime,
               previous_live: SourceResult[LiveUsage] | None = None) -> datetime:
    """Where usage-v2's window starts at `now`: the period the last answer named (or, naming none, the one the last
    live event named) while it holds `now`, else the calendar month's start."""
    found = previous.value if previous is not None else None
    if found is not None:
        found = with_named_period(found, previous_live, now)
        start, end = found.inference.period_start, found.inference.period_end
        if start is not None and end is not None and start <= now < end:
            return start
    return usage_window(now).start


def usage_asked_at(now: datetime, hf_ahead_s: float | None, previous_poll: datetime | None) -> datetime:
    """The moment usage-v2, the sessions and the group usage are asked up to: the later of hfmon's `now` and HF's
    (`now` + `hf_ahead_s`, when they are `skewed`), and of the previous poll's moment (a clock stepped back since it:
    no figure is asked older than one already read)."""
    asked = hf_time(now, hf_ahead_s) or now
    return max(now, asked, previous_poll or now)


async def usage_over_its_period(client: HubClient, namespace: str, *, user: bool, start: datetime, now: datetime,
                                live: Callable[[], Awaitable[SourceResult[LiveUsage]]] | None = None,
                                in_history: Callable[[], Awaitable[datetime | None]] | None = None) -> BillingUsage:
    """usage-v2 from `start` to `now`, asked again from the start of the period it names (naming none: the period
    this poll's live event names, awaited from `live`; that event unread, the one history's last usage point names,
    awaited from `in_history`, and the answer is labelled with it) when that period holds `now` and began at another
    moment (the second answer is kept whatever it names: `usage_of_this_period` judges it). Naming none, with the
    live event unread and history naming no period that holds `now`: an error (the figure is of no known period)."""
    found = await client.usage_v2(namespace, user=user, start=start, end=now)
    begun, end = found.inference.period_start, found.inference.period_end
    guessed: Period | None = None  # the period history names, for an answer that names none
    if (begun is None or end is None) and live is not None:
        event = await live()
        said = named_period(event, now)
        if event.value is None:  # unread: which period the figure counts over is not said by anything read
            guessed = said = period_from_history(await in_history() if in_history else None, now)
            if said is None:
                raise _no_period(namespace, event)
        begun, end = (said.start, said.end) if said is not None else (None, None)
    if begun is None or end is None or not begun <= now < end or found.counted_from == begun.replace(microsecond=0):
        return _labelled(found, guessed)
    again = await client.usage_v2(namespace, user=user, start=begun, end=now)
    return _labelled(again, guessed)


def _no_period(namespace: str, live: SourceResult[LiveUsage]) -> BadResponseError:
    """The error for usage-v2's answer naming no period while nothing else read names one."""
    why = f" ({live.error})" if live.error else ""
    return BadResponseError(f"the usage (usage-v2) of {namespace} names no billing period, and its live usage stream "
                            f"was not read{why} nor does history name one: which period its figure is of is "
                            "unknown, so are this period's credits",
                            "the next poll reads the period from the live stream when it answers")


def window_asks(asked: datetime) -> tuple[tuple[datetime, datetime], ...]:
    """Each fixed-length spend window ending at `asked` and the one before it, to the second (as usage-v2 takes
    them): [asked - L, asked) and [asked - 2L, asked - L)."""
    end = asked.replace(microsecond=0)
    return tuple(w for _, length in WINDOWS if length is not None
                 for w in ((end - length, end), (end - 2 * length, end - length)))


WindowFetch = Callable[[], Coroutine[Any, Any, BillingUsage]]


def window_calls(client: HubClient, namespace: str, *, user: bool,
                 asked: datetime) -> tuple[tuple[datetime, datetime, WindowFetch], ...]:
    """usage-v2's fetch for each window of `window_asks(asked)`, with the window: optional requests (skipped when the
    rate limit runs low) taking only the slots no other request waits for (`priority.SPARE`: nothing waits on them)."""
    return tuple((start, end, functools.partial(client.usage_v2, namespace, user=user, start=start, end=end,
                                                optional=True, priority=SPARE))
                 for start, end in window_asks(asked))


async def usage_in_windows(client: HubClient, namespace: str, *, user: bool, asked: datetime) -> UsageWindows:
    """usage-v2 asked for every window of `window_asks(asked)` at once (`window_calls`): HF's own Inference Providers
    spend in each, each window's figure HF's or unknown on its own (`UsageIn.failed`). Raises the first failure (a
    refusal last) when no window has a figure: then it is the source's failure, not a window's."""
    async def one(start: datetime, end: datetime, fetch: WindowFetch) -> UsageIn:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        try:
            return UsageIn(start, end, (await fetch()).inference.used_usd)
        except HfmonError as exc:
            return UsageIn(start, end, None, exc)

    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(one(*call)) for call in window_calls(client, namespace, user=user, asked=asked)]
    except ExceptionGroup as group:  # not an HfmonError (`one` keeps those): the first, as itself
        raise group.exceptions[0] from None
    windows = tuple(task.result() for task in tasks)
    if all(w.used_usd is None for w in windows):
        failed = [w.failed for w in sorted(windows, key=lambda w: w.refused) if w.failed is not None]
        if failed:
            raise failed[0]
    return windows


def windows_result(result: SourceResult[UsageWindows]) -> SourceResult[UsageWindows]:
    """The windows' source as a user reads it: failed (the poll's data partial) when a window's ask failed other than
    by HF's refusal, its answered windows kept; a refused window is that window's unknown only (asking again gets the
    same refusal: not a failure of the poll's)."""
    failed = next((w.failed for w in result.value or () if w.failed is not None and not w.refused), None)
    if failed is None:
        return result
    status = failed.status if isinstance(failed, ApiError) else None
    return replace(result, status=SourceStatus.ERROR, error=failed.message, hint=failed.hint, http_status=status,
                   failure=failed.failure)

"""Scheduled Jobs' next calendar month: how many runs their cron schedule makes, and the most they can cost. Pure.

Schedules are HF's: five cron fields (minute hour day-of-month month day-of-week; `*`, numbers, `a-b`, `a,b`,
`*/n`, `a-b/n`; day-of-week 0 or 7 is Sunday; when both day fields are restricted either matches) or one of
@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.advice.model import ScheduledCost, priced_by
from hfmon.report import ScheduledJobRow

ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
           "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}
RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def _field(text: str, low: int, high: int) -> frozenset[int] | None:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else (None if step_text else 1)
        if step is None:
            return None
        if body == "*":
            lo, hi = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            if not (a.isdigit() and b.isdigit()):
                return None
            lo, hi = int(a), int(b)
        elif body.isdigit():
            lo = hi = int(body)
            if step_text:
                hi = high
        else:
            return None
        if not low <= lo <= hi <= high:
            return None
        values.update(range(lo, hi + 1, step))
    return frozenset(values)


def runs_in(schedule: str, start: datetime, end: datetime) -> int | None:
    """How many times a cron schedule fires in [start, end) (UTC); None for a schedule hfmon cannot read."""
    fields = ALIASES.get(schedule.strip(), schedule).split()
    if len(fields) != 5:
        return None
    parsed = [_field(f, lo, hi) for f, (lo, hi) in zip(fields, RANGES, strict=True)]
    if any(p is None for p in parsed):
        return None
    minutes, hours, mdays, months, wdays = (p or frozenset() for p in parsed)
    wdays = frozenset(d % 7 for d in wdays)
    day_any, week_any = fields[2] == "*", fields[4] == "*"
    count = 0
    day = datetime(start.year, start.month, start.day, tzinfo=UTC)
    while day < end:
        by_mday, by_wday = day.day in mdays, (day.weekday() + 1) % 7 in wdays
        if day_any or week_any:
            fires = by_mday and by_wday
        else:
            fires = by_mday or by_wday
        if fires and day.month in months:
            count += sum(1 for h in hours for m in minutes
                         if start <= day + timedelta(hours=h, minutes=m) < end)
        day += timedelta(days=1)
    return count


def next_month(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month after the one containing `now` (UTC)."""
    start = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    end = datetime(start.year + (start.month == 12), start.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def scheduled_costs(rows: Sequence[ScheduledJobRow], now: datetime) -> tuple[ScheduledCost, ...]:
    """Each scheduled Job's runs next month and the most they can cost (a suspended job runs none)."""
    start, end = next_month(now)
    out = []
    for row in rows:
        job = row.job
        runs = 0 if job.suspended else runs_in(job.schedule, start, end)
        most: Decimal | None = None
        if runs == 0:
            most = Decimal(0)  # no run, whatever the price
        elif runs is not None and row.max_run_usd is not None:
            most = row.max_run_usd * runs
        out.append(ScheduledCost(job.namespace, job.id, job.schedule, runs, start, most, **priced_by(row.price)))
    return tuple(out)

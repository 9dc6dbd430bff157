"""Per-resource costs: what each Endpoint, Space and Job costs now, was billed and will cost to the period end,
from its statement lines (`costs.statement_lines`), and its uptime (`costs.period_uptime`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from hfmon.costs.billing_rules import micro, seconds
from hfmon.costs.credits import Period, days
from hfmon.costs.period_uptime import FROM_CHANGES, BilledTime, UptimeShare, uptime_pct, uptime_unknown_why
from hfmon.costs.period_uptime import billed_since as billed_since  # where the tests and other modules look
from hfmon.costs.period_uptime import state_spans as state_spans
from hfmon.costs.statement_lines import PricedLine
from hfmon.history import StateChange, Window
from hfmon.models import UsageLine
from hfmon.report import Price, ResourceCost

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
UPTIME_WINDOW = timedelta(hours=24)  # the recent uptime (beside the period's)
MINUTE = timedelta(minutes=1)


def dense(line: UsageLine, now: datetime, most_replicas: int | None) -> bool:
    """Whether a line billed at least one replica for its whole startedAt..stoppedAt span (one run).

    A line that sums several runs (with gaps) has fewer minutes than its span: its span says nothing about
    when the resource was up. Its minutes are replica-minutes: only as many as the span's minutes times the most
    replicas the resource can bill at once (`billing_rules.most_replicas`) prove it; that many unknown: never.
    """
    end = line.stopped_at or (now if line.active else None)
    if line.started_at is None or end is None or most_replicas is None:
        return False
    return line.quantity >= (end - line.started_at) // MINUTE * max(most_replicas, 1)


def accruing_since(lines: Iterable[UsageLine], now: datetime, most_replicas: int | None) -> datetime | None:
    """The earliest startedAt of the lines still accruing that billed all along since (`dense`; hosting lines, not
    ZeroGPU overage): the resource has been up without a break since then at least (`ResourceCost.billed_since`)."""
    return min((line.started_at for line in lines if line.active and line.started_at is not None
                and dense(line, now, most_replicas)), default=None)


def line_spans(lines: Sequence[UsageLine], now: datetime) -> list[tuple[datetime, datetime]]:
    """The startedAt..stoppedAt spans of statement lines (an active line runs until now)."""
    spans = []
    for line in lines:
        end = line.stopped_at or (now if line.active else None)
        if line.started_at is not None and end is not None and end > line.started_at:
            spans.append((line.started_at, end))
    return spans


PAST_TIMEOUT_WHY = "how long it can still run is unknown (it runs past the timeout hfmon reads)"

UNTIL_STOPPED = timedelta.max
"""`resource_cost`'s `time_left` for what bills until someone stops it (Endpoints, Spaces)."""


def resource_cost(kind: str, price: Price | None, replicas_now: int | None, priced: bool,
                  lines: Sequence[PricedLine] | None, changes: Sequence[StateChange],
                  own_spans: Sequence[tuple[datetime, datetime]] | None, period: Period,
                  now: datetime, observed_from: datetime | None = None,
                  single_replica: bool = False, granted: bool | None = False, billed: BilledTime | None = None,
                  first_seen: datetime | None = FROM_CHANGES,
                  hourly_usd: tuple[Decimal | None, ...] = (),
                  time_left: timedelta | None = UNTIL_STOPPED, unwatched: Sequence[Window] = (),
                  to_start: int | None = 0, time_left_why: str | None = None,
                  billed_why: str | None = None, over_quota_why: str | None = None,
                  most_replicas: int | None = 1, zero_gpu: bool = False, stage_unknown: bool = False,
                  ) -> ResourceCost:
    """A ResourceCost. `priced`: whether the resource needs a price (False for a static Space: free).

    `granted`: the statement says its current hardware is granted (`freeGrant`): it costs nothing now or ahead;
    None: whether it is granted is unknown (its statement was not read), so is what it costs now on paid hardware.

    `lines` is None when the statement could not be read (billed figures unknown), () when it has none.
    `own_spans`: billed spans the resource itself reports completely (a job's start and finish), or None.
    `single_replica`: it never runs more than one replica, so its billed minutes are its billed wall time.
    `replicas_now` None: its stage is unknown, so is what it costs now.
    `billed`: its billed time in a window as the store summed it (the same as from `changes`, faster).
    `first_seen`, `unwatched`: as `uptime_pct` takes them. `hourly_usd`: its $/h in each of the last 24 hours.
    `time_left`: the longest it can still bill before HF stops it (`job_time_left`); None: unknown, `time_left_why`
    says why when it is not that it runs past its timeout.
    `to_start`: the replicas it bills once it starts, not billing now (`endpoint_replicas_to_start`,
    `space_replicas_to_start`); None: it starts, with how many replicas unknown.
    `billed_why`: why its billed figures are unknown (`lines` None) though its statement was read.
    `over_quota_why`: why its $/h now is unknown though its hardware is free to host (a ZeroGPU Space past the quota:
    `zero_gpu_windows.over_quota_now`).
    `most_replicas`: the most it can bill at once (`billing_rules.most_replicas`; a Job: one), None unknown: what
    its statement lines prove of when it was up (`dense`).
    `zero_gpu`: a Space on ZeroGPU (`billing_rules.on_zero_gpu`), kept as `ResourceCost.zero_gpu`.
    `stage_unknown`: its stage is one hfmon does not know (`billing_rules.unknown_stage`), kept as
    `ResourceCost.stage_unknown`.
    """
    contradicted_why: str | None = None
    if replicas_now is None:  # unknown stage: whether it bills at all is unknown, grant or not
        per_hour: Decimal | None = None
    elif replicas_now == 0 or granted:
        per_hour = Decimal(0)
    elif price is None:
        per_hour = None if priced else Decimal(0)
    elif granted is None and price.usd_per_hour > 0:  # paid hardware, unless granted: unknown which
        per_hour = None
    elif price.usd_per_hour == 0 and (accruing := _contradicted_now(lines) or over_quota_why) is not None:
        per_hour, contradicted_why = None, accruing
    else:
        per_hour = price.usd_per_hour * replicas_now
    billed_minutes = billed_usd = recomputed = None
    overage = lines is not None and any(p.overage for p in lines)  # ZeroGPU: its running time is not billed
    if lines is not None:
        billed_minutes = sum((p.line.quantity for p in lines if not p.overage), Decimal(0))  # hosting only
        billed_usd = sum((p.line.total_usd for p in lines), Decimal(0))
        parts = [p.recomputed_usd for p in lines]
        recomputed = None if any(r is None for r in parts) else micro(sum((r for r in parts if r is not None),
                                                                          Decimal(0)))
    spans: Sequence[tuple[datetime, datetime]] = ()
    spans_from: datetime | None = None
    if own_spans is not None:
        spans, spans_from = own_spans, EARLIEST
    elif lines is not None and not overage and all(dense(p.line, now, most_replicas) for p in lines):
        # the statement lists every billed span of the period, and each line billed all along its span
        spans, spans_from = line_spans([p.line for p in lines], now), period.start
    # a Job not started yet bills nothing now, and its price for up to its timeout once it starts (when, unknown)
    # and an Endpoint about to be deployed or a Space building, its replicas from when it starts: never a known $0
    job_starts = kind == "job" and replicas_now == 0 and time_left is not None and time_left > timedelta(0)
    starts = job_starts or (replicas_now == 0 and (to_start is None or to_start > 0) and not granted)
    rate, start_why = _starting_rate(price, to_start, granted) if starts else (per_hour, None)
    to_end, ends_by, to_end_why = _ahead(rate, time_left, period, now, time_left_why)
    ends_by = None if starts else ends_by
    to_end_why = to_end_why or contradicted_why or start_why
    # Billed minutes are whole minutes: compare them with the whole minutes elapsed (the one in progress is not
    # billed yet), and say nothing from them before the first minute is over. HF's own count: exact, watched or not
    # (what history says of the period is then not worked out at all).
    elapsed_minutes = (now - period.start) // MINUTE
    if single_replica and not overage and billed_minutes is not None and own_spans is None and elapsed_minutes > 0:
        share = min(billed_minutes * 100 / elapsed_minutes, Decimal(100)).quantize(Decimal("0.01"))
        period_uptime: UptimeShare | None = UptimeShare(share, share, Decimal(0))
    else:
        period_uptime = uptime_pct(kind, changes, spans, spans_from, period.start, now, observed_from, billed,
                                   first_seen, unwatched)
    uptime_why = None if period_uptime is not None else uptime_unknown_why(changes, spans_from, period.start, now,
                                                                            observed_from, first_seen)
    last_day = uptime_pct(kind, changes, spans, spans_from, now - UPTIME_WINDOW, now, observed_from, billed,
                          first_seen, unwatched)
    return ResourceCost(
        price=price,
        cost_per_hour_usd=per_hour,
        billed_minutes=billed_minutes,
        billed_usd=billed_usd,
        recomputed_usd=recomputed,
        uptime_pct=None if period_uptime is None else period_uptime.exact,
        uptime_24h_pct=None if last_day is None else last_day.exact,
        to_period_end_usd=to_end,
        ends_by=ends_by,
        to_period_end_why=to_end_why,
        replicas=replicas_now,
        granted=granted,
        hourly_usd=hourly_usd,
        uptime_at_least_pct=None if period_uptime is None else period_uptime.at_least,
        uptime_unwatched_pct=None if period_uptime is None else period_uptime.unwatched,
        uptime_24h_at_least_pct=None if last_day is None else last_day.at_least,
        uptime_24h_unwatched_pct=None if last_day is None else last_day.unwatched,
        uptime_state_unknown_pct=None if period_uptime is None else period_uptime.unsure,
        uptime_24h_state_unknown_pct=None if last_day is None else last_day.unsure,
        uptime_why=uptime_why,
        billed_since=accruing_since((p.line for p in lines or () if not p.overage), now, most_replicas),
        billed_why=billed_why if lines is None else None,
        zero_gpu=zero_gpu,
        stage_unknown=stage_unknown,
    )


STARTS_REPLICAS_WHY = "how many replicas it runs once started is unknown"
STARTS_GRANT_WHY = "whether its hardware is granted once it runs is unknown"


def _starting_rate(price: Price | None, to_start: int | None, granted: bool | None) -> tuple[Decimal | None,
                                                                                              str | None]:
    """The $/h of what bills nothing now and starts by itself (`to_start` replicas: None unknown, 0 a Job's one),
    or None and why (an unpriced resource's is said where its price is missing)."""
    if price is None:
        return None, None
    if price.usd_per_hour == 0:
        return Decimal(0), None
    if to_start is None:
        return None, STARTS_REPLICAS_WHY
    if granted is None:
        return None, STARTS_GRANT_WHY
    return price.usd_per_hour * (to_start or 1), None


def _contradicted_now(lines: Sequence[PricedLine] | None) -> str | None:
    """Why the $/h now of a resource hfmon prices at $0/h is unknown: a line of it still accruing bills a positive
    unit price (`contradicts`); None when none does."""
    for p in lines or ():
        if p.line.active and p.contradicted and p.price is not None:
            return (f"HF's statement bills its {p.hardware} at ${(p.line.unit_cost_usd * 60).normalize():f}/h and "
                    f"is still accruing; hfmon's {p.price.source.value} price is $0/h")
    return None


def _ahead(per_hour: Decimal | None, time_left: timedelta | None, period: Period, now: datetime,
           time_left_why: str | None = None) -> tuple[Decimal | None, datetime | None, str | None]:
    """What it costs from now to the period end if left as it is, when it stops on its own before (a Job at its
    timeout), and why that cost is unknown if its price is known."""
    if time_left is None:
        return None, None, time_left_why or PAST_TIMEOUT_WHY
    if per_hour is None:
        return None, None, None
    if per_hour == 0 or time_left == timedelta(0):
        return Decimal(0), None, None
    if time_left < period.end - now:
        return micro(per_hour * seconds(time_left) / 3600), now + time_left, None
    return micro(per_hour * days_left(period.end, now) * 24), None, None


@lru_cache(maxsize=16)
def days_left(end: datetime, now: datetime) -> Decimal:
    """Days from `now` to `end` (0 once past it); every resource of a namespace asks for the same."""
    return max(days(end - now), Decimal(0))

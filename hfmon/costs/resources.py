"""Per-resource costs: the statement lines of each Endpoint, Space and Job, their recomputation, and uptime
(`costs.period_uptime`).

Matching statement lines to resources: a line's `product` gives the family and hardware
(`spaces/<flavor>/minutes`, `jobs/<flavor>/minutes`, `endpoints/<vendor>/<type>/<size>`; storage and other
products are not compute and are left out), and its `label` names the resource. Spaces and Endpoints are
keyed `<namespace>/<name>` (a label without a slash gets the statement's namespace), jobs by job id (a
`<namespace>/` prefix is dropped). These keys are the ones history uses. A resource may have several lines
(one per hardware it ran on); a line that matches no listed resource (a deleted Space, an old job) is still
cross-checked. The statement's group keys (`Spaces`, `Endpoints`, anything) mean nothing here.

A line whose label is null (the spec allows it) belongs to the job whose id is its `entityId`, or the Space whose
`_id` is; any other is keyed `<namespace>/entity <entityId>` (jobs: `entity <entityId>`) and belongs to no resource
hfmon can name. While a family has such a line, what its resources were billed is unknown (`unaccounted`), unless
the statement shows that its entity ids are the resources' own and the resource has one (so the line is not its).
Jobs with no statement line fall back to `/billing/usage/jobs` charges.

A line's quantity is replica-minutes; recomputed USD = quantity x catalog hourly price / 60. Two readings differ:
- A ZeroGPU line (`spaces/zero-a10g/minutes`) is quota overage, not hosting (hf-api.md 0.5): its quantity is
  GPU-minutes over the daily quota, priced at `Catalog.zero_gpu_overage`; it says nothing of the Space's uptime.
- A line billing a positive unit price for hardware hfmon prices at $0/h contradicts that price: what the line
  should cost is unknown (a charge hfmon does not model), never a known $0; while it accrues, so is the $/h now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from hfmon.costs.billing_rules import cost_usd, job_price, micro, seconds
from hfmon.costs.credits import Period, days
from hfmon.costs.period_uptime import FROM_CHANGES, BilledTime, UptimeShare, uptime_pct
from hfmon.costs.period_uptime import billed_since as billed_since  # where the tests and other modules look
from hfmon.costs.period_uptime import state_spans as state_spans
from hfmon.history import StateChange, Window
from hfmon.models import JobCharge, NamespaceData, UsageLine
from hfmon.pricing.catalog import Catalog, is_zero_gpu
from hfmon.report import Price, ResourceCost

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FAMILY_KIND = {"spaces": "space", "jobs": "job", "endpoints": "endpoint"}
UPTIME_WINDOW = timedelta(hours=24)  # the recent uptime (beside the period's)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A compute statement line with the resource it belongs to and its recomputation."""

    namespace: str
    family: str  # spaces | jobs | endpoints
    hardware: str  # flavor, or "<vendor>/<type>/<size>"
    key: str  # resource key: "<ns>/<name>" for Spaces and Endpoints, the job id for jobs
    line: UsageLine
    price: Price | None
    recomputed_usd: Decimal | None  # full precision; rounded to the micro-dollar once summed

    @property
    def overage(self) -> bool:
        """It bills ZeroGPU GPU-minutes over the daily quota, not hosting time (`quota_overage`)."""
        return quota_overage(self.family, self.hardware)

    @property
    def contradicted(self) -> bool:
        """HF bills it at a positive unit price while hfmon prices its hardware at $0/h: hfmon's price is wrong."""
        return contradicts(self.line, self.price)


def quota_overage(family: str, hardware: str) -> bool:
    """Whether a statement product bills ZeroGPU quota overage (`spaces/zero-a10g/minutes`), not hosting."""
    return family == "spaces" and is_zero_gpu(hardware)


def contradicts(line: UsageLine, price: Price | None) -> bool:
    """Whether a paid line bills a positive unit price for what hfmon prices at $0/h (granted lines cost 0)."""
    return price is not None and price.usd_per_hour == 0 and line.unit_cost_usd > 0 and not line.free_grant


def by_product(lines: Sequence[PricedLine]) -> dict[tuple[str, str, str], list[PricedLine]]:
    """Lines grouped by (family, resource key, hardware): one resource's lines for one billing product."""
    groups: dict[tuple[str, str, str], list[PricedLine]] = {}
    for p in lines:
        groups.setdefault((p.family, p.key, p.hardware), []).append(p)
    return groups


def parse_product(product: str) -> tuple[str, str] | None:
    """(family, hardware) of a compute billing product, None for storage and anything else."""
    parts = product.split("/")
    if parts[0] in ("spaces", "jobs") and len(parts) == 3 and parts[2] == "minutes":
        if parts[1].startswith("storage-"):
            return None
        return parts[0], parts[1]
    if parts[0] == "endpoints" and len(parts) == 4 and all(parts[1:]):
        return "endpoints", "/".join(parts[1:])
    return None


UNLABELLED = "entity "
"""In the key of a line sent without a label that no resource's id claims (resource keys hold no space)."""


def line_key(namespace: str, family: str, label: str | None, entity_id: str | None = None) -> str:
    """The resource key a line's label names; a line without a label (HF sends null) is keyed by its entity id."""
    text = (label or "").strip()
    if not text:
        text = f"{UNLABELLED}{entity_id or 'unknown'}"
        return text if family == "jobs" else f"{namespace}/{text}"
    if family == "jobs":
        return text.rsplit("/", 1)[-1]
    return text if "/" in text else f"{namespace}/{text}"


CHARGE_GROUP = "jobDetails"  # the group of a job charge made a line (`charge_line`): no statement group is named so
ParsedLine = tuple[str, str, str, UsageLine]  # (family, resource key, hardware, line) of a compute line


def parse_line(namespace: str, line: UsageLine) -> ParsedLine | None:
    """A statement line's family, resource key and hardware; None when it is not a compute line."""
    parsed = parse_product(line.product)
    if parsed is None:
        return None
    family, hardware = parsed
    return family, line_key(namespace, family, line.label, line.entity_id), hardware, line


def resource_ids(ns: NamespaceData) -> dict[tuple[str, str], str]:
    """(family, entity id) → resource key of the listed resources whose own id a statement line may carry."""
    charged = () if ns.job_charges is None else ns.job_charges.value or ()
    ids = {("jobs", job_id): job_id for job_id in (*(j.id for j in ns.jobs.value or ()), *(c.job_id for c in charged))}
    ids.update((("spaces", s.entity_id), s.id) for s in ns.spaces.value or () if s.entity_id)
    return ids


def _attributed(parsed: ParsedLine, ids: dict[tuple[str, str], str]) -> ParsedLine:
    """An unlabelled line given to the listed resource whose id is its entity id (else kept as it is)."""
    family, key, hardware, line = parsed
    owner = ids.get((family, line.entity_id)) if UNLABELLED in key and line.entity_id else None
    return parsed if owner is None else (family, owner, hardware, line)


def charge_in(charge: JobCharge, start: datetime, end: datetime) -> bool | None:
    """Whether a usage/jobs charge is of the period [start, end): usage/jobs' own period is that one, or the job
    ran inside it (True), or wholly outside it (False); None: it ran across its bounds, or its times are unsaid,
    so how much of its cost falls in the period is unknown (usage/jobs may run on another anchor, hf-api.md 3.5)."""
    if (charge.period_start, charge.period_end) == (start, end):
        return True
    began, ended = charge.started_at, charge.completed_at
    if (ended is not None and ended <= start) or (began is not None and began >= end):
        return False
    if began is not None and began >= start and (ended is None or ended <= end):
        return True
    return None


def _statement_lines(ns: NamespaceData, lines: Sequence[UsageLine]) -> list[ParsedLine]:
    """The compute lines of a statement, an unlabelled one given to the resource whose id it carries."""
    ids = resource_ids(ns)
    return [_attributed(p, ids) for line in lines if (p := parse_line(ns.namespace, line)) is not None]


def _unstated_charges(ns: NamespaceData, stated: Sequence[ParsedLine]) -> list[JobCharge]:
    """The job charges of jobs the statement does not list."""
    stated_jobs = {key for family, key, _, _ in stated if family == "jobs"}
    charges = () if ns.job_charges is None else ns.job_charges.value or ()
    return [c for c in charges if c.job_id not in stated_jobs]


def compute_lines(ns: NamespaceData) -> list[ParsedLine] | None:
    """A namespace's compute lines: its statement's, and the job charges of the statement's period of jobs the
    statement does not list (None: no statement). A charge of another period is not this period's; one that may
    be in part (`charges_astride`) is left out, and what its job was billed is unknown."""
    statement = ns.statement.value
    if statement is None:
        return None
    out = _statement_lines(ns, statement.lines)
    out += [p for c in _unstated_charges(ns, out)
            if charge_in(c, statement.period_start, statement.period_end)
            if (p := parse_line(ns.namespace, charge_line(c))) is not None]
    return out


def charges_astride(ns: NamespaceData, start: datetime, end: datetime) -> frozenset[tuple[str, str]]:
    """("jobs", job id) of the job charges the statement does not list whose share of [start, end) is unknown
    (`charge_in` None): what those jobs were billed this period, and so the jobs' total, is unknown."""
    statement = ns.statement.value
    stated = [] if statement is None else _statement_lines(ns, statement.lines)
    return frozenset(("jobs", c.job_id) for c in _unstated_charges(ns, stated) if charge_in(c, start, end) is None)


def unaccounted(ns: NamespaceData, lines: Sequence[ParsedLine]) -> frozenset[tuple[str, str]]:
    """(family, key) of the listed resources whose billed lines cannot all be told: their family has a line sent
    without a label that no resource's id claims, and nothing rules out that it is theirs (the statement's entity
    ids are shown to be the resources' own when one of them is, and then a resource with an id did not claim it)."""
    families = {family for family, key, _, _ in lines if UNLABELLED in key}
    if not families:
        return frozenset()
    ids = resource_ids(ns)
    own_ids = any(ids.get((family, line.entity_id or "")) == key for family, key, _, line in lines)
    listed: list[tuple[str, str, str | None]] = [("endpoints", e.id, None) for e in ns.endpoints.value or ()]
    listed += [("spaces", s.id, s.entity_id) for s in ns.spaces.value or ()]
    listed += [("jobs", j.id, j.id) for j in ns.jobs.value or ()]
    return frozenset((family, key) for family, key, entity in listed
                     if family in families and not (own_ids and entity))


def charge_line(charge: JobCharge) -> UsageLine:
    """A `/billing/usage/jobs` charge as a statement line (for jobs the statement does not list)."""
    return UsageLine(product=f"jobs/{charge.flavor}/minutes", label=charge.job_id, entity_id=None,
                     quantity=charge.minutes, unit_cost_usd=Decimal(0), total_usd=charge.cost_usd,
                     started_at=charge.started_at, stopped_at=charge.completed_at,
                     active=charge.completed_at is None, group=CHARGE_GROUP)


def jobs_untold(lines: Sequence[PricedLine]) -> bool:
    """Whether the jobs' total cannot be told from the lines: the statement has a job line without a label that
    no job's id claims, beside job charges added for jobs it does not list (which that line may already bill)."""
    return any(p.family == "jobs" and UNLABELLED in p.key for p in lines) and any(
        p.line.group == CHARGE_GROUP for p in lines)


class LinePricer:
    """Prices the compute lines of one namespace's statement (each product is looked up once)."""

    def __init__(self, namespace: str, catalog: Catalog, regions: dict[str, str | None],
                 exposed: frozenset[str] = frozenset()) -> None:
        self.namespace = namespace
        self.catalog = catalog
        self.regions = regions  # endpoint key -> region
        self.exposed = exposed  # the ids of the jobs that expose ports: their lines bill the surcharge too
        self._prices: dict[tuple[str, str, str | None], Price | None] = {}

    def price(self, family: str, hardware: str, region: str | None) -> Price | None:
        """The catalog price of a product (cached)."""
        key = (family, hardware, region)
        if key not in self._prices:
            if quota_overage(family, hardware):
                self._prices[key] = self.catalog.zero_gpu_overage
            elif family == "spaces":
                self._prices[key] = self.catalog.space(hardware)
            elif family == "jobs":
                self._prices[key] = self.catalog.job(hardware)
            else:
                vendor, itype, size = hardware.split("/")
                self._prices[key] = self.catalog.endpoint(vendor, itype, size, region=region,
                                                          namespace=self.namespace)
        return self._prices[key]

    def __call__(self, line: UsageLine) -> PricedLine | None:
        """Price one statement line; None when it is not a compute line."""
        parsed = parse_line(self.namespace, line)
        return None if parsed is None else self.priced(*parsed)

    def priced(self, family: str, key: str, hardware: str, line: UsageLine) -> PricedLine:
        """Price one compute line, parsed (`parse_line`)."""
        price = self.price(family, hardware, self.regions.get(key) if family == "endpoints" else None)
        price = job_price(price, key in self.exposed) if family == "jobs" else price
        if line.free_grant:  # granted hardware: the account pays nothing, whatever the catalog says
            recomputed: Decimal | None = Decimal(0)
        elif contradicts(line, price):  # HF bills what hfmon has at $0/h: $0 would be a made-up recomputation
            recomputed = None
        else:
            recomputed = None if price is None else cost_usd(price.usd_per_hour, line.quantity)
        return PricedLine(self.namespace, family, hardware, key, line, price, recomputed)


def dense(line: UsageLine, now: datetime) -> bool:
    """Whether a line billed at least one replica for its whole startedAt..stoppedAt span (one run).

    A line that sums several runs (with gaps) has fewer minutes than its span: its span says nothing about
    when the resource was up.
    """
    end = line.stopped_at or (now if line.active else None)
    if line.started_at is None or end is None:
        return False
    return line.quantity >= (end - line.started_at) // MINUTE


def line_spans(lines: Sequence[UsageLine], now: datetime) -> list[tuple[datetime, datetime]]:
    """The startedAt..stoppedAt spans of statement lines (an active line runs until now)."""
    spans = []
    for line in lines:
        end = line.stopped_at or (now if line.active else None)
        if line.started_at is not None and end is not None and end > line.started_at:
            spans.append((line.started_at, end))
    return spans


UNTIL_STOPPED = timedelta.max
"""`resource_cost`'s `time_left` for what bills until someone stops it (Endpoints, Spaces)."""


def resource_cost(kind: str, price: Price | None, replicas_now: int | None, priced: bool,
                  lines: Sequence[PricedLine] | None, changes: Sequence[StateChange],
                  own_spans: Sequence[tuple[datetime, datetime]] | None, period: Period,
                  now: datetime, observed_from: datetime | None = None,
                  single_replica: bool = False, granted: bool | None = False, billed: BilledTime | None = None,
                  first_seen: datetime | None = FROM_CHANGES,
                  hourly_usd: tuple[Decimal | None, ...] = (),
                  time_left: timedelta | None = UNTIL_STOPPED, unwatched: Sequence[Window] = ()) -> ResourceCost:
    """A ResourceCost. `priced`: whether the resource needs a price (False for a static Space: free).

    `granted`: the statement says its current hardware is granted (`freeGrant`): it costs nothing now or ahead;
    None: whether it is granted is unknown (its statement was not read), so is what it costs now on paid hardware.

    `lines` is None when the statement could not be read (billed figures unknown), () when it has none.
    `own_spans`: billed spans the resource itself reports completely (a job's start and finish), or None.
    `single_replica`: it never runs more than one replica, so its billed minutes are its billed wall time.
    `replicas_now` None: its stage is unknown, so is what it costs now.
    `billed`: its billed time in a window as the store summed it (the same as from `changes`, faster).
    `first_seen`, `unwatched`: as `uptime_pct` takes them. `hourly_usd`: its $/h in each of the last 24 hours.
    `time_left`: the longest it can still bill before HF stops it (`job_time_left`); None: unknown.
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
    elif price.usd_per_hour == 0 and (accruing := _contradicted_now(lines)) is not None:
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
    elif lines is not None and not overage and all(dense(p.line, now) for p in lines):
        # the statement lists every billed span of the period, and each line billed all along its span
        spans, spans_from = line_spans([p.line for p in lines], now), period.start
    # a Job not started yet bills nothing now, and its price for up to its timeout once it starts (when, unknown)
    starts = kind == "job" and replicas_now == 0 and time_left is not None and time_left > timedelta(0)
    rate = (price.usd_per_hour if price is not None else None) if starts else per_hour
    to_end, ends_by, to_end_why = _ahead(rate, time_left, period, now)
    ends_by = None if starts else ends_by
    to_end_why = to_end_why or contradicted_why
    period_uptime = uptime_pct(kind, changes, spans, spans_from, period.start, now, observed_from, billed,
                               first_seen, unwatched)
    # Billed minutes are whole minutes: compare them with the whole minutes elapsed (the one in progress is not
    # billed yet), and say nothing from them before the first minute is over. HF's own count: exact, watched or not.
    elapsed_minutes = (now - period.start) // MINUTE
    if single_replica and not overage and billed_minutes is not None and own_spans is None and elapsed_minutes > 0:
        share = min(billed_minutes * 100 / elapsed_minutes, Decimal(100)).quantize(Decimal("0.01"))
        period_uptime = UptimeShare(share, share, Decimal(0))
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
    )


def _contradicted_now(lines: Sequence[PricedLine] | None) -> str | None:
    """Why the $/h now of a resource hfmon prices at $0/h is unknown: a line of it still accruing bills a positive
    unit price (`contradicts`); None when none does."""
    for p in lines or ():
        if p.line.active and p.contradicted and p.price is not None:
            return (f"HF's statement bills its {p.hardware} at ${(p.line.unit_cost_usd * 60).normalize():f}/h and "
                    f"is still accruing; hfmon's {p.price.source.value} price is $0/h")
    return None


def _ahead(per_hour: Decimal | None, time_left: timedelta | None, period: Period,
           now: datetime) -> tuple[Decimal | None, datetime | None, str | None]:
    """What it costs from now to the period end if left as it is, when it stops on its own before (a Job at its
    timeout), and why that cost is unknown if its price is known."""
    if time_left is None:
        return None, None, "how long it can still run is unknown (it runs past the timeout hfmon reads)"
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

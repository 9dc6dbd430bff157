"""Statement lines: which resource each compute line of a statement bills, and what hfmon recomputes it costs.

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
from datetime import datetime
from decimal import Decimal

from hfmon.costs.billing_rules import billed_exposed, cost_usd, job_price
from hfmon.models import Job, JobCharge, NamespaceData, UsageLine
from hfmon.pricing.catalog import Catalog, is_zero_gpu
from hfmon.report import Price

FAMILY_KIND = {"spaces": "space", "jobs": "job", "endpoints": "endpoint"}


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
    exposed: bool | None = False  # a Job's exposed ports (their surcharge priced in); None: unknown
    ports_read: bool = True  # False: a Job the listing hfmon read does not hold, its ports known only from its line

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


def line_granted(line: UsageLine) -> bool | None:
    """Whether a line's hardware is granted (not paid by the account): its `freeGrant` where HF sends it; where it
    does not (the spec makes it optional), HF's own total tells: $0 billed for a positive quantity at a positive
    unit price is a grant, anything billed is paid, and a line that has billed nothing yet is unknown."""
    if line.free_grant is not None:
        return line.free_grant
    if line.total_usd > 0:
        return False
    return True if line.quantity > 0 and line.unit_cost_usd > 0 else None


def still_accruing(line: UsageLine) -> bool:
    """Whether a statement line still accrues: `active`, or not said and not stopped."""
    return line.active or (line.active is None and line.stopped_at is None)


def contradicts(line: UsageLine, price: Price | None) -> bool:
    """Whether a paid line bills a positive unit price for what hfmon prices at $0/h (granted lines cost 0)."""
    return (price is not None and price.usd_per_hour == 0 and line.unit_cost_usd > 0
            and line_granted(line) is not True)


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
                 jobs: Sequence[Job] = ()) -> None:
        self.namespace = namespace
        self.catalog = catalog
        self.regions = regions  # endpoint key -> region
        # the listed Jobs' ids -> whether each exposes ports (their lines bill the surcharge too)
        self.exposed = {j.id: j.exposed for j in jobs}
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
        exposed: bool | None = False
        if family == "jobs":  # a Job past the listing's cut: whether it exposed ports, its line's unit price tells
            exposed = self.exposed[key] if key in self.exposed else billed_exposed(price, line)
            price = job_price(price, bool(exposed))
        if line_granted(line):  # granted hardware: the account pays nothing, whatever the catalog says
            recomputed: Decimal | None = Decimal(0)
        elif contradicts(line, price) or exposed is None:  # $0, or no surcharge, would be a made-up recomputation
            recomputed = None
        else:
            recomputed = None if price is None else cost_usd(price.usd_per_hour, line.quantity)
        return PricedLine(self.namespace, family, hardware, key, line, price, recomputed, exposed,
                          family != "jobs" or key in self.exposed)

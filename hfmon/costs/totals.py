"""The totals of a Report over parts that may be missing, with the remainders that make breakdowns add up.

Pure. A part that could not be read is named in the Total's `missing`, never counted as zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar

from hfmon.costs.credits import Period, calendar_month
from hfmon.costs.crosscheck import STORAGE_PRODUCT
from hfmon.costs.inference_totals import inference_of
from hfmon.costs.statement_lines import (
    FAMILY_KIND,
    PricedLine,
    compute_lines,
    jobs_untold,
    line_granted,
    parse_product,
    still_accruing,
)
from hfmon.figures import JOBS_CUT, STORAGE_CUT, STORAGE_UNSIZED, ZERO_GPU, Behind
from hfmon.models import (
    Endpoint,
    Invoice,
    Job,
    NamespaceData,
    RepoStorage,
    ResourceGroupUsage,
    Snapshot,
    SourceResult,
    SourceStatus,
    Space,
    StorageListing,
)
from hfmon.models_billing import JobsSpend
from hfmon.ordering import sort_by_keys
from hfmon.report import (
    UNLISTED_PREFIX,
    EndpointRow,
    Inference,
    JobRow,
    MeterRow,
    NamespaceStorage,
    ResourceCost,
    SpaceRow,
    Spend,
    Storage,
    Total,
)

T = TypeVar("T")


def endpoint_label(e: Endpoint) -> str:
    """How an Endpoint is named in `Report.unpriced`."""
    return f"endpoint {e.id} ({e.vendor}/{e.instance_type}/{e.instance_size})"


def space_label(s: Space) -> str:
    """How a Space is named in `Report.unpriced`."""
    return f"space {s.id} ({s.hardware or s.requested_hardware or 'hardware unknown'})"


def job_label(j: Job) -> str:
    """How a Job is named in `Report.unpriced`."""
    return f"job {j.id} ({j.flavor})"


_LABELS: dict[str, Callable[[Any], str]] = {"endpoints": endpoint_label, "spaces": space_label, "jobs": job_label}
"""How a resource of each kind of the meter is named."""

UNPRICED_PREFIX = "unpriced:"  # a Total's missing part: a resource billed now that no catalog prices
UNKNOWN_PREFIX = "unknown:"  # a Total's missing part: a resource whose cost now is unknown (an unknown stage)
GRANT_PREFIX = "grant:"  # a Total's missing part: a Space on paid hardware that may be granted (no statement line)
BILLED_AT_ZERO_PREFIX = "billed_at_zero:"  # a Total's missing part: HF's statement bills, now, what hfmon prices $0/h


def _missing_label(label: str, cost: ResourceCost) -> str:
    """How a resource whose $/h is unknown is named among a Total's missing parts (`zero_gpu:` for a Space on
    ZeroGPU, whose GPU time past the quota bills: `zero_gpu_windows.over_quota_now`)."""
    if cost.price is None and cost.replicas is not None:  # an unknown stage first: what runs is unknown
        return UNPRICED_PREFIX + label
    if cost.zero_gpu and cost.replicas:
        return f"{ZERO_GPU}:{label}"
    if cost.price is not None and cost.price.usd_per_hour == 0 and cost.replicas:  # `statement_lines.contradicts`
        return BILLED_AT_ZERO_PREFIX + label
    return (GRANT_PREFIX if cost.granted is None and cost.replicas else UNKNOWN_PREFIX) + label


def meter_rows(snapshot: Snapshot, endpoints: Sequence[EndpointRow], spaces: Sequence[SpaceRow],
               jobs: Sequence[JobRow]) -> tuple[MeterRow, ...]:
    """$/h now per namespace and kind; a listing that could not be read (or failed this poll: what its last good
    value lists may have stopped or been joined since), a resource billed now without a price, or a statement line
    still accruing that no listed resource claims, is a missing part, never $0."""
    rows: dict[tuple[str, str], list[tuple[Any, ResourceCost]]] = {}
    for e in endpoints:
        rows.setdefault((e.endpoint.namespace, "endpoints"), []).append((e.endpoint, e.cost))
    for s in spaces:
        rows.setdefault((s.space.namespace, "spaces"), []).append((s.space, s.cost))
    for j in jobs:
        rows.setdefault((j.job.namespace, "jobs"), []).append((j.job, j.cost))
    out: list[MeterRow] = []
    for ns in snapshot.namespaces:
        unlisted = accruing_unlisted(ns)
        for kind, source in (("endpoints", ns.endpoints), ("spaces", ns.spaces), ("jobs", ns.jobs)):
            if source.value is None or source.status is SourceStatus.STALE:
                out.append(MeterRow(ns.namespace, kind, Total(None, (source.name,)), None))
                continue
            # billed now, or maybe (`billed_now` None: its grant is unknown): each a part, unknown for the latter
            billed = [(resource, c) for resource, c in rows.get((ns.namespace, kind), []) if c.billed_now is not False]
            # a part's name counts only when the part is missing: only those resources are named (10,000 at 20x)
            label = _LABELS[kind]
            parts = [(_missing_label(label(resource), c) if c.cost_per_hour_usd is None else "",
                      c.cost_per_hour_usd) for resource, c in billed]
            parts += [(UNLISTED_PREFIX + label, None) for label in unlisted.get(kind, ())]
            usd = Total.of(parts, Decimal(0))
            cut = (f"{JOBS_CUT}:{ns.namespace}",) if kind == "jobs" and ns.jobs_cut is not None else ()
            maybe = tuple(_missing_label(label(resource), c) for resource, c in billed if c.billed_now is None)
            out.append(MeterRow(ns.namespace, kind, usd, len(billed) - len(maybe), cut, maybe))
    return tuple(out)


def accruing_unlisted(ns: NamespaceData) -> dict[str, list[str]]:
    """Per kind, the resources whose statement line is still accruing (`active`, or not said and not stopped) and
    which no listing holds: billed now but not listed (hidden from the token, or listed elsewhere), so the meter
    cannot price them. Granted lines are left out (not paid by the account)."""
    listed = {("endpoints", e.id) for e in ns.endpoints.value or ()}
    listed |= {("spaces", s.id) for s in ns.spaces.value or ()}
    listed |= {("jobs", j.id) for j in ns.jobs.value or ()}
    out: dict[str, list[str]] = {}
    for family, key, hardware, line in compute_lines(ns) or ():
        if still_accruing(line) and line_granted(line) is not True and (family, key) not in listed:
            label = f"{FAMILY_KIND[family]} {key} ({hardware})"
            if label not in out.setdefault(family, []):
                out[family].append(label)
    return out


def namespaces_unknown(snapshot: Snapshot) -> tuple[str, ...]:
    """The sources without which it is unknown which namespaces there are: the account, when it could not be
    read and no namespace was polled (a figure over no namespace is then unknown, not zero), or when whoami did not
    list the orgs and only the account's own namespace was polled (its orgs' figures are unknown, not zero)."""
    account = snapshot.account.value
    if account is None:
        return () if snapshot.namespaces else (snapshot.account.name,)
    orgs_unknown = account.orgs is None and all(ns.namespace == account.name for ns in snapshot.namespaces)
    return (snapshot.account.name,) if orgs_unknown else ()


def running_total(snapshot: Snapshot, meter: Sequence[MeterRow]) -> Total[Decimal]:
    """The meter added up: $/h of everything billed now (unknown namespaces when the account is unknown)."""
    parts = [m.usd_per_hour for m in meter]
    if unknown := namespaces_unknown(snapshot):
        parts.append(Total(None, unknown))
    return Total.sum(parts, Decimal(0))


def read_rows(rows: tuple[T, ...], sources: Iterable[SourceResult[Any] | None],
              unknown: Sequence[str]) -> tuple[tuple[T, ...] | None, tuple[str, ...]]:
    """A list built from per-namespace `sources` (None: not polled), and what it is missing: the unknown
    namespaces and each source not read. The list is None when nothing was read: () would say there are none."""
    polled = [s for s in sources if s is not None]
    missing = (*unknown, *(s.name for s in polled if s.value is None))
    nothing_read = bool(missing) and all(s.value is None for s in polled)
    return (None if nothing_read else rows), missing


def invoices_read(namespaces: Sequence[NamespaceData],
                  unknown: Sequence[str]) -> tuple[tuple[Invoice, ...] | None, tuple[str, ...]]:
    """The current period's invoice of each namespace whose statement was read (see `read_rows`)."""
    statements = [ns.statement for ns in namespaces]
    return read_rows(tuple(s.value.invoice for s in statements if s.value and s.value.invoice), statements, unknown)


def listings_missing(namespaces: Sequence[NamespaceData], unknown: Sequence[str]) -> tuple[str, ...]:
    """The resource listings (Endpoints, Spaces, Jobs) this poll did not read (failed, a last good value, or no
    access), after the `unknown` namespaces: what `Report.unpriced` cannot have looked at as it is now."""
    return (*unknown, *(s.name for ns in namespaces for s in (ns.endpoints, ns.spaces, ns.jobs)
                        if s.status is not SourceStatus.OK))


FLAG_SOURCES = ("billing", "endpoints", "spaces", "jobs")  # per namespace, besides `account` and `zero_gpu`


def unchecked_sources(snapshot: Snapshot) -> tuple[str, ...]:
    """Sources a flag is computed from that this poll did not read (failed, stale, or no access)."""
    sources: list[SourceResult[Any]] = [snapshot.account, snapshot.zero_gpu]
    sources += [getattr(ns, kind) for ns in snapshot.namespaces for kind in FLAG_SOURCES]
    sources += [s for ns in snapshot.namespaces for s in (ns.resource_groups, ns.resource_group_usage) if s is not None]
    return tuple(s.name for s in sources if s.status is not SourceStatus.OK)


def inference_total(snapshot: Snapshot, namespaces: Iterable[NamespaceData]) -> Inference:
    """usage-v2 totals of every namespace (missing where unreadable), the live split by provider, and the rest."""
    return inference_of(namespaces, namespaces_unknown(snapshot))


def crosscheck_unchecked(namespaces: Iterable[NamespaceData], unknown: Sequence[str]) -> tuple[str, ...]:
    """What the cross-check could not compare: the unknown namespaces, and each source a comparison is made from
    (the statement, usage-v2 and its live split, inference sessions, job charges) that was not read."""
    return (*unknown, *(s.name for ns in namespaces
                        for s in (ns.statement, ns.billing, ns.live, ns.sessions, ns.job_charges)
                        if s is not None and s.value is None))


def storage_total(namespaces: Iterable[NamespaceData], unknown: Sequence[str]) -> Storage:
    """Private and public bytes across namespaces: usage-v2's figures where read, else the storage listing
    summed; a namespace with neither is missing, never 0 (and so is every namespace when none is known). Each
    namespace keeps its own private limit; the whole has a limit only when it is one namespace."""
    private: list[tuple[str, int | None]] = [(name, None) for name in unknown]
    public: list[tuple[str, int | None]] = [(name, None) for name in unknown]
    repos: list[RepoStorage] = []
    by_namespace: list[NamespaceStorage] = []
    for ns in namespaces:
        listing = ns.storage.value
        repos += listing.repos if listing is not None else ()
        b = ns.billing.value
        mine_private, private_parts = _stored(b.private_storage_bytes if b is not None else None, listing, ns, True)
        mine_public, public_parts = _stored(b.public_storage_bytes if b is not None else None, listing, ns, False)
        private += private_parts
        public += public_parts
        limit = b.private_storage_limit_bytes if b is not None else None
        source = private_parts[-1][0] if mine_private is None else ns.storage.name
        by_namespace.append(NamespaceStorage(ns.namespace, mine_private, limit, mine_public, source))
    # largest first, then by namespace and id
    sort_by_keys(repos, [(_size_first, True), (attrgetter("namespace"), False), (attrgetter("id"), False)])
    # HF holds each namespace to its own private limit: a sum of limits is no one's limit (the org's headroom
    # does not cover the user's repos), so the account-wide total has one only when it is one namespace's
    only = by_namespace[0].private_limit_bytes if len(by_namespace) == 1 and not unknown else None
    return Storage(Total.of(private, 0), Total.of(public, 0), only, tuple(repos), tuple(by_namespace))


def _size_first(repo: RepoStorage) -> int:
    """A repo's size to sort largest first by, an unknown one last (-1)."""
    return -1 if repo.bytes is None else repo.bytes


def _stored(billed: int | None, listing: StorageListing | None, ns: NamespaceData,
            private: bool) -> tuple[int | None, list[tuple[str, int | None]]]:
    """A namespace's private (or public) bytes, and the parts they add to a storage total: usage/live's figure
    where read, else the storage listing summed. A listing that may leave repos out (`StorageListing.cut`) gives a
    lower bound: the bytes are unknown and the total gets the sum and the rest as missing (`storage_cut:<ns>`); so does
    a repo whose size is unknown (`storage_unsized:<ns>`)."""
    if billed is not None or listing is None:
        return billed, [(ns.storage.name, billed)]
    sizes = [r.bytes for r in listing.repos if r.private == private]
    listed = sum(size for size in sizes if size is not None)
    rest = [(f"{STORAGE_CUT}:{ns.namespace}", None)] if listing.cut else []
    rest += [(f"{STORAGE_UNSIZED}:{ns.namespace}", None)] if None in sizes else []
    return (None if rest else listed), [(ns.storage.name, listed), *rest]


def _of_period(jobs: JobsSpend, period: Period, asked: Period) -> bool:
    """Whether usage-v2's Jobs figure is this period's: its own period, else the window usage-v2 answered for
    (`asked`), is the namespace's (a figure over another span says nothing of how much of it falls in this
    period)."""
    return (jobs.period_start or asked.start) == period.start and (jobs.period_end or asked.end) == period.end


CENT = Decimal("0.01")


def _groups_of_period(ns: NamespaceData, period: Period) -> list[ResourceGroupUsage]:
    """usage-by-resource-group's rows of exactly this period (its months are calendar months: only an org whose
    statement period is one can be compared with them); [] when unread or of another span."""
    rows = ns.resource_group_usage.value if ns.resource_group_usage is not None else None
    month = calendar_month(period.start)
    if not rows or month != period:
        return []
    return [r for r in rows if r.period == period.start]


def statement_behind(ns: NamespaceData, parts: dict[str, Decimal | None], period: Period,
                     credits: Period) -> tuple[Behind, ...]:
    """Each product whose statement sum another HF figure of the same period shows larger: usage-v2's Jobs, and an
    org's resource groups (every row, HF's "not in a group" one too) per product. Those are later figures: HF
    writes a statement line once it records the usage, while usage-v2 and the groups count running compute as it
    runs; compute is billed by the minute, with no placeholder that settles lower (unlike Inference Providers'
    `usedNanoUsd`, never compared here), so the larger of two figures of one period is the later one. A figure of
    another span is not compared at all; group sums within half a cent a row (HF gives cents) are not a lag."""
    out: list[Behind] = []
    billing = ns.billing.value
    jobs = parts["jobs"]
    said = billing.jobs if billing is not None else None
    if (jobs is not None and said is not None and said.used_usd is not None and _of_period(said, period, credits)
            and said.used_usd > jobs):
        out.append(Behind("jobs", jobs, said.used_usd, "usage-v2"))
    if rows := _groups_of_period(ns, period):
        for product in ("spaces", "endpoints", "jobs"):
            stated, grouped = parts[product], sum((getattr(r, f"{product}_usd") for r in rows), Decimal(0))
            if stated is None:  # unknown already: nothing to be behind on
                continue
            ahead = max([stated, *(b.usd for b in out if b.product == product)])
            if grouped - ahead > CENT / 2 * len(rows):
                out = [b for b in out if b.product != product]
                out.append(Behind(product, stated, grouped, "usage-by-resource-group"))
    return tuple(out)


def namespace_spend(ns: NamespaceData, lines: list[PricedLine] | None, period: Period, credits: Period,
                    jobs_astride: bool = False) -> Spend:
    """Billed so far this period by product: inference from usage-v2, the rest from the statement. usage-v2 counts
    over the credits' period: when that begins elsewhen than this one, its figure is not this period's inference,
    which is then unknown (a sum over two windows is nobody's bill), bounded by usage-v2's figure when its window
    began earlier. `jobs_astride`: a job charge of usage/jobs' own period ran across this one's bounds
    (`statement_lines.charges_astride`): the jobs part is unknown."""
    def family(name: str) -> Decimal | None:
        return None if lines is None else sum((p.line.total_usd for p in lines if p.family == name), Decimal(0))

    billing, statement = ns.billing.value, ns.statement.value
    jobs = None if jobs_astride or (lines is not None and jobs_untold(lines)) else family("jobs")
    if (jobs is None and not jobs_astride and billing is not None and billing.jobs is not None
            and _of_period(billing.jobs, period, credits)):
        jobs = billing.jobs.used_usd
    storage = other = None
    if statement is not None:
        storage = sum((line.total_usd for line in statement.lines if line.product == STORAGE_PRODUCT), Decimal(0))
        # the remainder: lines of products not broken down above (Spaces storage, anything new)
        other = sum((line.total_usd for line in statement.lines
                     if parse_product(line.product) is None and line.product != STORAGE_PRODUCT), Decimal(0))
    elsewhen = billing is not None and credits.start != period.start
    # usage-v2 counting from before this period began: what it counts holds this period's inference so far
    bound = billing.inference.used_usd if billing is not None and elsewhen and credits.start < period.start else None
    parts = {"endpoints": family("endpoints"), "spaces": family("spaces"), "jobs": jobs}
    # a statement that failed this poll is its last good lines: compared with figures read now, the growth since
    # would read as lines "not there yet"; nothing is missing from it, it was not read (its parts are as of then)
    behind = statement_behind(ns, parts, period, credits) \
        if statement is not None and ns.statement.status is SourceStatus.OK else ()
    parts |= {b.product: b.usd for b in behind}
    return Spend(ns.namespace, billing.inference.used_usd if billing and not elsewhen else None,
                 parts["endpoints"], parts["spaces"], parts["jobs"], storage, other, period.start, period.end,
                 credits.start if elsewhen else None, jobs_astride, bound, behind)

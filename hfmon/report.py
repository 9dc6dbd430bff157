"""The Report: what every front end renders. Built by `hfmon.costs.evaluate(snapshot, history, config, now)`.

All money is `Decimal` USD; a figure that could not be priced is `None` and its item is listed in
`Report.unpriced`, never shown as $0. Every priced figure carries the catalog layer that priced it.
A total over parts that may be missing is a `Total`: complete, or partial with the missing parts named.
Every breakdown sums exactly to its total, with an explicit remainder where Hugging Face gives none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from hfmon.apihealth import ApiHealth
from hfmon.figures import N as N
from hfmon.figures import Spend as Spend
from hfmon.figures import SpendIn as SpendIn
from hfmon.figures import Total as Total
from hfmon.figures import WindowSpend as WindowSpend
from hfmon.figures import WindowTotal as WindowTotal
from hfmon.health import Health as Health
from hfmon.health import SourceState as SourceState
from hfmon.health import poll_health as poll_health
from hfmon.models import Account, Invoice, ZeroGpuQuota
from hfmon.report_checks import CheckStatus as CheckStatus
from hfmon.report_checks import CrossCheck as CrossCheck
from hfmon.report_checks import Flag as Flag
from hfmon.report_checks import Severity as Severity
from hfmon.report_checks import product_total_item as product_total_item
from hfmon.report_parts import Credits as Credits
from hfmon.report_parts import CreditsBurn as CreditsBurn
from hfmon.report_parts import GroupLimit as GroupLimit
from hfmon.report_parts import NamespaceStorage as NamespaceStorage
from hfmon.report_parts import ResourceGroupSpend as ResourceGroupSpend
from hfmon.report_parts import Storage as Storage
from hfmon.report_rows import EndpointRow as EndpointRow
from hfmon.report_rows import JobRow as JobRow
from hfmon.report_rows import Price as Price
from hfmon.report_rows import PriceSource as PriceSource
from hfmon.report_rows import ResourceCost as ResourceCost
from hfmon.report_rows import ScheduledJobRow as ScheduledJobRow
from hfmon.report_rows import SpaceRow as SpaceRow
from hfmon.repositories import Repositories

if TYPE_CHECKING:  # the ledger builds on Total, history on the ledger: the Report only holds their figures
    from hfmon.advice.model import Advice
    from hfmon.history import StateChange
    from hfmon.ledger import ProxyUsage
    from hfmon.provider_spend import ProviderSpendWindow


def no_changes(kind: str, resource: str) -> Sequence[StateChange]:
    """No recorded states (a Report evaluated without history)."""
    return ()


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """Inference Providers spend through one provider (or one model) this period."""

    name: str  # provider id
    requests: int | None  # None: HF did not count them (unknown, never 0)
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class Remainder:
    """What the providers leave of the known inference total. A figure is None when it cannot be known: a count
    HF did not give, or providers that count more than the total (a split read after it); `why` then says which."""

    name: str
    requests: int | None
    cost_usd: Decimal | None
    why: str | None = None


@dataclass(frozen=True, slots=True)
class Inference:
    """Inference Providers spend this period across the polled namespaces (missing: billing it cannot read).

    `by_provider` covers the namespaces whose live stream gave a split; `not_broken_down` is the rest, so the
    providers plus it equal the known total exactly, or the rest's figure is unknown and its `why` says why (never
    below zero).
    """

    cost_usd: Total[Decimal]
    requests: Total[int]
    by_provider: tuple[ProviderRow, ...]
    # None: no namespace's total is known, so neither is what the providers leave of it
    not_broken_down: Remainder | None = Remainder("not broken down", 0, Decimal(0))

    @property
    def parts(self) -> tuple[ProviderRow | Remainder, ...]:
        """The providers and the rest not broken down: they add up to the known total where the rest is known."""
        return self.by_provider if self.not_broken_down is None else (*self.by_provider, self.not_broken_down)


UNLISTED_PREFIX = "unlisted:"  # a meter part: a statement line still accruing that no listed resource claims


@dataclass(frozen=True, slots=True)
class MeterRow:
    """What one namespace's resources of one kind cost per hour right now (a part of the meter)."""

    namespace: str
    kind: str  # endpoints | spaces | jobs
    usd_per_hour: Total[Decimal]  # missing: the listing could not be read, or a resource billed now is unpriced
    billed_now: int | None  # resources billed now, priced or not (None: the listing could not be read)
    # what the listing holds only in part, each a missing part of its count (`jobs_cut:<ns>`: ended Jobs past where
    # hfmon stopped reading); the resources billed now are all in it
    unlisted: tuple[str, ...] = ()
    # the resources that may bill now, not counted in `billed_now` (`ResourceCost.billed_now` None: a Space whose
    # grant is unknown, a resource in an unknown stage), each named as the $/h's missing part for it
    # (`grant:space ada/x (a10g-small)`, `unknown:space ada/y (t4-small)`)
    billed_now_unknown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrgSummary:
    """An org as the report shows it."""

    name: str
    plan: str | None
    role: str | None
    billing_access: bool | None  # None: unknown (its billing source failed, or it was not polled)


@dataclass(frozen=True, slots=True)
class Report:
    """Everything hfmon knows about the account at `generated_at`. Immutable; front ends only render it."""

    generated_at: datetime
    account: Account | None
    orgs: tuple[OrgSummary, ...]
    billing_access: bool | None  # the token can read the user's billing; None: unknown (the source failed)
    credits: tuple[Credits, ...]  # the user first, then orgs with billing access
    inference: Inference
    endpoints: tuple[EndpointRow, ...]
    spaces: tuple[SpaceRow, ...]
    jobs: tuple[JobRow, ...]
    storage: Storage
    zero_gpu: ZeroGpuQuota | None
    running_cost_per_hour_usd: Total[Decimal]  # resources billed now; missing: unread listings, unpriced ones
    crosscheck: tuple[CrossCheck, ...]
    unpriced: tuple[str, ...]  # items no catalog layer could price
    flags: tuple[Flag, ...]
    sources: tuple[SourceState, ...]
    gpu_hours_by_hardware: tuple[tuple[str, Decimal], ...] = ()  # Spaces alone (their statement lines)
    spend: tuple[Spend, ...] = ()  # billed this period, per namespace with billing access
    flags_unchecked: tuple[str, ...] = ()  # sources that could raise a flag and were not read this poll
    # ids whose idle_gpu or long_running_job is unknown (an unwatched gap, a Job's start): why in flags_unchecked
    idle_unchecked: tuple[str, ...] = ()
    gpu_hours_missing: tuple[str, ...] = ()  # statements not read: their GPU hours are not in gpu_hours_by_hardware
    meter_rows: tuple[MeterRow, ...] = ()  # running_cost_per_hour_usd by namespace and kind; they sum to it exactly
    # Team and Enterprise orgs: each group's spend against its limits; None: no org's groups were read
    resource_groups: tuple[ResourceGroupSpend, ...] | None = ()
    resource_groups_missing: tuple[str, ...] = ()  # sources of the orgs whose groups are unknown; namespaces_unknown
    # the current period's invoice per namespace whose statement was read; None: no statement was read
    invoices: tuple[Invoice, ...] | None = ()
    invoices_missing: tuple[str, ...] = ()  # statements not read (and namespaces_unknown): their invoices unknown
    scheduled_jobs: tuple[ScheduledJobRow, ...] | None = ()  # spend still to come, next run first; None: none read
    scheduled_jobs_missing: tuple[str, ...] = ()  # scheduled-Job listings not read (and namespaces_unknown)
    unpriced_missing: tuple[str, ...] = ()  # listings not read (and namespaces_unknown): `unpriced` may lack theirs
    proxy: ProxyUsage | None = None  # requests through `hfmon proxy`; None: no history to read its ledger from
    provider_spend: tuple[ProviderSpendWindow, ...] = ()  # per provider over time, per window, from history
    windows: tuple[WindowSpend, ...] = ()  # per namespace and window (costs.windows: inference from usage-v2)
    api_health: tuple[ApiHealth, ...] = ()  # HF's APIs as hfmon's own requests found them, last 24 h (this process)
    repositories: Repositories = Repositories()  # models, datasets and Spaces with downloads and likes; org members
    # sources without which it is unknown which namespaces there are (`account`, when it could not be read and
    # no namespace was polled): every figure over namespaces names them as missing, never adds up nothing as 0
    namespaces_unknown: tuple[str, ...] = ()
    crosscheck_unchecked: tuple[str, ...] = ()  # sources the cross-check compares from that were not read
    # each namespace whose billing was read but whose included credits are unknown: what is known, and why not the
    # rest (it has no row in `credits`)
    credits_unknown: tuple[tuple[CreditsBurn, str], ...] = ()
    # `inference` of each polled namespace on its own (its providers and its own rest add up to its usage-v2 total)
    inference_by_namespace: tuple[tuple[str, Inference], ...] = ()
    # the recorded states of one resource, oldest first (detail views draw timelines from them; evaluate's
    # index of the history it read); not part of what a Report says, so not compared
    changes_of: Callable[[str, str], Sequence[StateChange]] = field(default=no_changes, compare=False, repr=False)
    # per (namespace, kind) of each listed resource, the stretches of history no poll listing it fresh watched, oldest
    # first (`history.unwatched`): what its resources did then is unknown
    unwatched: Mapping[tuple[str, str], tuple[tuple[datetime, datetime], ...]] = field(default_factory=dict)
    # (kind, resource) -> the statement's "billed without a break since" as history kept it, and when it was read
    # (`costs.uptime.statement_bounds`): the stretch up across the period's rollover
    statement_bounds: Mapping[tuple[str, str], tuple[datetime, datetime]] = field(default_factory=dict)
    advice: Advice | None = None  # the savings advisor's findings (hfmon.advice), added by the Monitor; None: none yet

    def window_total(self, window: str, namespace: str | None = None) -> WindowTotal | None:
        """Spend in one window across namespaces (or in one), with the window before; None: no such window."""
        rows = [w for w in self.windows if w.window == window and namespace in (None, w.namespace)]
        if not rows:
            return None
        products = tuple((p, Total.sum((w.current.part(p, w.namespace) for w in rows), Decimal(0)))
                         for p in SpendIn.PRODUCTS)
        return WindowTotal(window, min(w.current.start for w in rows), max(w.current.end for w in rows),
                           Total.sum((w.current.total_usd(w.namespace) for w in rows), Decimal(0)),
                           Total.sum((w.previous.total_usd(w.namespace) for w in rows), Decimal(0)), products)

    def running_in(self, namespace: str | None) -> Total[Decimal]:
        """$/h now of one namespace (its meter rows added up), or of everything for None."""
        if namespace is None:
            return self.running_cost_per_hour_usd
        return self.running_of(None, namespace)

    def running_of(self, kind: str | None, namespace: str | None) -> Total[Decimal]:
        """$/h now of one kind of resource (`endpoints`, `spaces`, `jobs`; None: all), in one namespace or all."""
        parts = [m.usd_per_hour for m in self.meter_rows if kind in (None, m.kind) and namespace in (None, m.namespace)]
        if self.namespaces_unknown:
            parts.append(Total(None, self.namespaces_unknown))
        return Total.sum(parts, Decimal(0))

    def meter_hourly(self, namespace: str | None = None) -> tuple[Decimal | None, ...]:
        """The meter over the last 24 hours: every resource's mean $/h per hour added up (None: an hour some
        resource's cost is unknown in, or history does not cover)."""
        series = [c.hourly_usd for c in (*(e.cost for e in self.endpoints if namespace in (None, e.endpoint.namespace)),
                                          *(s.cost for s in self.spaces if namespace in (None, s.space.namespace)),
                                          *(j.cost for j in self.jobs if namespace in (None, j.job.namespace)))]
        if not series or any(not s for s in series):
            return ()
        hours: list[Decimal | None] = []
        for values in zip(*series, strict=True):
            hours.append(None if any(v is None for v in values) else sum((v for v in values if v is not None),
                                                                          Decimal(0)))
        return tuple(hours)

    def billed_now_count(self, kind: str | None, namespace: str | None = None) -> Total[int]:
        """How many resources (of one kind, or all) cost money now; an unreadable listing, or a resource that may
        (`MeterRow.billed_now_unknown`), makes it partial: at least the known count."""
        count = self._per_listing(kind, namespace, lambda m: m.billed_now)
        maybe = [name for m in self.meter_rows if kind in (None, m.kind) and namespace in (None, m.namespace)
                 for name in m.billed_now_unknown]
        return Total(count.known, (*count.missing, *maybe)) if maybe else count

    def listed_count(self, kind: str | None, namespace: str | None = None) -> Total[int]:
        """How many resources (of one kind, or all) were listed; an unreadable listing makes it partial."""
        listed = Counter([*(("endpoints", e.endpoint.namespace) for e in self.endpoints),
                          *(("spaces", s.space.namespace) for s in self.spaces),
                          *(("jobs", j.job.namespace) for j in self.jobs)])
        count = self._per_listing(kind, namespace,
                                  lambda m: None if m.billed_now is None else listed[m.kind, m.namespace])
        cut = [name for m in self.meter_rows if kind in (None, m.kind) and namespace in (None, m.namespace)
               for name in m.unlisted]
        return Total(count.known, (*count.missing, *cut)) if cut else count

    def _per_listing(self, kind: str | None, namespace: str | None,
                     count: Callable[[MeterRow], int | None]) -> Total[int]:
        """A count per listing (one meter row each, None: unread) added up, with the unknown namespaces missing."""
        parts = [(f"{m.kind}:{m.namespace}", count(m)) for m in self.meter_rows
                 if kind in (None, m.kind) and namespace in (None, m.namespace)]
        return Total.of([*parts, *((name, None) for name in self.namespaces_unknown)], 0)

    def billed_for(self, product: str, namespace: str | None) -> Total[Decimal]:
        """What one product (`endpoints`, `spaces`, `jobs`, `inference`) was billed this period, in one namespace
        or all: the statement's lines (usage-v2 for inference), so resources deleted this period count too; a
        namespace whose statement was not read is missing, never $0, and each namespace's part is as its spend has it
        (`Spend.part`: usage-v2 of another period missing, a product the statement is behind on a lower bound)."""
        spent = {s.namespace: s.part(product) for s in self.spend}
        source = "billing" if product == "inference" else "statement"
        parts = [spent.get(ns) or Total(None, (f"{source}:{ns}",)) for ns in self.namespaces if namespace in (None, ns)]
        return Total.sum([*parts, *(Total(None, (name,)) for name in self.namespaces_unknown)], Decimal(0))

    @property
    def inference_elsewhen(self) -> tuple[tuple[str, datetime], ...]:
        """Each namespace whose usage-v2 counts Inference Providers over another period than its billing period,
        with that period's start: `inference`'s figures (and its split by provider) are then over each namespace's
        credits period, not this one, which `billed_for("inference", …)` is."""
        return tuple((s.namespace, s.inference_period_start) for s in self.spend if s.inference_period_start)

    def billed_now_unlisted(self, product: str, namespace: str | None) -> tuple[str, ...]:
        """The resources of one product the statement bills now (a line still accruing) that no listing holds:
        not deleted, only not listed (hidden from the token); the meter counts each as a missing part."""
        return tuple(name.removeprefix(UNLISTED_PREFIX) for m in self.meter_rows
                     if m.kind == product and namespace in (None, m.namespace)
                     for name in m.usd_per_hour.missing if name.startswith(UNLISTED_PREFIX))

    def billed_unlisted(self, product: str, namespace: str | None) -> Decimal | None:
        """Of `billed_for(product, namespace)`, what resources not listed were billed: deleted this period, or
        (`billed_now_unlisted`) billed now and hidden from the token. The remainder that makes the listed rows add
        up to it. None: unknown (a bill or a listing unread: what is not listed is then not only that)."""
        rows = {"endpoints": [(e.endpoint.namespace, e.cost) for e in self.endpoints],
                "spaces": [(s.space.namespace, s.cost) for s in self.spaces],
                "jobs": [(j.job.namespace, j.cost) for j in self.jobs]}[product]
        listed = [cost.billed_usd for ns, cost in rows if namespace in (None, ns)]
        billed = self.billed_for(product, namespace).value
        if billed is None or None in listed or not self.listed_count(product, namespace).complete:
            return None
        rest = billed - sum((x for x in listed if x is not None), Decimal(0))
        # below zero, the bill and the rows were read from different sources (usage-v2's jobs total, the rows'
        # charges) at different moments: what deleted resources were billed is then unknown, never negative
        return rest if rest >= 0 else None

    def running_unlisted(self, product: str, namespace: str | None) -> Decimal | None:
        """Of `running_of(product, namespace)`, the $/h now of what no listing shows: 0 when every listing was read
        and nothing unlisted is billed now (a deleted resource does not run), else None (it may be running)."""
        # every listing read (a cut one still holds all billed now; one that may bill is listed)
        complete = self._per_listing(product, namespace, lambda m: m.billed_now).complete
        return Decimal(0) if complete and not self.billed_now_unlisted(product, namespace) else None

    def spend_unranked(self, namespace: str | None) -> Total[Decimal]:
        """What a ranking of this period's spenders cannot rank, as a Total's missing parts: statements and listings
        unread (and usage, over every namespace); complete when each resource's spend could be read."""
        parts = [self.billed_for(p, namespace) for p in ("endpoints", "spaces", "jobs")]
        parts += [Total(Decimal(0), self.listed_count(None, namespace).missing),
                  *([self.billed_for("inference", None)] if namespace is None else [])]
        return Total.sum(parts, Decimal(0))

    @property
    def namespaces(self) -> tuple[str, ...]:
        """The polled namespaces, in the order their sources are listed (`billing:acme` → acme)."""
        return tuple(dict.fromkeys(s.scope for s in self.sources if s.scope))

    @property
    def orgs_unread(self) -> bool:
        """whoami answered without its list of orgs: which orgs the account has is unknown (never "no orgs")."""
        return self.account is not None and self.account.orgs is None

    @property
    def orgs_why(self) -> str | None:
        """Why the account's orgs are unknown (`orgs_unread`); None when whoami listed them."""
        return ("whoami did not list the account's orgs, so their figures are not in any total"
                if self.orgs_unread else None)

    @property
    def namespaces_not_visible(self) -> tuple[str, ...]:
        """Polled namespaces that whoami lists neither as the account nor as one of its orgs: the token cannot see
        them (a mistyped `--namespace`, or an org the account is not a member of). Empty when whoami or its orgs
        were not read."""
        visible = self.account_namespaces
        if visible is None:  # orgs not listed: which are visible is unknown
            return ()
        return tuple(ns for ns in self.namespaces if ns not in visible)

    @property
    def account_namespaces(self) -> tuple[str, ...] | None:
        """The account's namespaces as whoami lists them (its own, then its orgs); None: whoami or its orgs unread."""
        return None if self.account is None else self.account.namespaces

    @property
    def namespaces_not_polled(self) -> tuple[str, ...] | None:
        """The account's namespaces this poll left out (`--namespace`, a profile's or the config's list), so an
        account-wide figure covers only the rest; None: unknown (whoami or its orgs unread)."""
        every = self.account_namespaces
        return None if every is None else tuple(ns for ns in every if ns not in self.namespaces)

    def not_visible_why(self, namespace: str) -> str:
        """What to tell a user about a namespace in `namespaces_not_visible`."""
        account = self.account.name if self.account else "the account"
        return (f"{namespace} is not {account} or one of its orgs, so the token cannot see it "
                "(check the name given to --namespace)")

    def source(self, name: str) -> SourceState | None:
        """The state of one source by name (`account`, `billing:acme`), if it was polled."""
        return next((s for s in self.sources if s.name == name), None)

    @property
    def current_flags(self) -> tuple[Flag, ...]:
        """The flags computed from what this poll read: one computed from a source in `flags_unchecked` (one that
        failed this poll: the flag comes from its last good value) is left out."""
        unchecked = set(self.flags_unchecked)
        return tuple(f for f in self.flags if unchecked.isdisjoint(f.sources))

    @property
    def flag_sources_unchecked(self) -> tuple[str, ...]:
        """Of `flags_unchecked`, the sources (named as in `sources`): not read this poll, or read without the figure a
        flag needs; the rest are checks of single resources (`flag_checks_unchecked`)."""
        polled = {s.name for s in self.sources}
        return tuple(u for u in self.flags_unchecked if u in polled)

    @property
    def flag_checks_unchecked(self) -> tuple[str, ...]:
        """Of `flags_unchecked`, the checks of single resources not made though their listing was read (`min_replica:`,
        `sleep_time:`, and `idle_gpu:` over a stretch no poll watched), one per resource and check."""
        polled = {s.name for s in self.sources}
        return tuple(u for u in self.flags_unchecked if u not in polled)

    @property
    def all_checked(self) -> bool:
        """Every input that could raise a flag was read: only then does "no flags" mean nothing needs attention."""
        return not self.flags_unchecked

    @property
    def health(self) -> Health:
        """How the poll went, from the sources' states (see Health); partial at best while it is unknown which
        namespaces there are (whoami answered without its orgs): the sources polled answered, but not all were."""
        health = poll_health(self.sources)
        return Health.PARTIAL if health is Health.OK and self.namespaces_unknown else health

    @property
    def nothing_read(self) -> bool:
        """No source answered this poll (`SourceState.answered_now`, the fact `health` reads as unreachable): every
        figure is a last good value or unknown. A cached answer (a price list read hours ago, a missing permission
        remembered) says nothing of whether HF answers now."""
        return not any(s.answered_now for s in self.sources)

    def why_credits_unknown(self, namespace: str) -> str | None:
        """Why a namespace whose billing was read has no credits row (None: it has one, or its billing failed)."""
        return next((why for burn, why in self.credits_unknown if burn.namespace == namespace), None)

    @property
    def rejected_by(self) -> SourceState | None:
        """The first source whose failure says the token was rejected."""
        return next((s for s in self.sources if s.token_rejected), None)

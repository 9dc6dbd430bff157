"""Prometheus metric families of Reports: every figure read from the Report, labelled by account. Pure.

One `hfmon_` prefix, a unit suffix on every figure with a unit, labels instead of a metric per object. A figure
the Report does not know (None, or a partial Total) is absent, never 0: `hfmon_running_cost_per_hour_usd`
appears only when complete, beside `..._at_least_usd` (the known part) and `..._missing_parts`.

A figure read from a source that failed this poll (`SourceState.stale`: the Report shows its last good value) is
absent too, instead of an hours-old value served as if read now: the series ends (Prometheus marks it stale, and
`absent()` sees it) and `hfmon_source_up{source,namespace}` is 0, the `up`-style gauge Prometheus's exporter
guidelines ask for when a backend fails (they advise against sample timestamps, which turn staleness off).
`STALE_WITH` says which sources each figure is read from; price lists are not among them (a price read hours ago
still prices, and the catalog layer says as of when).

Requests through the metering proxy come from its ledger (`Report.proxy`, this billing period): per model and,
separately, per provider, as the ledger aggregates them (no model x provider series, no per-request labels).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from hfmon.costs.month_charges import charged_for_month
from hfmon.costs.uptime import resource_uptimes
from hfmon.figures import Spend
from hfmon.models import Endpoint, SourceStatus
from hfmon.report import Credits, CreditsBurn, Inference, Report, ResourceCost, product_total_item

PRODUCTS = Spend.PRODUCTS
RECOMPUTED_PRODUCTS = ("endpoints", "spaces", "jobs")  # products the cross-check recomputes per namespace
NOT_BROKEN_DOWN = "not_broken_down"
"""The provider label of the Inference Providers spend no per-provider split covers (a remainder, as a label)."""
SPEND_DOC = "Spend this period by product, as billed by Hugging Face or recomputed by hfmon (absent: unknown, only " \
    "a lower bound (see hfmon_spend_at_least_usd), or a source it is read from failed the latest poll)."
SPEND_AT_LEAST_DOC = "The known part of a product's spend this period as billed: the figure itself when " \
    "hfmon_spend_usd has it, a lower bound when that is absent because the statement is behind another Hugging Face " \
    "figure of the period on the product (a line not there yet); absent: unknown, or a source failed the latest poll."
LISTING = {"endpoint": "endpoints", "space": "spaces", "job": "jobs"}  # a resource's kind -> the source listing it
STALE_WITH: dict[str, tuple[str, ...]] = {
    # the sources (kinds, of the figure's namespace) each figure is read from: stale in one, it is left out
    "account": ("account",),
    # usage-v2: used (the live event's when it is the later word, never a stale one: live_is_later), included, limit;
    # the rate, projection and period follow from it
    "credits": ("billing",),
    "providers": ("billing", "live"),  # usage-v2's total and the live stream's split of it
    "spend:inference": ("billing",),
    "spend:endpoints": ("statement",), "spend:spaces": ("statement",), "spend:storage": ("statement",),
    "spend:other": ("statement",),
    "spend:jobs": ("statement", "billing"),  # the statement's job lines, else usage-v2's jobs total
    "recomputed": ("statement",),  # the statement's lines priced again
    "billed:endpoint": ("statement",), "billed:space": ("statement",), "billed:job": ("statement", "job_charges"),
    "unlisted": ("statement",),  # lines still accruing that no listing holds: missing parts of the meter
    "groups": ("resource_groups", "resource_group_usage"),
}


@dataclass(frozen=True, slots=True)
class AccountView:
    """What the exporter knows of one watched account at scrape time: its latest Report and its poll counts."""

    account: str  # the profile name (`default` without profiles)
    report: Report | None  # None until the first poll has finished
    polls: int = 0  # polls finished (each gives a Report, whatever its sources did)
    failed_polls: int = 0  # polls that raised instead of giving a Report (a bug or a broken history file)
    last_poll_failed: bool = False  # the latest poll raised: `report` is an older poll's, its figures not served
    interval_s: float | None = None  # the wait between polls (its --interval or the config's)
    last_poll_end: float | None = None  # wall-clock time (Unix seconds) the latest poll that gave a Report ended


class Stale:
    """Which figures of a Report read from a source that failed this poll (see `STALE_WITH`)."""

    def __init__(self, report: Report) -> None:
        self.sources = {(s.kind, s.scope) for s in report.sources if s.stale}

    def of(self, figure: str, namespace: str) -> bool:
        """True when a source `figure` is read from (of `namespace`) failed this poll."""
        return any((kind, namespace) in self.sources for kind in STALE_WITH[figure])

    def listing(self, kind: str, namespace: str) -> bool:
        """True when the listing of this kind of resource (`endpoint`, `space`, `job`) in `namespace` failed."""
        return (LISTING.get(kind, kind), namespace) in self.sources


class _Families:
    """Metric families by name, filled account by account; a None value adds no sample."""

    def __init__(self) -> None:
        self.by_name: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        self.seen: set[tuple[str, ...]] = set()
        self.shape: dict[str, tuple[type[Metric], tuple[str, ...]]] = {}

    def gauge(self, name: str, doc: str, labels: dict[str, str], value: Decimal | int | float | None) -> None:
        self._add(name, doc, labels, value, GaugeMetricFamily)

    def counter(self, name: str, doc: str, labels: dict[str, str], value: int | None) -> None:
        self._add(name, doc, labels, value, CounterMetricFamily)

    def _add(self, name: str, doc: str, labels: dict[str, str], value: Decimal | int | float | None,
             kind: type[GaugeMetricFamily] | type[CounterMetricFamily]) -> None:
        family = self.by_name.get(name)
        if family is None:
            family = kind(name, doc, labels=list(labels))
            self.by_name[name] = family
            self.shape[name] = (kind, tuple(labels))
        elif self.shape[name] != (kind, tuple(labels)):
            # two metrics under one name would zip one's labels onto the other's (a phantom series): never served
            raise ValueError(f"metric {name} registered twice, as {self.shape[name]} and {(kind, tuple(labels))}")
        key = (name, *labels.values())
        if value is not None and key not in self.seen:  # a repeated series would make Prometheus drop the scrape
            self.seen.add(key)
            family.add_metric(list(labels.values()), float(value))

    def timestamp(self, name: str, doc: str, labels: dict[str, str], moment: datetime | None) -> None:
        self.gauge(name, doc, labels, None if moment is None else moment.timestamp())


def families(views: Sequence[AccountView]) -> list[Metric]:
    """Every metric family for these accounts (a family with no sample is still described)."""
    out = _Families()
    for view in views:
        a = {"account": view.account}
        out.counter("hfmon_polls", "Polls finished since the exporter started.", a, view.polls)
        out.counter("hfmon_poll_failures", "Polls that raised instead of giving a report (see the log).", a,
                    view.failed_polls)
        out.gauge("hfmon_poll_interval_seconds", "Seconds the exporter waits between polls of the account (its "
                  "--interval or the config's; longer while rate limited).", a, view.interval_s)
        out.gauge("hfmon_poll_end_timestamp_seconds", "Wall-clock time the latest poll that gave a report ended "
                  "(hfmon_last_poll_timestamp_seconds is its data time).", a, view.last_poll_end)
        if view.report is not None:
            out.gauge("hfmon_up", "1 when the account's latest poll gave a report (its figures are served); 0 when "
                      "it raised (see the log): no figure is served until a poll gives one.", a,
                      int(not view.last_poll_failed))
            out.timestamp("hfmon_last_poll_timestamp_seconds", "When the latest report was made (data time).", a,
                          view.report.generated_at)
            if not view.last_poll_failed:
                _report(out, view.account, view.report)
    return list(out.by_name.values())


def _report(out: _Families, account: str, report: Report) -> None:
    a = {"account": account}
    stale = Stale(report)
    if report.account is not None and not stale.of("account", ""):
        out.gauge("hfmon_account_info", "The Hugging Face account the token belongs to (always 1).",
                  {**a, "user": report.account.name, "plan": report.account.plan or ""}, 1)
    _sources(out, a, report)
    _resources(out, account, report, stale)
    _meter(out, a, report, stale)
    _spend(out, a, report, stale)
    for credits in (*report.credits, *(burn for burn, _why in report.credits_unknown)):
        if not stale.of("credits", credits.namespace):
            _credits(out, {**a, "namespace": credits.namespace}, credits)
    for namespace, inference in report.inference_by_namespace:
        if not stale.of("providers", namespace):
            _providers(out, {**a, "namespace": namespace}, inference)
    for group in report.resource_groups or ():
        if stale.of("groups", group.namespace):
            continue
        for limit in group.limits or ():
            g = {**a, "namespace": group.namespace, "group": group.name, "product": limit.product}
            out.gauge("hfmon_resource_group_limit_usd", "A resource group's spend limit this month.", g,
                      limit.limit_usd)
            out.gauge("hfmon_resource_group_spent_usd", "What a resource group spent this month, against a "
                      "limit's product.", g, limit.spent_usd)
    _proxy(out, a, report)
    out.gauge("hfmon_unpriced_resources", "Resources billed now that no catalog layer prices (absent when a listing "
              "of Endpoints, Spaces or Jobs was not read: how many is unknown).", a,
              None if report.unpriced_missing else len(report.unpriced))
    for flag in report.current_flags:  # one computed from a source that failed the latest poll is absent
        out.gauge("hfmon_flag", "Something hfmon flags for attention (1 while raised; absent when a source it is "
                  "computed from failed the latest poll; no flag is all clear only when "
                  "hfmon_flags_unchecked_sources and hfmon_flags_unchecked_resource_checks are both 0).",
                  {**a, "kind": flag.kind, "subject": flag.subject, "severity": flag.severity.value}, 1)
    out.gauge("hfmon_flags_unchecked_sources", "Sources a flag is computed from that the latest poll did not read "
              "(failed, or no access), or read without the figure a flag needs.", a, len(report.flag_sources_unchecked))
    out.gauge("hfmon_flags_unchecked_resource_checks", "Flag checks of single resources the latest poll could not make "
              "though their listing was read, one per resource and check: an Endpoint's min replica or a Space's sleep "
              "time HF did not send, an idle GPU over a stretch no poll watched.", a, len(report.flag_checks_unchecked))


def _providers(out: _Families, n: dict[str, str], inference: Inference) -> None:
    """A namespace's Inference Providers spend by provider; with the part no split covers they add up to its total."""
    for provider in inference.parts:
        p = {**n, "provider": NOT_BROKEN_DOWN if provider is inference.not_broken_down else provider.name}
        out.gauge("hfmon_inference_provider_spend_usd", "Inference Providers spend by namespace and provider over "
                  "the namespace's credits period (usage-v2's, from hfmon_period_start_timestamp_seconds; the "
                  "statement's, of hfmon_spend_usd, may differ); provider=\"" + NOT_BROKEN_DOWN + "\" is the part "
                  "no per-provider split covers (absent while unknown: the split, read after the total, counts more "
                  "than it), so a namespace's series add up to its hfmon_credits_used_usd (absent: unknown, or its "
                  "usage or live stream failed the latest poll).", p, provider.cost_usd)
        out.gauge("hfmon_inference_provider_requests", "Inference Providers requests by namespace and provider over "
                  "the namespace's credits period, as hfmon_inference_provider_spend_usd (absent while HF did not "
                  "give the count).", p, provider.requests)


def _proxy(out: _Families, a: dict[str, str], report: Report) -> None:
    """The proxy ledger's figures this billing period; counters restart with the period (a counter reset)."""
    period = report.proxy.window("period") if report.proxy is not None else None
    if period is None:
        return
    for by, rows in (("model", period.by_model), ("provider", period.by_provider)):
        for f in rows:
            labels = {**a, by: f.name}
            # a request whose namespace is unknown may be in the scope: the counts are unknown, not a lower bound
            # and so are they when the ledger lost requests this period: whose they were is unknown
            known = not f.requests_owner_unknown and not f.requests_lost
            requests, errors = (f.requests, f.errors) if known else (None, None)
            out.counter(f"hfmon_proxy_{by}_requests", f"Requests through hfmon proxy this billing period, by "
                        f"{by} (absent while a request's namespace is unknown, or the ledger lost requests).",
                        labels, requests)
            out.counter(f"hfmon_proxy_{by}_errors", f"Requests through hfmon proxy this billing period that "
                        f"failed upstream, by {by} (absent while a request's namespace is unknown, or the ledger "
                        "lost requests).", labels, errors)
            out.gauge(f"hfmon_proxy_{by}_estimated_usd", f"Tokens x router price of the requests through hfmon "
                      f"proxy this billing period, by {by} (absent when a request is unpriced).", labels,
                      f.estimated_usd.value)
            out.gauge(f"hfmon_proxy_{by}_settled_usd", f"What Hugging Face settled for the requests through "
                      f"hfmon proxy this billing period, by {by} (absent while pending).", labels,
                      f.settled_usd.value)


def _sources(out: _Families, a: dict[str, str], report: Report) -> None:
    for source in report.sources:
        s = {**a, "source": source.name, "namespace": source.scope}
        out.gauge("hfmon_source_up", "1 when the source answered the latest poll (no_access counts as an answer, and "
                  "so does a cached answer still fresh: hfmon_source_cached), 0 when it failed: the figures read from "
                  "it are absent until it answers again (namespace: the one it reads, empty for account-wide "
                  "sources).", s, int(source.answered))
        out.gauge("hfmon_source_cached", "1 when the latest poll did not ask the source again and used hfmon's cached "
                  "answer (price lists, whoami, a missing permission): no sign that Hugging Face answers now.", s,
                  int(source.from_cache))
        out.gauge("hfmon_source_no_access", "1 when the token lacks the permission this source needs.", s,
                  int(source.status is SourceStatus.NO_ACCESS))
        out.gauge("hfmon_source_age_seconds", "Age of the source's data at the latest poll (absent: never read).",
                  s, source.age_s)


def _resources(out: _Families, account: str, report: Report, stale: Stale) -> None:
    rows: list[tuple[str, str, str, str, str, ResourceCost]] = []
    for e in report.endpoints:
        if not stale.listing("endpoint", e.endpoint.namespace):
            rows.append(("endpoint", e.endpoint.namespace, e.endpoint.name, _instance(e.endpoint), e.endpoint.state,
                         e.cost))
    for s in report.spaces:
        name = s.space.id.partition("/")[2] or s.space.id
        if not stale.listing("space", s.space.namespace):
            rows.append(("space", s.space.namespace, name, s.space.hardware or s.space.requested_hardware or "",
                         s.space.stage, s.cost))
    for j in report.jobs:
        # finished: a series per job forever; one in a stage hfmon does not know may be running
        if j.cost.billed_now is not False and not stale.listing("job", j.job.namespace):
            rows.append(("job", j.job.namespace, j.job.id, j.job.flavor or "", j.job.stage, j.cost))
            out.gauge("hfmon_job_running_seconds", "How long a job billed now has been running.",
                      {"account": account, "namespace": j.job.namespace, "name": j.job.id,
                       "flavor": j.job.flavor or ""}, j.job.running_s)
    for u in resource_uptimes(report):
        # a lower bound (exact when history saw it start), like the alert rule's
        if u.billed and u.uptime.up and not stale.listing(u.kind, u.namespace):
            out.gauge("hfmon_resource_up_at_least_seconds", "How long an Endpoint or Space billed now has been up "
                      "without a break, at least (from the end of the last time hfmon was not running, or from "
                      "when its history began, if it was up then; from its statement line's start when that line "
                      "bills it every minute since).",
                      {"account": account, "namespace": u.namespace, "kind": u.kind, "name": u.name},
                      int(u.uptime.at_least.total_seconds()))
    for kind, namespace, name, hardware, state, cost in rows:
        r = {"account": account, "namespace": namespace, "kind": kind, "name": name}
        out.gauge("hfmon_cost_per_hour_usd", "What a resource costs per hour now (absent: unpriced or unknown).",
                  {**r, "hardware": hardware, "state": state}, cost.cost_per_hour_usd)
        # both are the same statement lines (billed as HF sums them, recomputed priced again): one stale rule
        bill_stale = stale.of(f"billed:{kind}", namespace)
        billed, recomputed = (None, None) if bill_stale else (cost.billed_usd, cost.recomputed_usd)
        for source, value in (("billed", billed), ("recomputed", recomputed)):
            out.gauge("hfmon_resource_spend_usd", "What a resource was billed this period, as billed by Hugging "
                      "Face or recomputed by hfmon (absent: unknown, or its listing or bill failed the latest poll).",
                      {**r, "source": source}, value)


def _instance(e: Endpoint) -> str:
    parts = (e.vendor, e.instance_type, e.instance_size)
    return "/".join(p for p in parts if p) if all(parts) else (e.instance_type or "")


def _meter(out: _Families, a: dict[str, str], report: Report, stale: Stale) -> None:
    for row in report.meter_rows:
        if stale.listing(row.kind, row.namespace):
            continue
        m = {**a, "namespace": row.namespace, "kind": row.kind}
        # the statement names what bills now unlisted: stale, which of it still runs is unknown
        unlisted_stale = stale.of("unlisted", row.namespace)
        out.gauge("hfmon_running_cost_per_hour_usd", "What a namespace's resources of a kind cost per hour now "
                  "(absent when a part is unknown, or its listing or statement failed the latest poll: see the "
                  "_at_least_usd and _missing_parts metrics).", m, None if unlisted_stale else row.usd_per_hour.value)
        out.gauge("hfmon_running_cost_per_hour_at_least_usd", "The known part of the running cost per hour "
                  "(a lower bound when parts are missing; absent when the listing failed the latest poll).", m,
                  row.usd_per_hour.known)
        out.gauge("hfmon_running_cost_missing_parts", "Parts of the running cost per hour that are unknown "
                  "(unread listings, unpriced or unknown-stage resources).", m,
                  None if unlisted_stale else len(row.usd_per_hour.missing))
        out.gauge("hfmon_billed_now_resources", "Resources costing money now (absent while one may or may not: "
                  "a Space whose grant is unknown, or a resource in an unknown stage, named in "
                  "hfmon_running_cost_missing_parts).", m,
                  None if row.billed_now_unknown else row.billed_now)


def _spend(out: _Families, a: dict[str, str], report: Report, stale: Stale) -> None:
    checks = {c.item: c for c in report.crosscheck}
    failed = {s.name for s in report.sources if s.stale}
    for spend in report.spend:
        ns = spend.namespace
        n = {**a, "namespace": ns}
        fresh = [not stale.of(f"spend:{product}", ns) for product in PRODUCTS]
        for product, is_fresh in zip(PRODUCTS, fresh, strict=True):
            part, b = spend.part(product), {**n, "product": product, "source": "billed"}
            out.gauge("hfmon_spend_usd", SPEND_DOC, b, part.value if is_fresh else None)
            out.gauge("hfmon_spend_at_least_usd", SPEND_AT_LEAST_DOC, b, part.known if is_fresh else None)
        for product in RECOMPUTED_PRODUCTS:
            check = checks.get(product_total_item(product, ns))
            out.gauge("hfmon_spend_usd", SPEND_DOC, {**n, "product": product, "source": "recomputed"},
                      check.recomputed_usd if check is not None and not stale.of("recomputed", ns) else None)
        out.gauge("hfmon_namespace_spend_usd", "A namespace's spend this period, every product (absent when a "
                  "product is unknown or only a lower bound, or its usage or statement failed the latest poll: see "
                  "hfmon_namespace_spend_at_least_usd).", n, spend.total_usd.value if all(fresh) else None)
        out.gauge("hfmon_namespace_spend_at_least_usd", "The known part of a namespace's spend this period (its "
                  "whole spend when hfmon_namespace_spend_usd is there; a lower bound otherwise; absent when its "
                  "usage or statement failed the latest poll).", n, spend.total_usd.known if all(fresh) else None)
        _budget_pace(out, n, spend, failed)


def _budget_pace(out: _Families, n: dict[str, str], spend: Spend, failed: set[str]) -> None:
    """What hfmon's monthly budget rule (`alerts.rules.budget_pace`) paces a namespace's spend over: the spend's own
    period (its statement's or usage's, not the credits'), and the month's charge it allows whole."""
    out.timestamp("hfmon_spend_period_start_timestamp_seconds", "When the period of hfmon_namespace_spend_usd "
                  "began (its statement's billing period; the credits' may differ).", n, spend.period_start)
    out.timestamp("hfmon_spend_period_end_timestamp_seconds", "When the period of hfmon_namespace_spend_usd ends.",
                  n, spend.period_end)
    out.gauge("hfmon_spend_month_charge_usd", "The part of the spend this period charged whole for the month "
              "(private storage above the plan), which a monthly budget allows from the period's first day (absent: "
              "unknown, the statement unread or failed the latest poll; hfmon then counts none).", n,
              charged_for_month(spend, failed))


def _credits(out: _Families, n: dict[str, str], c: CreditsBurn) -> None:
    """A namespace's credits; without the included amount, what depends on it is absent (unknown), never 0."""
    full = c if isinstance(c, Credits) else None
    figures: Iterable[tuple[str, str, Decimal | None]] = (
        ("hfmon_credits_used_usd", "Inference Providers credits used this period (includes unsettled spend).",
         c.used_usd),
        ("hfmon_credits_included_usd", "Included Inference Providers credits this period (absent: unknown).",
         full.included_usd if full else None),
        ("hfmon_credits_remaining_usd", "Included credits that can still be used this period, the lesser of what "
         "they and the spending limit leave (absent: unknown).",
         full.remaining_usd if full else None),
        ("hfmon_credits_overage_usd", "Spend beyond the included credits this period (absent: unknown).",
         full.overage_usd if full else None),
        ("hfmon_credits_limit_usd", "The spending limit (absent: none set).", c.limit_usd),
        ("hfmon_credits_provisional_usd", "Spend booked in the last ~30 minutes that may still settle lower "
         "(absent: unknown).", c.provisional_usd),
        ("hfmon_projected_period_usd", "Inference Providers spend projected to the period's end "
         "(absent: no rate yet).",
         c.projected_period_usd),
        ("hfmon_credits_rate_usd_per_day", "The burn rate the projection uses (absent: unknown).",
         c.rate_usd_per_day),
    )
    for name, doc, value in figures:
        out.gauge(name, doc, n, value)
    out.timestamp("hfmon_credits_exhausted_timestamp_seconds", "When the included credits run out at this rate, "
                  "or, used up, the first poll in history that saw it (absent: not within the period, the rate or the "
                  "included credits unknown, a lower spending limit stops spend first, or used up before any poll in "
                  "history: hfmon_credits_remaining_usd 0 says used up).", n,
                  full.exhausts_at if full else None)
    out.timestamp("hfmon_period_start_timestamp_seconds", "When the credits' period began (usage-v2's; the "
                  "statement's, hfmon_spend_period_start_timestamp_seconds, may differ).", n, c.period_start)
    out.timestamp("hfmon_period_end_timestamp_seconds", "When the credits' period ends.", n, c.period_end)

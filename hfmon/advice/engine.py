"""`advise(report, history, catalog, settings)`: every finding on one Report, and their total. Pure.

Findings on one resource are alternatives (pausing a forgotten Space also ends its no-sleep-time bill): the
total counts each resource once, at its largest saving. A resource whose best saving is unknown makes the total
partial (`unknown:<resource>`), never $0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from hfmon.advice.hardware import oversized
from hfmon.advice.jobs import job_findings
from hfmon.advice.model import Advice, AdvisorSettings, Finding
from hfmon.advice.pace import pace_unjudged, pace_warnings
from hfmon.advice.providers import provider_findings
from hfmon.advice.rules import (
    MAYBE_GRANTED,
    cannot_scale_to_zero,
    forgotten,
    idle_timeout_tail,
    long_sleep_time,
    no_sleep_time,
    so_far,
)
from hfmon.advice.schedule import scheduled_costs
from hfmon.advice.storage import storage_findings
from hfmon.costs.billing_rules import seconds, unknown_stage
from hfmon.costs.credits import usage_window
from hfmon.costs.index import HistoryIndex
from hfmon.history import History
from hfmon.modelinfo import ModelWeights
from hfmon.pricing.catalog import Catalog
from hfmon.report import Report, Total
from hfmon.report_rows import STALE_RATE_WHY


def period_start(report: Report, namespace: str) -> datetime:
    """The start of a namespace's billing period, the one its statement bills Endpoints, Spaces and Jobs over (a
    statement anchored on the 15th: the 15th, whatever usage-v2 counts inference over); else its credits' period,
    else the calendar month."""
    return next((s.period_start for s in report.spend if s.namespace == namespace and s.period_start is not None),
                next((c.period_start for c in report.credits if c.namespace == namespace),
                     usage_window(report.generated_at).start))


def period_hours(report: Report, namespace: str) -> Decimal:
    """Hours from the start of a namespace's billing period to the Report's time."""
    return seconds(report.generated_at - period_start(report, namespace)) / 3600


def advise(report: Report, history: History, catalog: Catalog, settings: AdvisorSettings | None = None,
           models: Mapping[str, ModelWeights] | None = None) -> Advice:
    """The findings of one Report at its `generated_at`, largest saving first (unknown savings last).

    `models`: what the Hub says of the models the Endpoints serve, by repo id (none given: hardware is not sized).
    """
    settings = settings or AdvisorSettings()
    now = report.generated_at
    index = HistoryIndex(history)
    found: list[Finding | None] = []
    not_judged: list[tuple[str, str]] = []
    checked: Counter[tuple[str, str]] = Counter()
    for row in report.endpoints:
        checked[row.endpoint.namespace, "endpoint"] += 1
        changes = index.changes_of("endpoint", row.endpoint.id)
        if models is not None:
            sizing = oversized(row, models.get(row.endpoint.repository or ""), catalog, settings,
                               period_hours(report, row.endpoint.namespace))
            found.append(sizing.finding)
            not_judged += [(row.endpoint.namespace, sizing.not_judged)] if sizing.not_judged else []
        found += [cannot_scale_to_zero(row, settings), idle_timeout_tail(row, history, changes, settings, now),
                  forgotten("endpoint", row.endpoint.id, row.endpoint.namespace, row.cost.cost_per_hour_usd,
                            row.cost.replicas, changes, history, settings, now, row.endpoint.updated_at,
                            so_far(row.cost), price=row.cost.price,
                            unknown_why=STALE_RATE_WHY if row.cost.stale else None)]
    for space_row in report.spaces:
        s = space_row.space
        hardware = s.hardware or s.requested_hardware
        if not hardware and unknown_stage(s) is not None:  # listed without its runtime: nothing to judge it by
            not_judged.append((s.namespace, f"space {s.id}: not judged: its stage, hardware and sleep time are "
                                            "unknown (listed without its runtime)"))
            continue
        gpu = bool(hardware) and catalog.is_gpu("space", hardware or "")
        # billed now, or maybe: its sleep rules have nothing to go on
        if gpu and s.never_sleeps is None and space_row.cost.billed_now is not False:
            not_judged.append((s.namespace, f"space {s.id}: sleep time not judged: the runtime did not say it"))
        checked[s.namespace, "space"] += 1
        changes = index.changes_of("space", s.id)
        found += [no_sleep_time(space_row, gpu, settings),
                  long_sleep_time(space_row, gpu, history, changes, settings, now),
                  None if space_row.cost.granted or space_row.cost.zero_gpu else forgotten(  # time up: free
                      "space", s.id, s.namespace, space_row.cost.cost_per_hour_usd, space_row.cost.replicas,
                      changes, history, settings, now, so_far_usd=so_far(space_row.cost),
                      unknown_why=STALE_RATE_WHY if space_row.cost.stale else
                      None if space_row.cost.granted is not None else MAYBE_GRANTED,
                      price=space_row.cost.price)]
    found += storage_findings(report.storage, catalog.bundled)
    for ns in report.storage.by_namespace:
        if ns.private_bytes is not None and ns.private_limit_bytes is not None:
            checked[ns.namespace, "storage"] += 1
        elif ns.private_bytes is not None:
            not_judged.append((ns.namespace, f"storage {ns.namespace}: not compared with the plan: its private "
                                             "storage limit is unknown"))
    found += job_findings(report.jobs)
    checked.update((row.job.namespace, "job") for row in report.jobs)
    by_provider, provider_notes, models_judged = provider_findings(report, settings)
    checked.update((ns, "model") for ns in models_judged)
    found += by_provider
    not_judged += provider_notes
    findings = sorted((f for f in found if f is not None),
                      key=lambda f: (not f.recurring, f.saving_usd_month is None, -(f.saving_usd_month or 0),
                                     -(f.one_off_usd or 0), f.resource, f.kind))
    unchecked = (*report.namespaces_unknown,  # which namespaces there are is unknown: none was looked at
                 *(s.name for s in report.sources  # no value to look at: failed, or the token may not read it
                   if s.kind in ("endpoints", "spaces", "storage", "jobs", "models") and s.value_missing))
    scheduled = scheduled_costs(report.scheduled_jobs or (), now)
    return Advice(now, tuple(findings), total_saving(findings, unchecked), scheduled, unchecked,
                  pace_warnings(report), (*not_judged, *pace_unjudged(report)), settings.hours_per_month,
                  report.scheduled_jobs_missing, tuple((ns, kind, n) for (ns, kind), n in checked.items()))


def advice_in(advice: Advice, namespace: str | None) -> Advice:
    """The advice on one namespace (None: all of them): its findings and their total, what was judged and not,
    and the listings not read there (or account-wide, as `account`: which namespaces there are)."""
    if namespace is None:
        return advice
    findings = tuple(f for f in advice.findings if f.namespace == namespace)
    unchecked = tuple(name for name in advice.unchecked if name.partition(":")[2] in ("", namespace))
    return replace(advice, findings=findings, total_usd_month=total_saving(findings, unchecked), unchecked=unchecked,
                   not_judged=tuple(n for n in advice.not_judged if n[0] == namespace),
                   checked=tuple(c for c in advice.checked if c[0] == namespace))


def best_per_resource(findings: list[Finding] | tuple[Finding, ...]) -> dict[str, Finding]:
    """The monthly finding with the largest saving on each resource (an unknown one only when no other is known);
    findings about one past run (`recurring` False) save nothing a month and are left out."""
    best: dict[str, Finding] = {}
    for f in (f for f in findings if f.recurring):
        held = best.get(f.key)
        if held is None or (held.saving_usd_month is None and f.saving_usd_month is not None) or (
                f.saving_usd_month is not None and held.saving_usd_month is not None
                and f.saving_usd_month > held.saving_usd_month):
            best[f.key] = f
    return best


def total_saving(findings: list[Finding] | tuple[Finding, ...], unchecked: tuple[str, ...] = ()) -> Total[Decimal]:
    """The savings of the best finding per resource added up; an unknown one names its resource as missing, and
    so does each source that was not looked at (`unchecked`: more savings may be in it)."""
    return Total.of([*((f"unknown:{key}", f.saving_usd_month) for key, f in best_per_resource(findings).items()),
                     *((name, None) for name in unchecked)], Decimal(0))

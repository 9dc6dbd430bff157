"""The versioned JSON document of a Report (`hfmon --once --json`, the TUI's export). Pure.

Keys are snake_case, money is USD as numbers (rounded to the micro-dollar), times are ISO 8601 UTC with
`Z`, sizes are bytes. A total whose parts may be missing is an object (`total`). `hfmon/schemas/once-v7.json`
is the JSON Schema of this document.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, TextIO

from hfmon.clock import iso
from hfmon.costs.billing_rules import expose_usd_per_hour
from hfmon.costs.windows import WINDOWS
from hfmon.ledger import CheaperElsewhere, ProxyUsage, UsageFigures
from hfmon.models import Endpoint, Space
from hfmon.report import Credits, CreditsBurn, JobRow, Report, ResourceCost, ResourceGroupSpend, SpendIn, Total

# 7: credits whose included amount is unknown are an entry with what depends on it null, and `why`; invoices and
# scheduled_jobs are null when nothing was read, with `invoices_missing` and `scheduled_jobs_missing`; then likewise
# resource_groups (with `resource_groups_missing`: the sources of the orgs whose groups are unknown); account.orgs
# null (orgs_why) when whoami did not list them; request counts HF did not give null; not_broken_down's figures null
# (never negative) with `why`;
# 6: storage bytes are totals, not_broken_down may be null, namespaces_unknown and crosscheck_unchecked;
# 5: repositories (downloads, likes, storage, last change) and org members; 4: the proxy ledger's figures
# (inference.by_model, inference.proxy); 3: windows; 2: totals are objects that say what is missing (1 printed
# 0.0 for unknown). Every earlier field is kept.
SCHEMA_VERSION = 7
_MICRO = Decimal("0.000001")


def encode_document(document: dict[str, Any]) -> bytes:
    """`document` as UTF-8 JSON indented by two spaces, with a final newline.

    orjson, because Python's json cannot use its C encoder when it indents (1.7 s at 20× the benchmark account,
    against 0.1 s). The same document, laid out line for line like `json.dumps(document, indent=2)`; text outside
    ASCII is UTF-8 instead of \\u escapes, and exponents read `8e-6`, not `8e-06`. What orjson refuses (an integer
    beyond 64 bits) is written by json.
    """
    import orjson  # only a JSON output needs it

    layout = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
    try:
        # keys are strings: orjson's fast path (OPT_NON_STR_KEYS takes a slower one, 1/3 of the time at 20×)
        return orjson.dumps(document, option=layout)
    except orjson.JSONEncodeError:
        pass
    try:  # a key that is not a string (a number, None) is written as json writes it
        return orjson.dumps(document, option=layout | orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def write_document(document: dict[str, Any], out: TextIO) -> None:
    """Write `document` (see `encode_document`) to a text stream in one write: as bytes to its binary buffer when it
    has one (UTF-8 whatever the locale's encoding), else as text."""
    data = encode_document(document)
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(data.decode())
        return
    out.flush()  # whatever was written as text first stays first
    buffer.write(data)
    buffer.flush()


def usd(value: Decimal | None) -> float | None:
    """A Decimal amount as a JSON number rounded to the micro-dollar (None stays null)."""
    if value is None:
        return None
    if not value:  # zero, the commonest amount (idle resources, nothing billed); a negative zero stays -0.0
        return -0.0 if value.is_signed() else 0.0
    # a large account's document repeats a few thousand amounts (prices, $/h) tens of thousands of times; equal
    # non-zero amounts round to the same number
    rounded = _ROUNDED.get(value)
    if rounded is None:
        rounded = _ROUNDED[value] = float(value.quantize(_MICRO))
    return rounded


_ROUNDED: dict[Decimal, float] = {}
"""`usd`'s amounts already rounded, emptied at each document (`report_document`): bounded by one document's."""


def number(value: Decimal | None, places: str = "0.01") -> float | None:
    """A non-money Decimal (hours, percent, days) as a JSON number."""
    if value is None:
        return None
    exponent = _EXPONENTS.get(places)
    if exponent is None:
        exponent = _EXPONENTS[places] = Decimal(places)
    return float(value.quantize(exponent))


_EXPONENTS: dict[str, Decimal] = {}
"""`number`'s places as Decimals, each parsed once (a large account's document has tens of thousands of numbers)."""


def when(value: datetime | None) -> str | None:
    """A datetime as ISO 8601 UTC with Z (None stays null)."""
    return None if value is None else iso(value)


def total(value: Total[Decimal] | Total[int]) -> dict[str, Any]:
    """A Total: `value` only when complete (else null), `at_least` the known parts, `missing` the rest."""
    def out(n: Decimal | int | None) -> float | int | None:
        return usd(n) if isinstance(n, Decimal) else n

    return {"value": out(value.value), "at_least": out(value.known), "complete": value.complete,
            "missing": list(value.missing)}


def report_document(report: Report) -> dict[str, Any]:
    """The whole Report as the version-1 JSON document."""
    _ROUNDED.clear()
    user = report.account.name if report.account else None
    credits = [_credits(c) for c in report.credits] + [_credits(burn, why) for burn, why in report.credits_unknown]
    user_credits = next((c for c in credits if c["namespace"] == user), None)
    current = set(report.current_flags)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": when(report.generated_at),
        "account": _account(report),
        "namespaces_unknown": list(report.namespaces_unknown),
        "credits": user_credits,
        "org_credits": [c for c in credits if c is not user_credits],
        "inference": {
            "cost_usd": total(report.inference.cost_usd),
            "requests": total(report.inference.requests),
            "by_provider": [{"provider": p.name, "requests": p.requests, "cost_usd": usd(p.cost_usd)}
                            for p in report.inference.by_provider],
            "not_broken_down": None if (rest := report.inference.not_broken_down) is None else {
                "requests": rest.requests, "cost_usd": usd(rest.cost_usd), "why": rest.why},
            "by_model": _by_model(report.proxy),
            "proxy": _proxy(report.proxy),
            "this_period_usd": total(report.billed_for("inference", None)),
            "other_period_starts": [{"namespace": ns, "start": when(start)}
                                    for ns, start in report.inference_elsewhen],
        },
        "spend": [{"namespace": sp.namespace, "inference_usd": usd(sp.inference_usd),
                   "endpoints_usd": usd(sp.endpoints_usd), "spaces_usd": usd(sp.spaces_usd),
                   "jobs_usd": usd(sp.jobs_usd), "storage_usd": usd(sp.storage_usd), "other_usd": usd(sp.other_usd),
                   "total_usd": total(sp.total_usd), "inference_period_start": when(sp.inference_period_start),
                   "inference_at_most_usd": usd(sp.inference_at_most_usd),
                   "behind": [{"product": b.product, "statement_usd": usd(b.statement_usd), "at_least_usd": usd(b.usd),
                               "source": b.source} for b in sp.behind]}
                  for sp in report.spend],
        "resource_groups": [_group(g) for g in report.resource_groups] if report.resource_groups is not None else None,
        "resource_groups_missing": list(report.resource_groups_missing),
        "scheduled_jobs": [{"namespace": s.job.namespace, "id": s.job.id, "schedule": s.job.schedule,
                            "suspended": s.job.suspended, "next_run_at": when(s.job.next_run_at),
                            "last_run_at": when(s.job.last_run_at), "flavor": s.job.flavor,
                            "timeout_s": s.job.timeout_s,
                            "price_per_hour_usd": usd(s.price.usd_per_hour) if s.price else None,
                            "price_source": s.price.source.value if s.price else None,
                            "max_run_usd": usd(s.max_run_usd), "attempts": s.job.attempts,
                            "max_attempt_usd": usd(s.max_attempt_usd)} for s in report.scheduled_jobs]
        if report.scheduled_jobs is not None else None,
        "scheduled_jobs_missing": list(report.scheduled_jobs_missing),
        "invoices": [{"namespace": i.namespace, "issued": i.issued, "status": i.status,
                      "amount_due_usd": usd(i.amount_due_usd), "total_usd": usd(i.total_usd), "due_at": when(i.due_at)}
                     for i in report.invoices] if report.invoices is not None else None,
        "invoices_missing": list(report.invoices_missing),
        "windows": _windows(report),
        "repositories": _repositories(report),
        "running_cost_per_hour_usd": total(report.running_cost_per_hour_usd),
        "meter": [{"namespace": m.namespace, "kind": m.kind, "usd_per_hour": total(m.usd_per_hour),
                   "billed_now": m.billed_now, "billed_now_unknown": list(m.billed_now_unknown)}
                  for m in report.meter_rows],
        "endpoints": [_endpoint(row.endpoint, row.cost) for row in report.endpoints],
        "spaces": [_space(row.space, row.cost, row.gpu_hours) for row in report.spaces],
        "jobs": [_job(row) for row in report.jobs],
        "gpu_hours_by_hardware": {hw: number(hours) for hw, hours in report.gpu_hours_by_hardware},
        "gpu_hours_missing": list(report.gpu_hours_missing),
        "storage": {
            "private_bytes": total(report.storage.private_bytes),
            "public_bytes": total(report.storage.public_bytes),
            "private_limit_bytes": report.storage.private_limit_bytes,
            "by_namespace": [{"namespace": n.namespace, "private_bytes": n.private_bytes,
                              "private_limit_bytes": n.private_limit_bytes, "share": number(n.share, "0.0001"),
                              "over_bytes": n.over_bytes, "public_bytes": n.public_bytes}
                             for n in report.storage.by_namespace],
            "repos": [{"id": r.id, "namespace": r.namespace, "type": r.type, "private": r.private,
                       "bytes": r.bytes} for r in report.storage.repos],
        },
        "zero_gpu": None if report.zero_gpu is None else {
            "base_s": report.zero_gpu.base_s,
            "remaining_s": report.zero_gpu.remaining_s,
            "resets_at": when(report.zero_gpu.resets_at),
            "overquota_used_s": report.zero_gpu.overquota_used_s,
            "runs": None if report.zero_gpu.runs is None else {
                "used": report.zero_gpu.runs.used, "limit": report.zero_gpu.runs.limit,
                "remaining": report.zero_gpu.runs.remaining, "resets_at": when(report.zero_gpu.runs.resets_at)},
        },
        "crosscheck": [{"item": c.item, "billed_usd": usd(c.billed_usd),
                        "recomputed_usd": usd(c.recomputed_usd), "delta_usd": usd(c.delta_usd),
                        "status": c.status.value, "note": c.note, "namespace": c.namespace}
                       for c in report.crosscheck],
        "crosscheck_unchecked": list(report.crosscheck_unchecked),
        "unpriced": list(report.unpriced),
        "unpriced_missing": list(report.unpriced_missing),
        "flags": [{"kind": f.kind, "subject": f.subject, "message": f.message, "severity": f.severity.value,
                   "stale": f not in current} for f in report.flags],
        "flags_unchecked": list(report.flags_unchecked),
        "sources": {s.name: {"status": s.status.value, "failure": s.failure.value if s.failure else None,
                             "fetched_at": when(s.fetched_at), "age_s": s.age_s, "error": s.error, "hint": s.hint,
                             "from_cache": s.from_cache, "read_in_part": s.read_in_part}
                    for s in report.sources},
    }


def _windows(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, _ in WINDOWS:
        whole = report.window_total(name)
        if whole is None:
            continue
        out[name] = {"spend_usd": total(whole.spend_usd), "previous_usd": total(whole.previous_usd),
                     "trend_pct": number(whole.trend_pct, "0.1"),
                     "namespaces": [{"namespace": w.namespace, "current": _spend_in(w.current, w.namespace),
                                     "previous": _spend_in(w.previous, w.namespace)}
                                    for w in report.windows if w.window == name]}
    return out


def _spend_in(s: SpendIn, namespace: str) -> dict[str, Any]:
    # a part known only in part (the Jobs listed so far) is null, like an unknown one: the total says at least
    return {"start": when(s.start), "end": when(s.end),
            **{f"{p}_usd": usd(s.part(p, namespace).value) for p in SpendIn.PRODUCTS},
            "total_usd": total(s.total_usd(namespace))}


def _account(report: Report) -> dict[str, Any] | None:
    if report.account is None:
        return None
    return {
        "name": report.account.name,
        "type": report.account.type,
        "plan": report.account.plan,
        "orgs": None if report.orgs_unread else [
            {"name": o.name, "plan": o.plan, "role": o.role, "billing_access": o.billing_access} for o in report.orgs],
        "orgs_why": report.orgs_why,
        "billing_access": report.billing_access,
    }


def _credits(c: CreditsBurn, why: str | None = None) -> dict[str, Any]:
    """A namespace's credits; without the included amount (`why` says why), what depends on it is null."""
    full = c if isinstance(c, Credits) else None
    return {
        "namespace": c.namespace,
        "period_start": when(c.period_start),
        "period_end": when(c.period_end),
        "included_usd": usd(full.included_usd) if full else None,
        "used_usd": usd(c.used_usd),
        "remaining_usd": usd(full.remaining_usd) if full else None,
        "overage_usd": usd(full.overage_usd) if full else None,
        "limit_usd": usd(c.limit_usd),
        "burn_rate_usd_per_day": usd(c.burn_rate_usd_per_day),
        "burn_rate_24h_usd_per_day": usd(c.burn_rate_24h_usd_per_day),
        "burn_rate_24h_why": c.burn_rate_24h_why,
        "projected_period_usd": usd(c.projected_period_usd),
        "exhausts_at": when(full.exhausts_at) if full else None,
        "limit_hit_at": when(c.limit_hit_at),
        "days_left": number(c.days_left),
        "provisional_usd": usd(c.provisional_usd),
        "projection_rate_usd_per_day": usd(c.rate_usd_per_day),
        "rate_measured_from": when(c.rate_from),
        "rate_measured_to": when(c.rate_to),
        "rate_includes_unsettled": not c.rate_settled,
        "rate_unknown_why": c.rate_unknown_why,
        "fell_usd": usd(c.fell_usd),
        "fell_since": when(c.fell_since),
        "why": why,
    }


def _group(g: ResourceGroupSpend) -> dict[str, Any]:
    return {
        "namespace": g.namespace, "id": g.id, "name": g.name, "period_start": when(g.period),
        "inference_usd": usd(g.inference_usd), "spaces_usd": usd(g.spaces_usd), "endpoints_usd": usd(g.endpoints_usd),
        "jobs_usd": usd(g.jobs_usd), "total_usd": usd(g.total_usd), "private_gb": number(g.private_gb, "0.001"),
        "public_gb": number(g.public_gb, "0.001"),
        "spend_unknown_why": g.spend_unknown_why,
        "limits": [{"product": lim.product, "limit_usd": usd(lim.limit_usd), "spent_usd": usd(lim.spent_usd),
                    "used_pct": number(lim.used_pct, "0.1"), "state": lim.state}
                   for lim in g.limits] if g.limits is not None else None,
    }


def _cost(cost: ResourceCost, row: dict[str, Any]) -> dict[str, Any]:
    """`row` (a resource's fields) with its cost's fields added after them (no dict built to be merged)."""
    price = cost.price
    row["price_per_hour_usd"] = usd(price.usd_per_hour) if price else None
    row["price_source"] = str(price.source) if price else None  # a StrEnum's value (`.value` is 4x slower)
    row["cost_per_hour_usd"] = usd(cost.cost_per_hour_usd)
    row["billed_hours"] = number(cost.billed_hours, "0.0001")
    row["billed_usd"] = usd(cost.billed_usd)
    row["recomputed_usd"] = usd(cost.recomputed_usd)
    row["uptime_pct"] = number(cost.uptime_pct)
    row["uptime_24h_pct"] = number(cost.uptime_24h_pct)
    row["uptime_at_least_pct"] = number(cost.uptime_at_least_pct)
    row["uptime_unwatched_pct"] = number(cost.uptime_unwatched_pct)
    row["uptime_24h_at_least_pct"] = number(cost.uptime_24h_at_least_pct)
    row["uptime_24h_unwatched_pct"] = number(cost.uptime_24h_unwatched_pct)
    row["uptime_state_unknown_pct"] = number(cost.uptime_state_unknown_pct)
    row["uptime_24h_state_unknown_pct"] = number(cost.uptime_24h_state_unknown_pct)
    row["uptime_why"] = cost.uptime_why
    row["to_period_end_usd"] = usd(cost.to_period_end_usd)
    row["to_period_end_why"] = cost.to_period_end_why  # a Job's has its place among its fields already
    return row


def _endpoint(e: Endpoint, cost: ResourceCost) -> dict[str, Any]:
    return _cost(cost, {
        "namespace": e.namespace, "name": e.name, "state": e.state, "vendor": e.vendor, "region": e.region,
        "instance_type": e.instance_type, "instance_size": e.instance_size, "replicas": cost.replicas,
        "min_replica": e.min_replica, "max_replica": e.max_replica,
    })


def _space(s: Space, cost: ResourceCost, gpu_hours: Decimal | None) -> dict[str, Any]:
    row = _cost(cost, {
        "id": s.id, "namespace": s.namespace, "stage": s.stage, "hardware": s.hardware,
        "requested_hardware": s.requested_hardware, "sleep_time_s": s.sleep_time_s,
        "sleep_time_why": "the runtime did not send gcTimeout" if s.sleep_time_unsent else None,
        "replicas": cost.replicas, "gpu_hours": number(gpu_hours, "0.0001"),
    })
    row["granted"] = cost.granted
    return row


def _job(row: JobRow) -> dict[str, Any]:
    j = row.job
    return _cost(row.cost, {
        "id": j.id, "namespace": j.namespace, "stage": j.stage, "flavor": j.flavor, "running_s": j.running_s,
        "started_at": when(j.started_at), "timeout_s": j.timeout_s, "ends_by": when(row.cost.ends_by),
        "to_period_end_why": row.cost.to_period_end_why,
        "exposed_ports": list(j.exposed_ports), "expose_usd_per_hour": usd(expose_usd_per_hour(j.exposed)),
        "attempts": j.attempts,
        "billed_why": row.cost.billed_why,
    })


def _figures(f: UsageFigures, key: str) -> dict[str, Any]:
    """One model's or provider's figures over a window."""
    return {key: f.name, "requests": f.requests, "errors": f.errors, "error_pct": number(f.error_pct),
            "p50_latency_s": _seconds(f.p50_latency_s), "p95_latency_s": _seconds(f.p95_latency_s),
            "prompt_tokens": f.prompt_tokens, "completion_tokens": f.completion_tokens,
            "estimated_usd": total(f.estimated_usd), "settled_usd": total(f.settled_usd),
            "requests_trend_pct": number(f.requests_trend_pct), "estimated_trend_pct": number(f.estimated_trend_pct),
            "requests_owner_unknown": f.requests_owner_unknown, "requests_lost": f.requests_lost}


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _cheaper(c: CheaperElsewhere | None) -> dict[str, Any]:
    cheapest = c.cheapest if c is not None else None
    options = c.options if c is not None else None  # None: the router's prices were not read
    return {"providers": None if options is None else [{"provider": p, "cost_usd": usd(v)} for p, v in options],
            "cheapest": cheapest[0] if cheapest else None, "cheapest_usd": usd(cheapest[1]) if cheapest else None,
            "cheapest_policy_requests": c.cheapest_policy_requests if c else None,
            "cheapest_policy_misses": c.cheapest_policy_misses if c else None}


def _by_model(proxy: ProxyUsage | None) -> list[dict[str, Any]]:
    """Each model's requests through the proxy this billing period (the `period` window)."""
    period = proxy.window("period") if proxy is not None else None
    if proxy is None or period is None:
        return []
    cheaper = {c.model: c for c in proxy.cheaper}
    return [_figures(m, "model") | {"cost_usd": usd(m.estimated_usd.value), "cheaper_elsewhere": _cheaper(
        cheaper.get(m.name))} for m in period.by_model]


def _proxy(proxy: ProxyUsage | None) -> dict[str, Any] | None:
    if proxy is None:
        return None
    return {"windows": [{"window": w.name, "start": when(w.start), "end": when(w.end),
                         "by_model": [_figures(f, "model") for f in w.by_model],
                         "by_provider": [_figures(f, "provider") for f in w.by_provider]} for w in proxy.windows]}


def _repositories(report: Report) -> dict[str, Any]:
    """Every repo with downloads, likes, storage and last change (null: unknown), the listings not read, members."""
    repos = report.repositories
    return {
        # a RepoRow unpacked as the tuple it is: half the time of reading its fields by name (50,000 rows at 20×)
        "repos": [{"namespace": namespace, "id": repo_id, "type": kind, "private": private, "storage_bytes": size,
                   "downloads": downloads, "likes": likes, "last_modified": None if modified is None else iso(modified)}
                  for namespace, repo_id, kind, private, size, downloads, likes, modified in repos.repos],
        "missing": list(repos.missing),
        "members": [{"namespace": m.namespace, "members": None if m.members is None else [
            {"user": u.user, "fullname": u.fullname, "role": u.role, "is_pro": u.is_pro} for u in m.members]}
            for m in repos.members],
    }

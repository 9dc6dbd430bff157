"""Pure parsers for identity and billing JSON (whoami-v2, usage-v2, usage/live, usage, usage/jobs, sessions)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hfmon.api.parse_common import (
    BYTES,
    CENTS,
    COUNT,
    MICRO_USD,
    MINUTES,
    NANO_USD,
    SECONDS,
    SIGNED_SECONDS,
    Json,
    Obj,
    as_list,
    as_obj,
    bad,
    cents,
    list_field,
    micro_usd,
    nano_usd,
    need,
    need_moment,
    need_name,
    need_number,
    need_str,
    need_usd,
    opt_bool,
    opt_int,
    opt_list,
    opt_moment,
    opt_number,
    opt_obj,
    opt_str,
    plain_moment,
    to_int,
)
from hfmon.errors import NoAccessError
from hfmon.models import (
    Account,
    BillingUsage,
    GroupMembership,
    InferenceUsage,
    Invoice,
    JobCharge,
    JobsSpend,
    LiveUsage,
    Org,
    PeriodStatement,
    ProviderSpend,
    SessionCost,
    UsageLine,
    ZeroGpuQuota,
    ZeroGpuRuns,
)
from hfmon.scrub import is_clean


def parse_membership(data: Json, where: str) -> GroupMembership:
    """One entry of whoami's `orgs[].resourceGroups`: a group the user belongs to (id and name required)."""
    g = as_obj(data, where)
    return GroupMembership(id=need_str(g, "id", where), name=need_str(g, "name", where), role=opt_str(g, "role"))


def parse_org(data: Json, where: str) -> Org:
    """One entry of whoami's `orgs[]`, with the user's resource groups in it when whoami lists them."""
    o = as_obj(data, where)
    # `resourceGroups` is optional (hf-openapi.json): absent or null says nothing of them, [] says none
    groups = None if o.get("resourceGroups") is None else tuple(
        parse_membership(g, f"{where}.resourceGroups[{i}]")
        for i, g in enumerate(list_field(o, "resourceGroups", where)))
    return Org(
        name=need_name(o, "name", where),
        role=opt_str(o, "roleInOrg"),
        plan=opt_str(o, "plan"),
        billing_mode=opt_str(o, "billingMode"),
        resource_groups=groups,
    )


def _permissions(auth: Obj, user_name: str) -> frozenset[str]:
    """Fine-grained permissions that apply to the user entity, plus the global ones."""
    fine = opt_obj(opt_obj(auth, "accessToken"), "fineGrained")
    perms: set[str] = {p for p in opt_list(fine, "global") if isinstance(p, str)}
    for scope in opt_list(fine, "scoped"):
        if not isinstance(scope, dict):
            continue
        entity = opt_obj(scope, "entity")
        if entity.get("type") == "user" and entity.get("name") == user_name:
            perms.update(p for p in opt_list(scope, "permissions") if isinstance(p, str))
    return frozenset(perms)


def parse_whoami(data: Json) -> Account:
    """`GET /api/whoami-v2` → Account, with each org's plan and role."""
    w = "whoami"
    d = as_obj(data, w)
    name = need_name(d, "name", w)
    auth = opt_obj(d, "auth")
    # `orgs` is required (hf-openapi.json): missing or null says nothing about the orgs, so they are unknown, not none
    listed = d.get("orgs")
    orgs = None if listed is None else tuple(
        parse_org(o, f"{w}.orgs[{i}]") for i, o in enumerate(list_field(d, "orgs", w)))
    return Account(
        name=name,
        type=opt_str(d, "type") or "user",
        full_name=opt_str(d, "fullname"),
        is_pro=opt_bool(d, "isPro") or False,
        can_pay=opt_bool(d, "canPay") or False,
        billing_mode=opt_str(d, "billingMode"),
        orgs=orgs,
        token_role=opt_str(opt_obj(auth, "accessToken"), "role"),
        token_permissions=_permissions(auth, name),
    )


def parse_inference(d: Obj, where: str) -> InferenceUsage:
    """The inference block of usage-v2 (`usage.inferenceProviders`) or of usage/live (`inference`)."""
    limit = opt_number(d, "limitNanoUsd", where, NANO_USD)
    included = opt_number(d, "includedNanoUsd", where, NANO_USD)  # absent in real payloads (hf-api.md 0.5)
    return InferenceUsage(
        used_usd=nano_usd(need_number(d, "usedNanoUsd", where, NANO_USD)),
        included_usd=None if included is None else nano_usd(included),  # absent: unknown, never $0 of credits
        limit_usd=nano_usd(limit) if limit else None,  # 0 or absent: no limit set
        requests=opt_int(d, "numRequests", where, COUNT),  # absent: unknown (no spec schema says it is always sent)
        period_start=opt_moment(d, "periodStart", where),
        period_end=opt_moment(d, "periodEnd", where),
    )


def parse_usage_v2(data: Json, namespace: str) -> BillingUsage:
    """`GET .../billing/usage-v2` → BillingUsage (without the live-only parts)."""
    w = "usage-v2"
    usage = as_obj(need(as_obj(data, w), "usage", w), f"{w}.usage")
    inference = parse_inference(as_obj(need(usage, "inferenceProviders", f"{w}.usage"),
                                       f"{w}.usage.inferenceProviders"), f"{w}.usage.inferenceProviders")
    jobs = None
    if isinstance(usage.get("jobs"), dict):
        j, jw = usage["jobs"], f"{w}.usage.jobs"
        used = opt_number(j, "usedMicroUsd", jw, MICRO_USD)
        jobs = JobsSpend(used_usd=None if used is None else micro_usd(used),  # absent: unknown, never $0
                         minutes=opt_number(j, "totalMinutes", jw, MINUTES),
                         period_start=opt_moment(j, "periodStart", jw), period_end=opt_moment(j, "periodEnd", jw))
    return BillingUsage(namespace=namespace, inference=inference, jobs=jobs)


def parse_live(data: Json, base: BillingUsage) -> BillingUsage:
    """Fold one complete `usage/live` event into usage-v2's BillingUsage: per-provider spend and storage."""
    return with_live(base, parse_live_usage(data))


def with_live(base: BillingUsage, live: LiveUsage, later: bool = False) -> BillingUsage:
    """usage-v2's BillingUsage with the live stream's per-provider spend and storage; `later`: with the live event's
    Inference Providers spend and request count too, HF's later figure of the same period
    (`source_results.live_is_later`), so the total, its count and its split are one event's."""
    if later and live.inference is not None:
        # the event's count goes with its spend: usage-v2's earlier count beside a later split would make the rest
        # negative; an event without numRequests leaves the count unknown, never usage-v2's smaller one
        said = live.inference
        base = replace(base, inference=replace(base.inference, used_usd=said.used_usd, requests=said.requests))
    return replace(base, by_provider=live.by_provider, private_storage_bytes=live.private_storage_bytes,
                   private_storage_limit_bytes=live.private_storage_limit_bytes,
                   public_storage_bytes=live.public_storage_bytes)


def parse_live_usage(data: Json) -> LiveUsage:
    """One complete `usage/live` event → its per-provider spend and storage."""
    w = "usage/live"
    d = as_obj(data, w)
    inference = opt_obj(d, "inference")
    providers: list[ProviderSpend] = []
    split_known = True
    for i, raw in enumerate(list_field(inference, "providerDetails", w)):
        pw = f"{w}.providerDetails[{i}]"
        p = as_obj(raw, pw)
        cost = opt_number(p, "totalCostNanoUsd", pw, NANO_USD)
        if cost is None:  # a provider without its cost: the split is unknown (all "not broken down"), never $0
            split_known = False
            break
        providers.append(ProviderSpend(
            provider=need_str(p, "provider", pw),
            requests=opt_int(p, "numRequests", pw, COUNT),  # absent: unknown, never 0
            cost_usd=nano_usd(cost),
        ))
    storage = opt_obj(d, "storage")
    sw = f"{w}.storage"
    return LiveUsage(
        inference=parse_inference(inference, f"{w}.inference") if "usedNanoUsd" in inference else None,
        by_provider=tuple(providers) if split_known else None,
        private_storage_bytes=opt_int(storage, "usedPrivate", sw, BYTES),
        # 0 is HF's "no limit given", as `publicStorageLimit: 0` beside it (best-effort public storage) and usage-v2's
        # `limitNanoUsd: 0`: no plan has 0 bytes of private storage (Free 100 GB, PRO and each seat 1 TB:
        # hf-api.md 8.3), so the limit is unknown, never a 0-byte plan every private byte is over
        private_storage_limit_bytes=opt_int(storage, "privateStorageLimit", sw, BYTES) or None,
        public_storage_bytes=opt_int(storage, "usedPublic", sw, BYTES),
    )


def is_complete_live(data: Json) -> bool:
    """Whether a `usage/live` event carries the inference usage (the first one may be partial without it)."""
    return isinstance(data, dict) and isinstance(data.get("inference"), dict) and "usedNanoUsd" in data["inference"]


_COUNT_HIGH, _MICRO_USD_HIGH = int(COUNT.high), int(MICRO_USD.high)  # as ints (faster); both bounds start at 0


def _plain_usage_line(line: dict[str, Json], group: str) -> UsageLine | None:
    """The line of a row whose fields have the usual types (integer quantity and amounts inside their bounds, clean
    text, ISO times), read without the general checks; None for any other row (`_usage_line` then gives the same
    line or names what is wrong). A 20x statement has 5,000 lines."""
    product, label, entity_id = line.get("product"), line.get("label"), line.get("entityId")
    quantity, unit, total = line.get("quantity"), line.get("unitCostMicroUSD"), line.get("totalCostMicroUSD")
    if not (type(product) is str and (label is None or type(label) is str)
            and (entity_id is None or type(entity_id) is str)
            and type(quantity) is int and 0 <= quantity <= _COUNT_HIGH
            and type(unit) is int and 0 <= unit <= _MICRO_USD_HIGH
            and type(total) is int and 0 <= total <= _MICRO_USD_HIGH
            # None reads "None", clean: one check for the three (a token across two fields only costs speed)
            and is_clean(f"{product} {label} {entity_id}")):
        return None
    started_at, stopped_at = plain_moment(line.get("startedAt")), plain_moment(line.get("stoppedAt"))
    active, grant = line.get("active"), line.get("freeGrant")
    if started_at is False or stopped_at is False or (active is not None and type(active) is not bool) or (
            grant is not None and type(grant) is not bool):
        return None
    return UsageLine(product, label, entity_id, Decimal(quantity), micro_usd(Decimal(unit)),
                     micro_usd(Decimal(total)), started_at, stopped_at, active, group,
                     grant)


def _usage_line(raw: Json, group: str, index: int) -> UsageLine:
    """Line `index` of statement group `group`: the usual row as it is (`_plain_usage_line`), any other checked field
    by field (`_checked_usage_line`)."""
    plain = _plain_usage_line(raw, group) if type(raw) is dict else None
    return _checked_usage_line(raw, group, f"billing/usage.usage.{group}[{index}]") if plain is None else plain


def _checked_usage_line(raw: Json, group: str, where: str) -> UsageLine:
    """One statement line, every field checked (BadResponseError naming the field)."""
    line = as_obj(raw, where)
    return UsageLine(
        product=need_str(line, "product", where),
        label=opt_str(line, "label"),
        entity_id=opt_str(line, "entityId"),
        quantity=need_number(line, "quantity", where, COUNT),
        unit_cost_usd=micro_usd(need_number(line, "unitCostMicroUSD", where, MICRO_USD)),
        total_usd=micro_usd(need_number(line, "totalCostMicroUSD", where, MICRO_USD)),
        started_at=opt_moment(line, "startedAt", where),
        stopped_at=opt_moment(line, "stoppedAt", where),
        active=opt_bool(line, "active"),  # required by the spec; absent: whether it still accrues is unknown
        group=group,
        free_grant=opt_bool(line, "freeGrant"),  # optional in the spec: absent is unknown, not False
    )


def parse_statement(data: Json, namespace: str) -> PeriodStatement:
    """`GET .../billing/usage` → the itemised statement of the current period."""
    w = "billing/usage"
    d = as_obj(data, w)
    period = as_obj(need(d, "period", w), f"{w}.period")
    # `usage` is required and each of its groups is a list of lines (spec): a statement without them is unreadable,
    # never an empty bill.
    groups = as_obj(need(d, "usage", w), f"{w}.usage")
    lines = tuple(
        _usage_line(raw, group, i)
        for group, items in groups.items()
        for i, raw in enumerate(as_list(items, f"{w}.usage.{group}"))
    )
    return PeriodStatement(
        namespace=namespace,
        period_id=opt_str(period, "_id"),
        period_start=need_moment(period, "periodStart", f"{w}.period"),
        period_end=need_moment(period, "periodEnd", f"{w}.period"),
        lines=lines,
        invoice=parse_invoice(period.get("invoice"), namespace, f"{w}.period.invoice"),
    )


def parse_invoice(data: Json, namespace: str, where: str) -> Invoice | None:
    """The statement's `period.invoice`: `{"type": "stripe", status, amountDueCents, ...}` or `no-invoice`."""
    if data is None:
        return None
    d = as_obj(data, where)
    if d.get("type") == "no-invoice":
        return Invoice(namespace, False, None, None, None, None)
    due, total = opt_number(d, "amountDueCents", where), opt_number(d, "totalCents", where)
    return Invoice(
        namespace=namespace,
        issued=True,
        status=opt_str(d, "status"),
        amount_due_usd=None if due is None else cents(due),
        total_usd=None if total is None else cents(total),
        due_at=opt_moment(d, "dueDate", where),
    )


def parse_job_charges(data: Json, forbidden_hint: str | None = None) -> tuple[JobCharge, ...]:
    """`GET .../billing/usage/jobs` → what each job cost in usage/jobs' own period (kept on each charge).
    `hasAccess` is required (spec): false means the token may not read them (NoAccessError, as a 403 is), never
    that nothing was charged."""
    w = "billing/usage/jobs"
    d = as_obj(data, w)
    access = need(d, "hasAccess", w)
    if access is not True:
        if access is False:
            raise NoAccessError("Hugging Face says this token may not read the Jobs charges (usage/jobs answered "
                                "hasAccess: false)", forbidden_hint or "the token lacks a permission for them")
        raise bad(f"{w}.hasAccess", f"expected a boolean, got {type(access).__name__}")
    usage = as_obj(need(d, "usage", w), f"{w}.usage")  # required, as its `jobDetails`: absent is not "no job"
    details = as_list(need(usage, "jobDetails", f"{w}.usage"), f"{w}.usage.jobDetails")
    # required (spec): usage/jobs runs on its own period anchor, which says which period its charges are of
    period_start, period_end = need_moment(usage, "periodStart", f"{w}.usage"), need_moment(usage, "periodEnd",
                                                                                              f"{w}.usage")
    out = []
    for i, raw in enumerate(details):
        jw = f"{w}.usage.jobDetails[{i}]"
        j = as_obj(raw, jw)
        out.append(JobCharge(
            job_id=need_str(j, "jobId", jw),
            flavor=opt_str(j, "hardwareFlavor") or "unknown",
            started_at=opt_moment(j, "startedAt", jw),
            completed_at=opt_moment(j, "completedAt", jw),
            minutes=need_number(j, "totalMinutes", jw, MINUTES),  # required (spec): absent is not 0 minutes
            cost_usd=micro_usd(need_number(j, "totalCostMicroUsd", jw, MICRO_USD)),
            period_start=period_start,
            period_end=period_end,
        ))
    return tuple(out)


def parse_sessions(data: Json) -> tuple[SessionCost, ...]:
    """`GET .../billing/usage-by-inference-session` → settled cost per session and monthly period."""
    w = "usage-by-inference-session"
    d = as_obj(data, w)
    need_usd(d, w)
    out = []
    for i, raw in enumerate(list_field(d, "periods", w)):
        pw = f"{w}.periods[{i}]"
        p = as_obj(raw, pw)
        period = need_moment(p, "period", pw)
        for k, s_raw in enumerate(list_field(p, "sessions", pw)):
            sw = f"{pw}.sessions[{k}]"
            s = as_obj(s_raw, sw)
            out.append(SessionCost(
                session_id=need_str(s, "id", sw),
                period=period,
                requests=opt_int(s, "requestCount", sw, COUNT),  # absent or a fraction: unknown, never 0
                cost_usd=cents(need_number(s, "costCents", sw, CENTS)),
            ))
    return tuple(out)


def parse_zero_gpu(data: Json) -> ZeroGpuQuota:
    """`GET /api/spaces/zero-gpu/quota` → ZeroGpuQuota (`current` is the remaining seconds)."""
    w = "zero-gpu/quota"
    d = as_obj(data, w)
    runs = None
    if isinstance(d.get("runs"), dict):
        r, rw = d["runs"], f"{w}.runs"
        runs = ZeroGpuRuns(used=opt_int(r, "used", rw, COUNT), limit=opt_int(r, "limit", rw, COUNT),
                           remaining=opt_int(r, "remaining", rw, COUNT), resets_at=opt_moment(r, "resetsAt", rw))
    return ZeroGpuQuota(
        base_s=to_int(need_number(d, "base", w, SECONDS)),
        remaining_s=to_int(need_number(d, "current", w, SIGNED_SECONDS)),
        resets_at=opt_moment(d, "resetsAt", w),
        overquota_used_s=opt_int(d, "overquotaUsed", w, SECONDS),
        runs=runs,
    )

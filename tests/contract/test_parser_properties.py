"""Every parser reads every payload the spec's schema allows: optional fields absent, nullable fields null, enum
values hfmon has no special case for, fractional numbers, unknown extra fields where the schema permits them.

Realistic payloads (numbers 0..4e9, years 2000-2100) must parse, and the figures that come out must mean what the
payload said (recomputed here from the payload, not from the parser). Wild payloads (any finite number, years
1-9999) may be refused, but only with a clean BadResponseError naming the field: never KeyError, TypeError, ...
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hfmon.api import parse_billing as pb
from hfmon.api import parse_groups as pg
from hfmon.api import parse_repos as prp
from hfmon.api import parse_resources as pr
from hfmon.errors import BadResponseError, NoAccessError
from tests.contract.evidence import LIVE_USAGE, USAGE_V2
from tests.contract.spec import response_schema
from tests.contract.strategies import Schema, from_schema

EXAMPLES = {False: 20, True: 10}  # realistic, wild: modest, the machine is shared


def exact(value: Any) -> Decimal:
    """A JSON number as the exact decimal it was written as."""
    return Decimal(str(value))


def when(text: str) -> datetime:
    """An ISO time of the spec's date-time pattern, as aware UTC (fraction cut to microseconds)."""
    head, _, frac = text.rstrip("Z").partition(".")
    moment = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return moment.replace(microsecond=int((frac + "000000")[:6])) if frac else moment


# --- meaning checks: what a user would compare between the payload and what hfmon shows ----------------------------

def check_whoami(payload: dict[str, Any], account: Any) -> None:
    assert account.name == payload["name"]
    assert [o.name for o in account.orgs] == [o["name"] for o in payload["orgs"]]
    assert [o.role for o in account.orgs] == [o.get("roleInOrg") for o in payload["orgs"]]
    assert [[(g.id, g.name, g.role) for g in o.resource_groups or ()] for o in account.orgs] == [
        [(g["id"], g["name"], g["role"]) for g in o.get("resourceGroups") or ()] for o in payload["orgs"]]


def check_statement(payload: dict[str, Any], statement: Any) -> None:
    items = [line for group in payload["usage"].values() for line in group]
    assert len(statement.lines) == len(items)
    for line, item in zip(statement.lines, items, strict=True):
        assert line.product == item["product"] and line.label == item["label"]
        assert line.quantity == exact(item["quantity"])
        assert line.total_usd == exact(item["totalCostMicroUSD"]).scaleb(-6)
        assert line.unit_cost_usd == exact(item["unitCostMicroUSD"]).scaleb(-6)
        assert line.active is item["active"]
    invoice = payload["period"].get("invoice")
    if invoice is None:
        assert statement.invoice is None
    elif invoice["type"] == "no-invoice":
        assert statement.invoice is not None and not statement.invoice.issued
    else:
        assert statement.invoice is not None and statement.invoice.status == invoice["status"]
        assert statement.invoice.amount_due_usd == exact(invoice["amountDueCents"]).scaleb(-2)
        assert statement.invoice.total_usd == exact(invoice["totalCents"]).scaleb(-2)
        assert statement.invoice.due_at == when(invoice["dueDate"])
    assert statement.period_start == when(payload["period"]["periodStart"])
    assert statement.period_end == when(payload["period"]["periodEnd"])


def job_charges_or_denied(payload: Any) -> Any:
    """The charges, or "denied" when the parser said the token may not read them (a NoAccessError)."""
    try:
        return pb.parse_job_charges(payload)
    except NoAccessError:
        return "denied"


def check_job_charges(payload: dict[str, Any], charges: Any) -> None:
    if payload["hasAccess"] is False:  # the spec's flag: no access, never an empty list of charges
        assert charges == "denied"
        return
    details = payload["usage"]["jobDetails"]
    assert [c.job_id for c in charges] == [d["jobId"] for d in details]
    assert [c.cost_usd for c in charges] == [exact(d["totalCostMicroUsd"]).scaleb(-6) for d in details]
    assert [c.minutes for c in charges] == [exact(d["totalMinutes"]) for d in details]
    assert [c.flavor for c in charges] == [d["hardwareFlavor"] or "unknown" for d in details]


def check_sessions(payload: dict[str, Any], sessions: Any) -> None:
    if sessions is None:  # not in USD: refused (usd_only)
        return
    rows = [s for period in payload["periods"] for s in period["sessions"]]
    assert [s.session_id for s in sessions] == [r["id"] for r in rows]
    assert [s.cost_usd for s in sessions] == [exact(r["costCents"]).scaleb(-2) for r in rows]


def check_zero_gpu(payload: dict[str, Any], quota: Any) -> None:
    assert quota.base_s == round(exact(payload["base"]))
    assert quota.remaining_s == round(exact(payload["current"]))
    resets = payload["resetsAt"]
    assert quota.resets_at == (None if resets is None else when(resets))


def check_jobs(payload: list[dict[str, Any]], jobs: Any) -> None:
    assert [(j.id, j.stage, j.flavor) for j in jobs] == [(p["id"], p["status"]["stage"], p["flavor"]) for p in payload]
    for job, raw in zip(jobs, payload, strict=True):
        running = raw.get("durations", {}).get("runningSecs")
        # a measure: rounded to the whole second (`Bound.measure`), never cut short
        assert job.running_s == (None if running is None else int(Decimal(repr(running)).to_integral_value()))
        assert job.started_at == (when(raw["startedAt"]) if "startedAt" in raw else None)
        assert job.exposed_ports == tuple(raw["expose"]["ports"] if "expose" in raw else ())


def check_repos(payload: list[dict[str, Any]], repos: Any) -> None:
    # a size with a fraction of a byte is unknown (None), never cut to the byte below
    assert [(r.id, r.type, r.bytes) for r in repos] == [
        (p["id"], p["type"], int(p["storage"]) if p["storage"] == int(p["storage"]) else None) for p in payload]
    for repo, raw in zip(repos, payload, strict=True):
        assert repo.private is (raw["visibility"] != "public")  # protected: its files are not public


def check_hardware(payload: list[dict[str, Any]], flavors: Any) -> None:
    assert [f.name for f in flavors] == [p["name"] for p in payload]
    assert [f.unit_cost_usd for f in flavors] == [exact(p["unitCostMicroUSD"]).scaleb(-6) for p in payload]


def check_usage_v2(payload: dict[str, Any], usage: Any) -> None:
    inference = payload["usage"]["inferenceProviders"]
    assert usage.inference.used_usd == exact(inference["usedNanoUsd"]).scaleb(-9)
    limit = inference.get("limitNanoUsd")
    assert usage.inference.limit_usd == (exact(limit).scaleb(-9) if limit else None)


def check_live(payload: dict[str, Any], usage: Any) -> None:
    details = payload["inference"].get("providerDetails", [])
    if any("totalCostNanoUsd" not in d for d in details):  # a provider without its cost: no split, never $0
        assert usage.by_provider is None
        return
    assert [p.provider for p in usage.by_provider] == [d["provider"] for d in details]
    assert [p.cost_usd for p in usage.by_provider] == [exact(d["totalCostNanoUsd"]).scaleb(-9) for d in details]


def check_resource_groups(payload: list[dict[str, Any]], groups: Any) -> None:
    keys = {"total": "total", "inferenceProviders": "inference", "spaces": "spaces", "endpoints": "endpoints",
            "jobs": "jobs"}
    assert [(g.id, g.name) for g in groups] == [(p["id"], p["name"]) for p in payload]
    for group, raw in zip(groups, payload, strict=True):
        limits = raw.get("spendLimits", {})
        assert dict(group.limits_usd) == {keys[k]: exact(v).scaleb(-2) for k, v in limits.items()}


def check_group_usage(payload: dict[str, Any], rows: Any) -> None:
    if rows is None:  # not in USD: refused (usd_only)
        return
    raw = [(p["period"], g) for p in payload["periods"] for g in p["resourceGroups"]]
    assert [(r.id, r.name) for r in rows] == [(g["id"], g["name"]) for _, g in raw]
    for row, (period, g) in zip(rows, raw, strict=True):
        assert row.period == when(period)
        assert row.inference_usd == exact(g["inference"]["costCents"]).scaleb(-2)
        assert (row.spaces_usd, row.endpoints_usd, row.jobs_usd) == tuple(
            exact(g["compute"][p]["costCents"]).scaleb(-2) for p in ("spaces", "endpoints", "jobs"))


def check_scheduled_jobs(payload: list[dict[str, Any]], jobs: Any) -> None:
    assert [(j.id, j.suspended, j.flavor) for j in jobs] == [(p["id"], p["suspend"], p["jobSpec"]["flavor"])
                                                           for p in payload]
    for job, raw in zip(jobs, payload, strict=True):
        assert job.next_run_at == when(raw["status"]["nextJobRunAt"])
        timeout = raw["jobSpec"].get("timeout")
        assert job.timeout_s == (None if timeout is None else round(exact(timeout)))
        expose = raw["jobSpec"].get("expose")
        assert job.exposed_ports == tuple(expose["ports"] if expose else ())


def check_members(payload: list[dict[str, Any]], members: Any) -> None:
    assert [(m.user, m.fullname, m.role, m.is_pro) for m in members] == [
        (p["user"], p["fullname"], p.get("role"), p["isPro"]) for p in payload]


USAGE_V2_BASE = {"usage": {"inferenceProviders": {"usedNanoUsd": 0, "periodStart": "2026-11-01T00:00:00.000Z",
                                                  "periodEnd": "2026-12-01T00:00:00.000Z"}}}

Parser = Callable[[Any], Any]


def in_dollars(path: str) -> Schema:
    """The spec's schema of an answer with a required `currency`, drawn as USD (any case) or another currency."""
    found = response_schema(path)
    assert found is not None, path
    schema = copy.deepcopy(found)
    schema["properties"]["currency"] = {"enum": ["USD", "usd", "EUR"]}
    return schema


def usd_only(parse: Parser) -> Parser:
    """`parse` of an answer in `currency`: one not in USD is refused naming the field, never read as dollars (None
    then, and the meaning check has nothing to compare)."""
    def read(payload: Any) -> Any:
        if str(payload["currency"]).upper() != "USD":
            with pytest.raises(BadResponseError, match=r"\.currency: the answer is in 'EUR'; hfmon reads USD only"):
                parse(payload)
            return None
        return parse(payload)
    return read
PARSERS: list[Any] = [
    pytest.param("/api/whoami-v2", pb.parse_whoami, check_whoami, id="whoami"),
    pytest.param("/api/settings/billing/usage", lambda d: pb.parse_statement(d, "ada"), check_statement,
                 id="statement"),
    pytest.param("/api/organizations/{name}/billing/usage", lambda d: pb.parse_statement(d, "acme"),
                 check_statement, id="statement-org"),
    pytest.param("/api/settings/billing/usage/jobs", job_charges_or_denied, check_job_charges, id="job_charges"),
    pytest.param(in_dollars("/api/settings/billing/usage-by-inference-session"), usd_only(pb.parse_sessions),
                 check_sessions, id="sessions"),
    pytest.param("/api/spaces/zero-gpu/quota", pb.parse_zero_gpu, check_zero_gpu, id="zero_gpu"),
    pytest.param("/api/jobs/{namespace}", lambda d: pr.parse_jobs(d, "ada"), check_jobs, id="jobs"),
    pytest.param("/api/settings/repositories", lambda d: pr.parse_repos(d, "ada"), check_repos, id="repositories"),
    pytest.param("/api/organizations/{name}/settings/repositories", lambda d: pr.parse_repos(d, "acme"),
                 check_repos, id="repositories-org"),
    pytest.param("/api/organizations/{name}/members", prp.parse_members, check_members, id="members"),
    pytest.param("/api/spaces/hardware", pr.parse_hardware, check_hardware, id="spaces_hardware"),
    pytest.param("/api/jobs/hardware", pr.parse_hardware, check_hardware, id="jobs_hardware"),
    pytest.param(USAGE_V2, lambda d: pb.parse_usage_v2(d, "ada"), check_usage_v2, id="usage_v2"),
    pytest.param("/api/scheduled-jobs/{namespace}", lambda d: pr.parse_scheduled_jobs(d, "ada"),
                 check_scheduled_jobs, id="scheduled_jobs"),
    pytest.param("/api/organizations/{name}/resource-groups", lambda d: pg.parse_resource_groups(d, "acme"),
                 check_resource_groups, id="resource_groups"),
    pytest.param(in_dollars("/api/organizations/{name}/billing/usage-by-resource-group"),
                 usd_only(lambda d: pg.parse_group_usage(d, "acme")), check_group_usage, id="group_usage"),
    pytest.param(LIVE_USAGE, lambda d: pb.parse_live(d, pb.parse_usage_v2(USAGE_V2_BASE, "ada")), check_live,
                 id="usage_live"),
]


CASES = [pytest.param(*p.values, wild, id=f"{p.id}-{'wild' if wild else 'realistic'}")
         for p in PARSERS for wild in (False, True)]


def _schema(source: str | Schema) -> Schema:
    if isinstance(source, dict):
        return source
    found = response_schema(source)
    assert found is not None, source
    return found


@pytest.mark.parametrize(("source", "parse", "check", "wild"), CASES)
def test_parser_reads_what_the_schema_allows(source: str | Schema, parse: Parser,
                                             check: Callable[[Any, Any], None], wild: bool) -> None:
    strategy = from_schema(_schema(source), wild=wild)

    @settings(max_examples=EXAMPLES[wild], deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def run(data: st.DataObject) -> None:
        payload = data.draw(strategy, label="payload")
        if wild:
            try:
                parse(payload)
            except BadResponseError:
                pass  # refused cleanly, naming the field: allowed for out-of-range data
            return
        check(payload, parse(payload))

    run()

"""Parsers turn the JSON shapes of hf-api.md into exact domain values, and say which field broke when one does."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from hfmon.api import parse_billing as pb
from hfmon.api import parse_resources as pr
from hfmon.errors import BadResponseError
from hfmon.models import GroupMembership
from hfmon.pricing.catalog import model_prices
from tests.api.payloads import (
    ENDPOINT,
    HARDWARE,
    JOB_CHARGES,
    LIVE,
    PROVIDER,
    ROUTER,
    SESSIONS,
    SPACES,
    STATEMENT,
    USAGE_V2,
    WHOAMI,
)


def test_whoami_reads_plan_orgs_and_fine_grained_permissions() -> None:
    account = pb.parse_whoami(WHOAMI)
    assert (account.name, account.plan, account.can_pay, account.billing_mode) == ("alice", "pro", True, "prepaid")
    assert account.token_role == "fineGrained"
    assert account.token_permissions == {"repo.content.read", "user.billing.read", "discussion.write"}
    (org,) = account.orgs
    assert (org.name, org.role, org.plan, org.billing_mode) == ("acme", "admin", "team", "postpaid")


def test_whoami_lists_the_resource_groups_the_user_is_in_per_org() -> None:
    (org,) = pb.parse_whoami(WHOAMI).orgs
    assert org.resource_groups == (GroupMembership("67710000000000000000abcd", "research", "write"),)
    base = {k: v for k, v in WHOAMI["orgs"][0].items() if k != "resourceGroups"}
    # optional in the spec: absent or null says nothing of them (unknown), [] says the user is in none
    assert pb.parse_whoami({**WHOAMI, "orgs": [base]}).orgs[0].resource_groups is None
    assert pb.parse_whoami({**WHOAMI, "orgs": [{**base, "resourceGroups": None}]}).orgs[0].resource_groups is None
    assert pb.parse_whoami({**WHOAMI, "orgs": [{**base, "resourceGroups": []}]}).orgs[0].resource_groups == ()
    # an entry without its id cannot place anything: a clear error naming where, as for any required field
    with pytest.raises(BadResponseError, match=r"whoami\.orgs\[0\]\.resourceGroups\[0\]"):
        pb.parse_whoami({**WHOAMI, "orgs": [{**base, "resourceGroups": [{"name": "research", "role": "write"}]}]})


def test_whoami_org_without_access_and_an_unknown_plan_is_kept_as_sent() -> None:
    org = {"type": "org", "id": "65b0", "name": "guild", "fullname": "Guild", "avatarUrl": "/a.png",
           "roleInOrg": "no_access", "plan": "galaxy"}
    (parsed,) = pb.parse_whoami({**WHOAMI, "orgs": [org]}).orgs
    assert (parsed.role, parsed.plan, parsed.billing_mode) == ("no_access", "galaxy", None)


def test_whoami_of_a_free_bot_without_orgs() -> None:
    account = pb.parse_whoami({"type": "user", "name": "bot", "isPro": False, "canPay": False, "periodEnd": None,
                               "billingMode": "postpaid", "orgs": [],
                               "auth": {"type": "access_token", "accessToken": {"displayName": "t", "role": "write"}}})
    assert (account.plan, account.orgs, account.token_permissions) == ("free", (), frozenset())


def test_whoami_whose_orgs_are_missing_or_null_has_unknown_orgs_not_none() -> None:
    listed = {k: v for k, v in WHOAMI.items() if k != "orgs"}
    assert pb.parse_whoami(listed).orgs is None  # `orgs` is required by the spec: absent says nothing
    assert pb.parse_whoami({**listed, "orgs": None}).orgs is None
    assert pb.parse_whoami({**listed, "orgs": []}).orgs == ()


def test_usage_v2_converts_nano_and_micro_usd_exactly() -> None:
    usage = pb.parse_usage_v2(USAGE_V2, "alice")
    inf = usage.inference
    assert (inf.used_usd, inf.included_usd, inf.limit_usd, inf.requests) == (
        Decimal("1.5"), Decimal("2"), Decimal("5"), 12)
    assert inf.period_start == datetime(2026, 8, 1, tzinfo=UTC)
    assert usage.jobs is not None and (usage.jobs.used_usd, usage.jobs.minutes) == (Decimal("0.25"), Decimal("3.5"))
    assert usage.by_provider is None  # unknown until the live stream is read


def test_usage_v2_without_a_period_keeps_credits_and_leaves_the_period_unknown() -> None:
    inference = {k: v for k, v in USAGE_V2["usage"]["inferenceProviders"].items()
                 if k not in ("periodStart", "periodEnd")}
    usage = pb.parse_usage_v2({"usage": {"inferenceProviders": inference}}, "acme")
    assert (usage.inference.used_usd, usage.inference.included_usd) == (Decimal("1.5"), Decimal(2))
    assert (usage.inference.period_start, usage.inference.period_end, usage.jobs) == (None, None, None)


def test_usage_v2_with_no_limit_and_unix_period_end() -> None:
    data = {"usage": {"inferenceProviders": {"usedNanoUsd": 1, "periodStart": "2026-08-01T00:00:00Z",
                                             "periodEnd": 1788220800}}}
    usage = pb.parse_usage_v2(data, "alice")
    assert usage.inference.limit_usd is None
    assert usage.inference.used_usd == Decimal("0.000000001")
    assert usage.inference.included_usd is None  # absent: unknown, never $0 of credits
    assert usage.inference.period_end == datetime(2026, 9, 1, tzinfo=UTC)
    assert usage.jobs is None


def test_live_event_adds_providers_and_storage() -> None:
    assert pb.is_complete_live(LIVE)
    assert not pb.is_complete_live({"inference": {}})
    usage = pb.parse_live(LIVE, pb.parse_usage_v2(USAGE_V2, "alice"))
    assert usage.inference.used_usd == Decimal("1.5")  # usage-v2 stays the authority for totals
    assert usage.by_provider[0].provider == "together"
    assert usage.by_provider[0].cost_usd == Decimal("0.9")
    assert (usage.private_storage_bytes, usage.public_storage_bytes, usage.private_storage_limit_bytes) == (
        3, 2, 107374182400)


def test_counts_not_sent_are_unknown_never_zero() -> None:
    inference = {k: v for k, v in USAGE_V2["usage"]["inferenceProviders"].items() if k != "numRequests"}
    assert pb.parse_usage_v2({"usage": {"inferenceProviders": inference}}, "alice").inference.requests is None
    live = {"inference": {"usedNanoUsd": 1, "providerDetails": [{"provider": "groq", "totalCostNanoUsd": 400000000}]}}
    [groq] = pb.parse_live_usage(live).by_provider or ()
    assert (groq.provider, groq.cost_usd, groq.requests) == ("groq", Decimal("0.4"), None)


def test_statement_lines_keep_their_group_and_micro_usd() -> None:
    st = pb.parse_statement(STATEMENT, "alice")
    assert st.period_id == "66aa00000000000000000001"
    by_product = {line.product: line for line in st.lines}
    t4 = by_product["spaces/t4-small/minutes"]
    assert (t4.group, t4.label, t4.quantity, t4.unit_cost_usd, t4.total_usd, t4.active) == (
        "spaces", "alice/demo", Decimal(90), Decimal("0.006667"), Decimal("0.60003"), True)
    a10g = by_product["endpoints/aws/nvidia-a10g/x1"]
    assert (a10g.quantity, a10g.label, a10g.stopped_at) == (Decimal("60.5"), None, None)


def test_job_charges_and_sessions() -> None:
    (charge,) = pb.parse_job_charges(JOB_CHARGES)
    assert (charge.job_id, charge.flavor, charge.minutes, charge.cost_usd, charge.completed_at) == (
        "j1", "cpu-basic", Decimal(12), Decimal("0.002004"), None)
    sessions = pb.parse_sessions(SESSIONS)
    assert [(s.session_id, s.cost_usd) for s in sessions] == [
        ("s1", Decimal("1.234")), ("s2", Decimal("9.99")), ("s1", Decimal("0.766"))]
    assert sum((s.cost_usd for s in sessions if s.session_id == "s1"), Decimal(0)) == Decimal("2.000")


def test_zero_gpu_current_is_remaining() -> None:
    q = pb.parse_zero_gpu({"base": 2400, "current": 1810, "resetsAt": "2026-09-30T09:12:03.000Z",
                           "overquotaUsed": 0})
    assert (q.base_s, q.remaining_s, q.overquota_used_s) == (2400, 1810, 0)
    assert q.resets_at == datetime(2026, 9, 30, 9, 12, 3, tzinfo=UTC)
    bare = pb.parse_zero_gpu({"base": 300, "current": 300})
    assert bare.resets_at is None
    assert bare.overquota_used_s is None  # optional in the spec: not reported is unknown, not 0 s



def test_endpoint_with_nanosecond_times() -> None:
    (ep,) = pr.parse_endpoints({"items": [ENDPOINT]}, "acme")
    assert (ep.namespace, ep.name, ep.state, ep.vendor, ep.region, ep.instance_type, ep.instance_size) == (
        "acme", "my-endpoint-name", "running", "aws", "us-east-1", "nvidia-l4", "x1")
    assert (ep.min_replica, ep.max_replica, ep.scale_to_zero_timeout_min, ep.ready_replicas) == (0, 2, 15, 1)
    assert ep.created_at == datetime(2023, 10, 26, 12, 41, 53, 263078, tzinfo=UTC)


def test_endpoint_catalog_prices_are_exact() -> None:
    computes = pr.parse_endpoint_catalog(PROVIDER)
    assert [(c.instance_type, c.price_per_hour_usd, c.status) for c in computes] == [
        ("nvidia-l4", Decimal("0.8"), "available"), ("intel-spr", Decimal("0.033"), "low_availability")]


def test_spaces_runtime_variants() -> None:
    paid, static, auto, bare = pr.parse_spaces(SPACES, "alice")
    assert (paid.stage, paid.hardware, paid.sleep_time_s, paid.replicas_current, paid.private,
            paid.used_storage_bytes, paid.sdk) == ("RUNNING", "t4-medium", 3600, 1, True, 1234, "gradio")
    assert (static.hardware, static.requested_hardware, static.sleep_time_s) == (None, None, None)
    assert (auto.stage, auto.requested_hardware, auto.replicas_requested) == ("HIBERNATING", "a10g-small", None)
    assert (bare.stage, bare.private) == ("UNKNOWN", None)


def test_jobs_repos_hardware_router() -> None:
    (job,) = pr.parse_jobs([{"id": "j1", "createdAt": "2026-08-03T00:00:00Z", "flavor": "a10g-small",
                             "owner": {"id": "1", "name": "alice", "type": "user"},
                             "status": {"stage": "RUNNING", "message": None},
                             "durations": {"runningSecs": 61.7}}], "alice")
    # 61.7 s is 62 whole seconds (a measure, rounded: `Bound.measure`), not 61 (int() cut it)
    assert (job.stage, job.flavor, job.running_s, job.finished_at) == ("RUNNING", "a10g-small", 62, None)
    (repo,) = pr.parse_repos([{"id": "alice/m", "type": "model", "updatedAt": "2026-08-01T00:00:00Z",
                               "visibility": "private", "storage": 1234567890, "storagePercent": 1.5}], "alice")
    assert (repo.private, repo.bytes) == (True, 1234567890)
    t4, cpu = pr.parse_hardware(HARDWARE)
    assert (t4.unit_cost_usd, t4.accelerator, cpu.unit_cost_usd, cpu.accelerator) == (
        Decimal("0.006667"), "gpu", Decimal("0.000167"), None)
    together, featherless = pr.parse_router_models(ROUTER)
    assert (together.input_usd_per_million, together.output_usd_per_million) == (Decimal("2.1"), Decimal("4.4"))
    assert (featherless.input_usd_per_million, featherless.output_usd_per_million) == (None, None)


def test_a_router_offer_marked_is_free_is_priced_at_zero_even_without_pricing() -> None:
    listed, bare, paid = pr.parse_router_models({"data": [{"id": "m", "providers": [
        {"provider": "groq", "status": "live", "pricing": {"input": 0.59, "output": 0.79}, "is_free": True},
        {"provider": "cerebras", "status": "live", "is_free": True},
        {"provider": "together", "status": "live", "pricing": {"input": 0.88, "output": 0.88}, "is_free": False}]}]})
    assert (listed.is_free, listed.input_usd_per_million) == (True, Decimal("0.59"))  # the list price is kept
    assert model_prices((listed, bare, paid)) == {("m", "groq"): (0, 0), ("m", "cerebras"): (0, 0),
                                                 ("m", "together"): (Decimal("0.88"), Decimal("0.88"))}
    assert model_prices(pr.parse_router_models(ROUTER)) == {("deepseek-ai/DeepSeek-V4-Pro", "together"): (
        Decimal("2.1"), Decimal("4.4"))}  # no pricing and not free: unpriced, never $0


@pytest.mark.parametrize(("parse", "data", "field"), [
    (pb.parse_whoami, {"type": "user"}, "whoami.name"),
    (lambda d: pb.parse_usage_v2(d, "a"), {"usage": {"inferenceProviders": {"periodStart": "2026-08-01T00:00:00Z"}}},
     "usage.inferenceProviders.usedNanoUsd"),
    (lambda d: pb.parse_usage_v2(d, "a"), {"usage": {}}, "usage-v2.usage.inferenceProviders"),
    (lambda d: pb.parse_statement(d, "a"), {"usage": {}}, "billing/usage.period"),
    (pb.parse_sessions, {"currency": "USD", "periods": [{"period": "2026-06-01T00:00:00Z", "sessions": [{"id": "s"}]}]},
     "sessions[0].costCents"),
    (lambda d: pr.parse_endpoints(d, "a"), {"items": [{"name": "e", "status": {}}]}, "endpoints[0].status.state"),
    (lambda d: pr.parse_spaces(d, "a"), [{"_id": "x"}], "spaces[0].id"),
    (lambda d: pr.parse_repos(d, "a"), [{"id": "r", "type": "model", "visibility": "public"}],
     "repositories[0].storage"),
    (pr.parse_hardware, [{"name": "x"}], "hardware[0].unitCostUSD"),
    (pr.parse_endpoint_catalog, {"vendors": [{"name": "aws", "regions": [{"name": "r", "computes": [
        {"instanceType": "t", "instanceSize": "x1", "pricePerHour": "cheap"}]}]}]}, "pricePerHour"),
    (lambda d: pr.parse_spaces(d, "a"), {"error": "nope"}, "spaces"),
    (pb.parse_zero_gpu, {"base": True, "current": 1}, "zero-gpu/quota.base"),
])
def test_missing_or_wrong_required_fields_name_the_field(parse: Any, data: Any, field: str) -> None:
    with pytest.raises(BadResponseError) as info:
        parse(data)
    assert field in info.value.message


def test_schema_drift_unknown_enums_and_extra_fields_pass_through() -> None:
    status: dict[str, Any] = {**ENDPOINT["status"], "state": "hibernating"}
    drifted = {**ENDPOINT, "brandNewKey": {"x": 1}, "status": status}
    (ep,) = pr.parse_endpoints({"items": [drifted]}, "acme")
    assert ep.state == "hibernating"
    minimal = {"name": "e", "status": {"state": "running"}}
    (ep2,) = pr.parse_endpoints({"items": [minimal]}, "acme")
    # readyReplica absent: how many replicas run is unknown, not 0
    assert (ep2.vendor, ep2.instance_type, ep2.ready_replicas, ep2.created_at) == (None, None, None, None)


def test_statement_lines_are_read_by_product_under_any_group_key_with_grants_and_null_labels() -> None:
    def raw(product: str, label: str | None, grant: bool = False) -> dict[str, Any]:
        return {"entityId": "65f0aa00bb11cc22dd33ee44", "active": True, "product": product, "quantity": 60,
                "unitCostMicroUSD": 16667, "totalCostMicroUSD": 0 if grant else 1000020, "unitLabel": None,
                "label": label, "freeGrant": grant, "startedAt": "2026-08-01T00:00:00.000Z", "stoppedAt": None}
    data = {"period": STATEMENT["period"], "usage": {
        "Spaces": [raw("spaces/a10g-small/minutes", "alice/demo", grant=True),
                   raw("jobs/cpu-basic/minutes", None)],  # a jobs line under the Spaces key: the product decides
        "Endpoints": [raw("endpoints/aws/nvidia-l4/x1", "alice/chat")],
        "SomethingNew": [raw("hf/repository-storage", None)]}}
    lines = pb.parse_statement(data, "alice").lines
    assert [(x.product, x.label, x.free_grant) for x in lines] == [
        ("spaces/a10g-small/minutes", "alice/demo", True), ("jobs/cpu-basic/minutes", None, False),
        ("endpoints/aws/nvidia-l4/x1", "alice/chat", False), ("hf/repository-storage", None, False)]
    assert lines[0].total_usd == 0 and lines[2].total_usd == Decimal("1.000020")


def test_zero_gpu_quota_with_fractional_seconds_and_the_free_runs_counter() -> None:
    q = pb.parse_zero_gpu({"base": 300, "current": 212.4, "resetsAt": None,
                           "runs": {"used": 3, "limit": 8, "remaining": 5, "resetsAt": "2026-11-19T09:12:00.000Z"}})
    assert (q.base_s, q.remaining_s, q.resets_at) == (300, 212, None)
    assert q.runs is not None and (q.runs.used, q.runs.limit, q.runs.remaining) == (3, 8, 5)
    assert q.runs.resets_at == datetime(2026, 11, 19, 9, 12, tzinfo=UTC)
    assert pb.parse_zero_gpu({"base": 2400, "current": 1810}).runs is None


def test_repositories_protected_is_not_public_and_any_repo_type_is_kept() -> None:
    page = [{"id": "alice/app", "type": "space", "visibility": "protected", "storage": 10},
            {"id": "alice/k", "type": "kernel", "visibility": "public", "storage": 20},
            {"id": "alice/b", "type": "bucket", "visibility": "private", "storage": 30.0}]
    repos = pr.parse_repos(page, "alice")
    assert [(r.id, r.type, r.private, r.bytes) for r in repos] == [
        ("alice/app", "space", True, 10), ("alice/k", "kernel", False, 20), ("alice/b", "bucket", True, 30)]


JOB = {"id": "j1", "createdAt": "2026-08-03T00:00:00Z", "flavor": "a10g-small", "owner": {"id": "1", "name": "alice"},
       "status": {"stage": "RUNNING", "message": None}}


def test_a_jobs_exposed_ports_are_read_as_the_spec_bounds_them() -> None:
    (plain,) = pr.parse_jobs([JOB], "alice")
    assert plain.exposed_ports == () and not plain.exposed  # absent: the job exposes nothing (billed no extra)
    (job,) = pr.parse_jobs([{**JOB, "expose": {"ports": [8000, 6006], "portsPublic": [6006]},
                             "status": {**JOB["status"], "exposeUrls": ["https://j1--8000.hf.jobs",
                                                                        "https://j1--6006.hf.jobs"]}}], "alice")
    assert job.exposed_ports == (8000, 6006) and job.exposed
    (scheduled,) = pr.parse_scheduled_jobs([{"id": "s1", "schedule": "@daily", "suspend": False,
                                             "jobSpec": {"flavor": "cpu-basic", "expose": {"ports": [7860]}},
                                             "status": {"nextJobRunAt": "2026-08-04T00:00:00Z"}}], "alice")
    assert scheduled.exposed_ports == (7860,)


@pytest.mark.parametrize(("expose", "field", "why"), [
    ({"ports": [0]}, "expose.ports[0]", "not a plausible port number"),
    ({"ports": [80, 65536]}, "expose.ports[1]", "not a plausible port number"),
    ({"ports": list(range(1, 22))}, "expose.ports", "21 ports, more than the 20"),
    ({"portsPublic": [80]}, "expose.ports", "missing required field"),
    ({"ports": [80], "portsPublic": ["80"]}, "expose.portsPublic", "expected an array of port numbers"),
    ({"ports": "80"}, "expose.ports", "expected an array"),
    (["80"], "expose", "expected an object"),
])
def test_an_exposed_port_list_outside_the_spec_is_a_bad_response_naming_the_field(
        expose: Any, field: str, why: str) -> None:
    with pytest.raises(BadResponseError) as err:
        pr.parse_jobs([{**JOB, "expose": expose}], "alice")
    assert f"jobs[0].{field}: " in str(err.value) and why in str(err.value)

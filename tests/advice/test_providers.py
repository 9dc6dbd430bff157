"""A cheaper provider for the same model, and `:cheapest` requests a dearer provider served, from the proxy's ledger.

Expected figures by hand from the fake router's live prices (USD per 1M input / output tokens): Qwen3-235B at
together 0.2 / 0.6, novita 0.2 / 0.8, fireworks-ai 0.22 / 0.88. The billing period began Nov 1 00:00 UTC; at Nov 18
15:00 it is 423 h old, and a month is 730 h.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.advice import Confidence, advise
from hfmon.advice.text import render_advice
from hfmon.advice.whatif import what_if
from hfmon.fakehub import demo_scenario
from hfmon.history import History
from hfmon.ledger import LedgerRow, Outcome
from hfmon.pricing.catalog import build_catalog
from tests.costs.test_scenario import poll_report

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"
GEMMA = "google/gemma-3-27b-it"
GPT = "openai/gpt-oss-120b"
D = Decimal
MICRO = D("0.000001")
HOURS = D(17 * 24 + 15)  # Nov 1 00:00 to Nov 18 15:00
MONTH = D(730)
BASE = LedgerRow(at=NOW - timedelta(hours=5), namespace=None, route="chat", model=QWEN, policy="novita",
                 provider="novita", streamed=False, status=200, outcome=Outcome.OK, ttfb_s=0.1, latency_s=1.0,
                 prompt_tokens=1_000_000, completion_tokens=2_000_000, request_id="r1", session_id="s1",
                 estimated_usd=D("1.8"), caller="ada")  # 1M x 0.2 + 2M x 0.8, per 1M; ada's token
ROWS = (
    BASE,
    # asked for :cheapest, served by fireworks-ai: 0.5M x 0.22 + 1M x 0.88 = 0.99
    replace(BASE, at=NOW - timedelta(hours=4), policy="cheapest", provider="fireworks-ai", prompt_tokens=500_000,
            completion_tokens=1_000_000, request_id="r2", session_id="s2", estimated_usd=D("0.99")),
    # unpriced: the provider choice for gemma cannot be judged
    replace(BASE, at=NOW - timedelta(hours=3), model=GEMMA, policy="featherless-ai", provider="featherless-ai",
            request_id="r3", session_id="s3", estimated_usd=None),
    # billed to the org: 1M x 0.25 + 1M x 0.69 at cerebras = 0.94; novita (0.1 / 0.5) would be 0.6
    replace(BASE, at=NOW - timedelta(hours=2), namespace="ada-labs", model=GPT, policy="cerebras",
            provider="cerebras", prompt_tokens=1_000_000, completion_tokens=1_000_000, request_id="r4",
            session_id="s4", estimated_usd=D("0.94")),
    # last month's request: not this period
    replace(BASE, at=datetime(2026, 10, 30, tzinfo=UTC), request_id="r0", session_id="s0"),
    # made with another account's token (grace's, billed to her: another profile sharing the history file): not
    # ada's, in none of her figures, nor named as a namespace of hers
    replace(BASE, at=NOW - timedelta(hours=1), caller="grace", request_id="r5", session_id="s5",
            prompt_tokens=5_000_000, completion_tokens=5_000_000, estimated_usd=D("5")),
)


async def advice_and_report():  # type: ignore[no-untyped-def]
    history = History(ledger=ROWS)
    report, _ = await poll_report(demo_scenario(), NOW, history=history)
    return advise(report, history, build_catalog(None)), report


def month(so_far: Decimal) -> Decimal:
    return (so_far * MONTH / HOURS).quantize(MICRO)


async def test_a_cheaper_provider_for_the_same_tokens() -> None:
    advice, _ = await advice_and_report()
    found = {(f.kind, f.resource): f for f in advice.findings}
    qwen = found[("cheaper_provider", f"model {QWEN}")]
    paid = D("1.8") + D("0.99")
    together = (D("1.5") * D("0.2") + D(3) * D("0.6"))  # 1.5M prompt, 3M completion tokens this period
    assert together == D("2.1")
    assert qwen.saving_usd_month == month(paid - together) == D("1.190780")
    assert qwen.cost_usd_month == month(paid)
    assert qwen.so_far_usd == paid
    assert qwen.namespace == "ada" and qwen.confidence is Confidence.MEASURED
    assert "together" in qwen.change and f"{QWEN}:together" in qwen.apply.api
    assert qwen.evidence[2] == "the same tokens elsewhere: together $2.10, novita $2.70, fireworks-ai $2.97"
    gpt = found[("cheaper_provider", f"model {GPT}")]
    assert gpt.namespace == "ada-labs"  # billed to the org with X-HF-Bill-To
    assert gpt.saving_usd_month == month(D("0.94") - D("0.6"))


async def test_cheapest_requests_served_by_a_dearer_provider() -> None:
    advice, _ = await advice_and_report()
    missed = next(f for f in advice.findings if f.kind == "cheapest_policy_miss")
    # the router's cheapest is the lowest output price today: together (0.6); fireworks-ai served it
    excess = D("0.99") - (D("0.5") * D("0.2") + D(1) * D("0.6"))
    assert excess == D("0.29")
    assert missed.saving_usd_month == month(excess)
    assert missed.resource == f"model {QWEN}"
    assert missed.evidence[0].startswith("1 of 1 `:cheapest` requests this period")


async def test_unpriced_requests_are_not_judged_never_zero() -> None:
    advice, _ = await advice_and_report()
    assert not any(f.resource == f"model {GEMMA}" for f in advice.findings)
    assert ("ada", f"model {GEMMA}: provider choice not judged: part of its cost is unknown "
                   f"({GEMMA} via featherless-ai)") in advice.not_judged


async def test_findings_of_one_model_count_once_and_show_in_the_what_if_bill() -> None:
    advice, report = await advice_and_report()
    # the two findings on Qwen are alternatives: the larger (pinning together) counts once
    assert month(D("2.79") - D("2.1")) > month(D("0.29"))
    bills = {b.namespace: b for b in what_if(report, advice)}
    labels = [line.label for line in bills["ada"].lines]
    assert f"model {QWEN} (provider)" in labels and f"model {QWEN} (:cheapest)" in labels
    text = render_advice(advice, what_if(report, advice))
    assert "hf:" not in text.split(f"model {QWEN}: ")[1].split("\n\n")[0]  # no `hf` command for a model id


async def test_requests_billed_to_a_resource_group_are_advised_on_its_org() -> None:
    # X-HF-Bill-To may be a resource group's id: the saving is on its org's bill (it was filed under the bare id,
    # out of every namespace's advice)
    scn = demo_scenario()
    [research] = [g for g in scn.resource_groups if g.name == "research"]
    rows = tuple(replace(r, namespace=research.id) if r.model == GPT else r for r in ROWS)
    history = History(ledger=rows)
    report, _ = await poll_report(scn, NOW, history=history)
    advice = advise(report, history, build_catalog(None))
    gpt = next(f for f in advice.findings if f.kind == "cheaper_provider" and f.resource == f"model {GPT}")
    assert research.org == "ada-labs" and gpt.namespace == "ada-labs"
    assert gpt.saving_usd_month == month(D("0.94") - D("0.6"))
    assert ("ada-labs", "model", 1) in advice.checked and not any(ns == research.id for ns, _, _ in advice.checked)


async def test_requests_billed_to_what_hfmon_cannot_place_leave_their_model_out_saying_why() -> None:
    stranger = "f" * 24  # the id of no group hfmon read, nor of one whoami lists
    rows = (*ROWS, replace(ROWS[3], request_id="r5", session_id="s5", namespace=stranger))
    history = History(ledger=rows)
    report, _ = await poll_report(demo_scenario(), NOW, history=history)
    advice = advise(report, history, build_catalog(None))
    assert not any(f.resource == f"model {GPT}" for f in advice.findings)  # no bill to put its saving on
    assert ("ada", f"model {GPT}: provider choice not judged: whose bill part of its requests are on is unknown "
                   f"(requests billed to {stranger}, neither a namespace of the account nor a resource group hfmon "
                   "read)") in advice.not_judged
    assert any(f.resource == f"model {QWEN}" for f in advice.findings)  # the others are judged as before


async def advice_for(*rows: LedgerRow):  # type: ignore[no-untyped-def]
    history = History(ledger=rows)
    report, _ = await poll_report(demo_scenario(), NOW, history=history)
    return advise(report, history, build_catalog(None))


async def test_a_price_cut_where_the_requests_went_is_no_saving() -> None:
    # audit 5 #2: served by together at a price since cut ($3.00 then); today together is the cheapest (1M x 0.2 +
    # 2M x 0.6 = $1.40): "send its requests to together" would change nothing
    advice = await advice_for(replace(BASE, provider="together", policy="together", estimated_usd=D("3.0")))
    assert not [f for f in advice.findings if f.kind == "cheaper_provider"], advice.findings


async def test_a_price_rise_where_the_requests_went_is_judged_at_todays_prices() -> None:
    # served by novita at $1.00 (a lower price then); today novita would be 1M x 0.2 + 2M x 0.8 = $1.80 and together
    # $1.40: moving saves $0.40 of these tokens at today's prices (paid then minus together today found nothing)
    advice = await advice_for(replace(BASE, estimated_usd=D("1.0")))
    [found] = [f for f in advice.findings if f.kind == "cheaper_provider"]
    assert found.saving_usd_month == month(D("0.4")) and "together" in found.change
    assert found.evidence[1] == ("they cost $1.00 where they were served ($1.80 there at today's prices), "
                                 "$1.40 at together")


async def test_minutes_of_traffic_at_a_periods_start_are_no_months_pace() -> None:
    # audit 5 #7: at 00:05 on the 1st, 5 minutes of requests were multiplied by 8,760 into a monthly saving; under
    # the credits' minimum span (4 h) the provider choice is not judged, saying why
    from hfmon.advice.model import AdvisorSettings
    from hfmon.advice.providers import provider_findings

    _, report = await advice_and_report()
    assert report.proxy is not None
    windows = tuple(replace(w, start=w.end - timedelta(minutes=5)) if w.name == "period" else w
                    for w in report.proxy.windows)
    early = replace(report, proxy=replace(report.proxy, windows=windows))
    findings, not_judged, _ = provider_findings(early, AdvisorSettings())
    assert findings == []
    assert ("ada", f"model {QWEN}: provider choice not judged: too early in the period: under 4 h of spend to "
                   "measure") in not_judged
    later = replace(report, proxy=replace(report.proxy, windows=tuple(
        replace(w, start=w.end - timedelta(hours=4)) if w.name == "period" else w for w in report.proxy.windows)))
    assert provider_findings(later, AdvisorSettings())[0]  # 4 h of traffic: judged

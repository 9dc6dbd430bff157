"""The proxy's ledger in the Report and in `--once --json`: per model and per provider over each window, with
figures worked out by hand here (errors, nearest-rank latency, tokens, estimated and settled cost, trend,
cheaper providers), checked against the JSON Schema of version 3."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema

from hfmon.fakehub import demo_scenario
from hfmon.history import History
from hfmon.jsonout import report_document
from hfmon.ledger import LedgerRow, Outcome, SessionSettled
from hfmon.schemas import once_schema
from tests.costs.test_scenario import poll_report

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"
GEMMA = "google/gemma-3-27b-it"
EMBED = "Qwen/Qwen3-Embedding-8B"
D = Decimal
BASE = LedgerRow(at=NOW - timedelta(minutes=10), namespace=None, route="chat", model=QWEN, policy="novita",
                 provider="novita", streamed=False, status=200, outcome=Outcome.OK, ttfb_s=0.1, latency_s=1.0,
                 prompt_tokens=100, completion_tokens=200, request_id="r", session_id="sA", estimated_usd=D("0.00018"),
                 caller="ada")  # made with the token of the demo account's user
ROWS = (
    replace(BASE, at=NOW - timedelta(minutes=70), prompt_tokens=10, completion_tokens=20, estimated_usd=D("0.000018"),
            session_id="sA0"),  # the hour before: its session has not settled
    BASE,
    replace(BASE, at=NOW - timedelta(minutes=5), policy="cheapest", latency_s=2.0, prompt_tokens=50,
            completion_tokens=100, estimated_usd=D("0.00009")),
    replace(BASE, at=NOW - timedelta(minutes=4), status=500, outcome=Outcome.HTTP_ERROR, latency_s=0.2,
            prompt_tokens=None, completion_tokens=None, estimated_usd=None),
    replace(BASE, at=NOW - timedelta(minutes=3), model=GEMMA, policy="featherless-ai", provider="featherless-ai",
            estimated_usd=None, session_id="sB"),  # unpriced
)
SETTLED = (SessionSettled("sA", 2, D("0.00026"), NOW),)


async def document() -> dict[str, Any]:
    report, _ = await poll_report(demo_scenario(), NOW, history=History(ledger=ROWS, settled=SETTLED))
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    assert doc["schema_version"] == 7
    return doc


def total(value: float | None, at_least: float | None, missing: list[str]) -> dict[str, Any]:
    return {"value": value, "at_least": at_least, "complete": not missing and at_least is not None,
            "missing": missing}


async def test_the_last_hour_per_model_and_per_provider() -> None:
    doc = await document()
    [hour] = [w for w in doc["inference"]["proxy"]["windows"] if w["window"] == "1h"]
    qwen, gemma = hour["by_model"]
    assert qwen["model"] == QWEN and gemma["model"] == GEMMA  # the costliest first; unpriced last
    assert (qwen["requests"], qwen["errors"], qwen["error_pct"]) == (3, 1, 33.33)
    assert (qwen["p50_latency_s"], qwen["p95_latency_s"]) == (1.0, 2.0)  # of the two answered: nearest rank
    assert (qwen["prompt_tokens"], qwen["completion_tokens"]) == (150, 300)
    assert qwen["estimated_usd"] == total(0.00027, 0.00027, [])
    assert qwen["settled_usd"] == total(0.00026, 0.00026, [])  # sA: both billable requests settled
    assert qwen["requests_trend_pct"] == 200.0  # 3 against 1 in the hour before
    assert qwen["estimated_trend_pct"] == 1400.0  # 0.00027 against 0.000018
    assert gemma["estimated_usd"] == total(None, None, [f"unpriced:{GEMMA} via featherless-ai"])
    assert gemma["settled_usd"] == total(None, None, ["pending:sessions not settled yet"])
    assert [(p["provider"], p["requests"]) for p in hour["by_provider"]] == [("novita", 3), ("featherless-ai", 1)]


async def test_by_model_is_the_billing_period_with_cheaper_providers() -> None:
    doc = await document()
    qwen, gemma = doc["inference"]["by_model"]
    assert (qwen["model"], qwen["requests"], qwen["cost_usd"]) == (QWEN, 4, 0.000288)
    assert qwen["settled_usd"] == total(None, 0.00026, ["pending:sessions not settled yet"])  # sA0 pending
    cheaper = qwen["cheaper_elsewhere"]
    # 160 prompt and 320 completion tokens at the fake router's live prices (USD per 1M in / out)
    want = {"together": (160 * 0.2 + 320 * 0.6) / 1e6, "novita": (160 * 0.2 + 320 * 0.8) / 1e6,
            "fireworks-ai": (160 * 0.22 + 320 * 0.88) / 1e6}
    assert [p["provider"] for p in cheaper["providers"]] == ["together", "novita", "fireworks-ai"]
    assert [p["cost_usd"] for p in cheaper["providers"]] == [round(v, 6) for v in want.values()]
    assert (cheaper["cheapest"], cheaper["cheapest_usd"]) == ("together", round(want["together"], 6))
    assert (cheaper["cheapest_policy_requests"], cheaper["cheapest_policy_misses"]) == (1, 1)  # novita served it
    assert gemma["cost_usd"] is None and gemma["cheaper_elsewhere"]["providers"] == [{"provider": "scaleway",
                                                                                    "cost_usd": 0.000125}]


async def test_a_free_promo_offer_is_the_cheapest_elsewhere_at_zero() -> None:
    """The fake router marks scaleway's embedding offer `is_free`: those tokens would cost $0 there, not its list
    price ($0.02 per 1M input tokens, $0.00002 for these 1,000)."""
    row = replace(BASE, model=EMBED, route="embedding", policy="nebius", provider="nebius", prompt_tokens=1000,
                  completion_tokens=0, estimated_usd=D("0.00001"), session_id="sE")
    report, _ = await poll_report(demo_scenario(), NOW, history=History(ledger=(row,), settled=()))
    [embed] = report_document(report)["inference"]["by_model"]
    cheaper = embed["cheaper_elsewhere"]
    assert cheaper["providers"] == [{"provider": "scaleway", "cost_usd": 0}, {"provider": "nebius",
                                                                              "cost_usd": 0.00001}]
    assert (cheaper["cheapest"], cheaper["cheapest_usd"]) == ("scaleway", 0)


async def test_without_a_ledger_the_proxy_figures_are_null_not_empty_zeros() -> None:
    report, _ = await poll_report(demo_scenario(), NOW)
    doc = report_document(report)
    assert doc["inference"]["by_model"] == [] and doc["inference"]["proxy"] is None


async def test_the_cross_check_compares_settled_and_estimated_per_model() -> None:
    settled_all = SETTLED + (SessionSettled("sA0", 1, D("0.000018"), NOW), SessionSettled("sB", 1, D("0.0001"), NOW))
    report, _ = await poll_report(demo_scenario(), NOW, history=History(ledger=ROWS, settled=settled_all))
    checks = {c.item: c for c in report.crosscheck if c.item.startswith("model ")}
    qwen, gemma = checks[f"model {QWEN}"], checks[f"model {GEMMA}"]
    assert (qwen.billed_usd, qwen.recomputed_usd, qwen.delta_usd) == (D("0.000278"), D("0.000288"), D("-0.00001"))
    assert qwen.status.value == "ok"  # within the tolerance
    assert (gemma.billed_usd, gemma.recomputed_usd, gemma.status.value) == (D("0.0001"), None, "unpriced")
    pending, _ = await poll_report(demo_scenario(), NOW, history=History(ledger=ROWS, settled=SETTLED))
    [waiting] = [c for c in pending.crosscheck if c.item == f"model {QWEN}"]
    assert (waiting.status.value, waiting.billed_usd) == ("pending", D("0.00026"))


async def test_a_session_is_settled_only_once_its_cut_short_requests_are_reported_too() -> None:
    # sC: one whole answer ($0.00018 estimated) and one the router answered 200 and then broke off: HF bills both
    # (2xx), so HF reporting one request settled is not the session's final cost; a 500 in it is never waited for
    cut = replace(BASE, at=NOW - timedelta(minutes=2), status=200, outcome=Outcome.BAD_RESPONSE, prompt_tokens=None,
                  completion_tokens=None, estimated_usd=None, session_id="sC")
    failed = replace(BASE, at=NOW - timedelta(minutes=1), status=503, outcome=Outcome.HTTP_ERROR, prompt_tokens=None,
                     completion_tokens=None, estimated_usd=None, session_id="sC")
    rows = (replace(BASE, session_id="sC"), cut, failed)

    async def settled_in_the_hour(reported: SessionSettled) -> dict[str, Any]:
        report, _ = await poll_report(demo_scenario(), NOW, history=History(ledger=rows, settled=(reported,)))
        [hour] = [w for w in report_document(report)["inference"]["proxy"]["windows"] if w["window"] == "1h"]
        [qwen] = hour["by_model"]
        settled: dict[str, Any] = qwen["settled_usd"]
        return settled

    one = await settled_in_the_hour(SessionSettled("sC", 1, D("0.00018"), NOW))
    assert one == total(None, 0.00018, ["pending:sessions not settled yet"])  # not $0.00018 as if final
    both = await settled_in_the_hour(SessionSettled("sC", 2, D("0.00043"), NOW))
    assert both == total(0.00043, 0.00043, [])  # the two billable ones reported: settled, the 503 not waited for


async def test_a_session_hf_may_bill_nothing_for_is_settled_at_zero_without_waiting() -> None:
    # sD: every request failed (a 503 and no answer at all): HF bills none of them and never lists the session, so
    # its settled cost is $0.00 now, not "pending" for the rest of the period (audit 3, finding 5)
    down = replace(BASE, model=GEMMA, status=503, outcome=Outcome.HTTP_ERROR, prompt_tokens=None,
                   completion_tokens=None, estimated_usd=None, session_id="sD")
    gone = replace(down, at=NOW - timedelta(minutes=1), status=None, outcome=Outcome.UNREACHABLE)
    report, _ = await poll_report(demo_scenario(), NOW, history=History(ledger=(down, gone), settled=()))
    [hour] = [w for w in report_document(report)["inference"]["proxy"]["windows"] if w["window"] == "1h"]
    [gemma] = hour["by_model"]
    assert gemma["settled_usd"] == total(0.0, 0.0, [])


def test_the_last_hour_over_time_in_five_minute_steps_adds_up() -> None:
    from hfmon.costs.ledger import proxy_usage

    usage = proxy_usage(ROWS, {s.session_id: s for s in SETTLED}, None, NOW, NOW - timedelta(days=17))
    hour = usage.window("1h")
    assert hour is not None and hour.step == timedelta(minutes=5) and len(hour.step_starts) == 12
    assert hour.step_starts[0] == NOW - timedelta(hours=1) and hour.step_starts[-1] == NOW - timedelta(minutes=5)
    qwen, gemma = hour.models_over_time
    assert (qwen.name, gemma.name) == (QWEN, GEMMA)  # in the order of by_model
    # minutes before now: 10 -> the step [50, 55); 5 and 4 -> [55, 60); 3 -> [55, 60) for gemma
    assert qwen.requests == (0,) * 10 + (1, 2) and gemma.requests == (0,) * 11 + (1,)
    assert [t.value for t in qwen.estimated_usd[10:]] == [D("0.00018"), D("0.00009")]  # the 500 costs nothing
    assert gemma.estimated_usd[11].known is None and not gemma.estimated_usd[11].complete  # unpriced, not $0
    assert all(t.value == 0 for t in qwen.estimated_usd[:10])
    for series, figures in zip(hour.models_over_time, hour.by_model, strict=True):  # the steps add up to the window
        assert sum(series.requests) == figures.requests
    [novita, featherless] = hour.providers_over_time
    assert (novita.name, novita.requests) == ("novita", (0,) * 10 + (1, 2)) and sum(featherless.requests) == 1
    period = usage.window("period")
    assert period is not None and period.step == timedelta(days=1) and len(period.step_starts) == 17
    assert sum(period.models_over_time[0].requests) == 4  # the request 70 minutes ago too


async def test_a_session_hf_counts_more_requests_in_than_the_ledger_holds_is_shared_not_settled() -> None:
    # audit 5 #3: two proxies (two machines) in one session: HF settled their 8 requests at $0.000765, this ledger
    # made 3 of them. That sum is not this ledger's cost: unknown, and the cross-check does not call it drift.
    rows = tuple(replace(BASE, at=NOW - timedelta(minutes=m), session_id="sE") for m in (9, 8, 7))
    shared = SessionSettled("sE", 8, D("0.000765"), NOW)
    report, _ = await poll_report(demo_scenario(), NOW, history=History(ledger=rows, settled=(shared,)))
    for window in report_document(report)["inference"]["proxy"]["windows"]:
        [qwen] = window["by_model"]
        assert qwen["settled_usd"] == total(None, None, ["unknown:sessions shared with requests outside this ledger"])
        assert qwen["estimated_usd"]["value"] == 0.00054  # 3 x $0.00018, its own
    [check] = [c for c in report.crosscheck if c.item == f"model {QWEN}"]
    assert check.billed_usd is None and check.status.value != "drift"
    alone, _ = await poll_report(demo_scenario(), NOW,
                                 history=History(ledger=rows, settled=(SessionSettled("sE", 3, D("0.00054"), NOW),)))
    [hour] = [w for w in report_document(alone)["inference"]["proxy"]["windows"] if w["window"] == "1h"]
    assert hour["by_model"][0]["settled_usd"] == total(0.00054, 0.00054, [])  # its own 3: settled


def test_two_proxy_processes_never_choose_the_same_session() -> None:
    from hfmon.proxy.app import ProxyApp

    a, b = (ProxyApp("http://router.invalid", lambda row: None, hub="http://hub.invalid") for _ in range(2))
    at = NOW - timedelta(minutes=5)
    assert a.instance != b.instance
    from hfmon.proxy import meter

    mine = meter.hourly_session_id("acme", QWEN, at, None, a.instance)
    assert mine != meter.hourly_session_id("acme", QWEN, at, None, b.instance)
    assert mine == meter.hourly_session_id("acme", QWEN, at.replace(minute=59), None, a.instance)  # one an hour


def test_the_configs_model_prices_are_the_prices_elsewhere_too() -> None:
    # audit 5 #16: "what the same tokens would cost on each provider" reads the config's [prices.models] first
    from hfmon.costs.ledger import cheaper_elsewhere
    from hfmon.models import RouterPrice

    rows = (replace(BASE, model=GEMMA, provider="scaleway", prompt_tokens=1_000_000, completion_tokens=2_000_000),)
    prices = (RouterPrice(GEMMA, "featherless-ai", "live", None, None),  # the router gives no price
              RouterPrice(GEMMA, "scaleway", "live", D("0.25"), D("0.5")),
              RouterPrice(GEMMA, "nebius", "error", D("0.1"), D("0.3")))  # not live: never an option
    [plain] = cheaper_elsewhere(rows, prices)
    assert plain.options == (("scaleway", D("1.25")),)  # 1 x 0.25 + 2 x 0.5
    [priced] = cheaper_elsewhere(rows, prices, overrides={f"{GEMMA}:featherless-ai": (D("0.10"), D("0.20")),
                                                          f"{GEMMA}:scaleway": (D("0.30"), D("0.60"))})
    assert priced.options == (("featherless-ai", D("0.5")), ("scaleway", D("1.5")))  # 0.1 + 0.4; 0.3 + 1.2

"""The advisor on the fake's demo scenario: each saving recomputed by hand from the scenario's prices and timelines.

Expected figures come from the scenario definition (catalog prices, timelines) and the advisor's stated
assumptions written out again here: a month of 730 h; a judged resource busy 8 h a day on 5 days a week and
idling down after 15 min; measured idle stretches counted over the last 7 days of history.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from hfmon.advice import Advice, Confidence, advise
from hfmon.fakehub import Scenario, demo_scenario
from hfmon.fakehub.timeline import Interval
from hfmon.format import size
from hfmon.history import History
from hfmon.pricing.catalog import build_catalog, load_bundled
from tests.costs import scenario_expect as expect
from tests.costs.test_scenario import START, poll_report

D = Decimal
MICRO = D("0.000001")
MONTH_H = D(730)
NEEDED_H = (D(8) + D(15) / 60) * 5 * MONTH_H / 168  # busy 8 h + 15 min idle, 5 days a week, per 730 h month
WEEK = timedelta(days=7)


def space_price(scn: Scenario, flavor: str) -> Decimal:
    """The live Spaces price per hour: the catalog's per-minute micro-USD x 60."""
    found = scn.space_flavor(flavor)
    assert found is not None
    return D(found.unit_micro_usd) * 60 / 10**6


def endpoint_price(scn: Scenario, name: str) -> Decimal:
    return next(e.compute.price_per_hour for e in scn.endpoints if e.id == name)


def idle_stretches(timeline: tuple[Interval, ...], billed: set[str], idle: set[str], lo: datetime,
                   hi: datetime) -> int:
    """Replica-weighted times a timeline went from a billed state to an idle one within [lo, hi)."""
    return sum(max(a.replicas, 1) for a, b in zip(timeline, timeline[1:], strict=False)
               if a.state in billed and b.state in idle and lo <= b.start < hi)


async def advice_at(scn: Scenario, now: datetime, history: History | None = None) -> Advice:
    history = expect.history(scn, now) if history is None else history
    report, _ = await poll_report(scn, now, history=history)
    return advise(report, history, build_catalog(None))


def by_resource(advice: Advice) -> dict[tuple[str, str], Decimal | None]:
    return {(f.kind, f.resource): f.saving_usd_month for f in advice.findings}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return demo_scenario()


async def test_every_saving_is_the_scenario_recomputed_by_hand(scenario: Scenario) -> None:
    advice = await advice_at(scenario, START)
    spaces = {s.id: s for s in scenario.spaces}
    lo = START - WEEK

    def tail(space_or_endpoint: str, price: Decimal, timeout_min: int, billed: set[str], idle: set[str],
             timeline: tuple[Interval, ...]) -> Decimal:
        n = idle_stretches(timeline, billed, idle, lo, START)
        return (price * n * D(timeout_min - 15) / 60 * MONTH_H / (7 * 24)).quantize(MICRO)

    reranker = next(e for e in scenario.endpoints if e.id == "ada-labs/reranker")
    want = {
        # min replica 2 x $2.50/h (aws nvidia-a100 x1), all but the needed hours
        ("cannot_scale_to_zero", "endpoint ada-labs/qwen-prod"):
            (endpoint_price(scenario, "ada-labs/qwen-prod") * 2 * (MONTH_H - NEEDED_H)).quantize(MICRO),
        ("cannot_scale_to_zero", "endpoint ada/llama-chat"):
            (endpoint_price(scenario, "ada/llama-chat") * 1 * (MONTH_H - NEEDED_H)).quantize(MICRO),
        ("no_sleep_time", "space ada/forgotten-finetune"):
            (space_price(scenario, "a10g-large") * (MONTH_H - NEEDED_H)).quantize(MICRO),
        ("no_sleep_time", "space ada-labs/rag-service"):  # one replica billed at the start instant (scaling up)
            (space_price(scenario, "l4x1") * 1 * (MONTH_H - NEEDED_H)).quantize(MICRO),
        # running unchanged since it started: pausing it stops it all
        ("forgotten", "space ada/forgotten-finetune"):
            (space_price(scenario, "a10g-large") * MONTH_H).quantize(MICRO),
        ("forgotten", "space ada-labs/internal-dashboard"):
            (space_price(scenario, "cpu-upgrade") * MONTH_H).quantize(MICRO),
        # sleep time / scale-to-zero of 30-60 min, each idle stretch 15 min would have done
        ("long_sleep_time", "space ada-labs/vision-demo"):
            tail("vision-demo", space_price(scenario, "a10g-small"), 30, expect.SPACE_BILLED, {"SLEEPING"},
                 spaces["ada-labs/vision-demo"].timeline),
        ("long_sleep_time", "space ada/whisper-api"):
            tail("whisper-api", space_price(scenario, "t4-small"), 60, expect.SPACE_BILLED, {"SLEEPING"},
                 spaces["ada/whisper-api"].timeline),
        ("idle_timeout_tail", "endpoint ada-labs/reranker"):
            tail("reranker", reranker.compute.price_per_hour, 30, expect.ENDPOINT_BILLED, {"scaledToZero"},
                 reranker.timeline),
    }
    timed_out = next(j for j in scenario.jobs if j.timeout_s is not None)
    assert by_resource(advice) == want | {("job_hit_timeout", f"job {timed_out.id}"): None}  # a one-off, below
    # by hand: $0.70/h x 57 stretches x 15 min x 730/168
    assert want[("idle_timeout_tail", "endpoint ada-labs/reranker")] == D("43.343750")
    # Alternatives on one resource count once, at the larger saving (pausing beats a sleep time here).
    best = dict(want)
    del best[("no_sleep_time", "space ada/forgotten-finetune")]
    assert advice.total_usd_month.complete
    assert advice.total_usd_month.value == sum(best.values(), D(0))


async def test_resources_already_right_get_no_finding(scenario: Scenario) -> None:
    advice = await advice_at(scenario, START)
    named = {f.resource for f in advice.findings}
    assert "space ada/chat-demo" not in named  # ZeroGPU: nothing bills by the hour
    assert "endpoint ada/embedder" not in named  # scales to zero after 15 min already
    assert "space ada/community-gpu" not in named  # granted hardware: $0 to the account
    assert "space ada-labs/video-gen" not in named  # sleeps after 15 min
    assert "endpoint ada/old-sd" not in named  # paused: min replica 1 costs nothing while paused
    assert "space ada/portfolio" not in named  # free cpu-basic


async def test_how_to_apply_is_the_exact_command_and_call(scenario: Scenario) -> None:
    advice = await advice_at(scenario, START)
    finding = next(f for f in advice.findings if f.resource == "endpoint ada/llama-chat")
    assert finding.confidence is Confidence.JUDGED
    assert finding.apply.cli == ("hf endpoints update llama-chat --namespace ada --min-replica 0 "
                                 "--scale-to-zero-timeout 15")
    assert finding.apply.api == ('PUT https://api.endpoints.huggingface.cloud/v2/endpoint/ada/llama-chat '
                                 '{"compute": {"scaling": {"minReplica": 0, "scaleToZeroTimeout": 15}}}')
    sleepy = next(f for f in advice.findings if f.resource == "space ada/whisper-api")
    assert sleepy.confidence is Confidence.MEASURED
    assert sleepy.apply.cli == "hf spaces settings ada/whisper-api --sleep-time 900"
    assert sleepy.apply.api == 'POST https://huggingface.co/api/spaces/ada/whisper-api/sleeptime {"seconds": 900}'


async def test_an_unpriced_resource_has_an_unknown_saving_never_zero(scenario: Scenario) -> None:
    # video-gen runs on h100, which no catalog prices (the scenario's "uncataloged" discrepancy); make it never sleep
    scn = replace(scenario, spaces=tuple(replace(s, sleep_time=None) if s.id == "ada-labs/video-gen" else s
                                         for s in scenario.spaces))
    now = datetime(2026, 11, 18, 15, 20, tzinfo=START.tzinfo)  # video-gen is running (45 min of every 2 h)
    advice = await advice_at(scn, now)
    finding = next(f for f in advice.findings if f.resource == "space ada-labs/video-gen")
    assert finding.kind == "no_sleep_time"
    assert finding.saving_usd_month is None
    assert finding.assumption.startswith("saving unknown")
    assert not advice.total_usd_month.complete
    assert "unknown:space ada-labs/video-gen" in advice.total_usd_month.missing


async def test_without_history_a_measured_saving_is_unknown(scenario: Scenario) -> None:
    advice = await advice_at(scenario, START, History())
    savings = by_resource(advice)
    assert savings[("idle_timeout_tail", "endpoint ada-labs/reranker")] is None
    assert savings[("long_sleep_time", "space ada/whisper-api")] is None
    assert ("forgotten", "space ada/forgotten-finetune") not in savings  # unchanged for how long: unknown
    # judged findings need no history
    assert savings[("cannot_scale_to_zero", "endpoint ada/llama-chat")] is not None


async def test_private_storage_above_the_plan(scenario: Scenario) -> None:
    tb = 10**12
    repos = tuple(replace(r, used_storage=int(2.4 * tb)) if r.id == "ada/llama-3-8b-sft" else r
                  for r in scenario.repos)
    scn = replace(scenario, repos=repos)
    advice = await advice_at(scn, START)
    finding = next(f for f in advice.findings if f.kind == "storage_above_plan")
    private = sum(r.used_storage for r in scn.repos if r.namespace == "ada" and r.private)
    private += sum(s.used_storage for s in scn.spaces if s.namespace == "ada" and (s.private or s.protected)
                   and s.created_at <= START)
    whole_tb = -(-(private - tb) // tb)  # PRO includes 1 TB; the rest is billed in whole TB at $18
    assert finding.saving_usd_month == D(18) * whole_tb == D(36)
    assert finding.resource == "storage ada"
    assert "ada/llama-3-8b-sft" in finding.change
    assert finding.apply.cli == "hf repos delete ada/llama-3-8b-sft --type model"
    # HF publishes no live storage price: the $18 is the bundled table's, and the finding says so with its date
    assert finding.price_note == "priced from hfmon's bundled table, dated 2026-08-22"
    assert finding.basis.endswith("; " + finding.price_note)


async def test_storage_advice_is_over_the_limit_by_the_storage_rule(scenario: Scenario) -> None:
    # the advisor reads "over the limit" from the one rule (`NamespaceStorage.over_bytes`, what `--once --json`
    # says), so the bytes it asks to free are the report's, and a namespace the report has within it gets none
    tb = 10**12
    repos = tuple(replace(r, used_storage=int(2.4 * tb)) if r.id == "ada/llama-3-8b-sft" else r
                  for r in scenario.repos)
    history = expect.history(scenario, START)
    report, _ = await poll_report(replace(scenario, repos=repos), START, history=history)
    advice = advise(report, history, build_catalog(None))
    over = {n.namespace: n.over_bytes for n in report.storage.by_namespace}
    found = {f.namespace: f for f in advice.findings if f.kind == "storage_above_plan"}
    assert set(found) == {ns for ns, b in over.items() if b} == {"ada"}
    assert f"({size(over['ada'])} to free)" in found["ada"].change


def test_cron_runs_counted_by_hand() -> None:
    from hfmon.advice.schedule import runs_in

    dec = (datetime(2026, 12, 1, tzinfo=START.tzinfo), datetime(2027, 1, 1, tzinfo=START.tzinfo))
    assert runs_in("0 3 * * *", *dec) == 31
    assert runs_in("0 22 * * 6", *dec) == 4  # Saturdays: Dec 5, 12, 19, 26
    assert runs_in("*/15 * * * *", *dec) == 31 * 24 * 4
    assert runs_in("0 9 1,15 * 1", *dec) == 2 * 1 + 4  # the 1st and 15th (Tuesdays) or Mondays (7, 14, 21, 28)
    assert runs_in("@weekly", *dec) == 4  # Sundays: Dec 6, 13, 20, 27
    assert runs_in("every day", *dec) is None


async def test_scheduled_jobs_next_month_at_most(scenario: Scenario) -> None:
    advice = await advice_at(scenario, START)
    costs = {c.schedule: c for c in advice.scheduled}
    a100 = space_price(scenario, "a100-large")  # the Jobs catalog prices it the same per minute
    assert costs["0 22 * * 6"].runs == 4
    assert costs["0 22 * * 6"].max_usd == a100 * 4 * 4  # 4-hour timeout, 4 Saturdays in December
    assert costs["30 12 * * *"].runs == 0 and costs["30 12 * * *"].max_usd == 0  # suspended


async def test_what_if_bill_is_the_bill_less_each_saving(scenario: Scenario) -> None:
    from hfmon.advice.whatif import what_if

    history = expect.history(scenario, START)
    report, _ = await poll_report(scenario, START, history=history)
    advice = advise(report, history, build_catalog(None))
    bills = {b.namespace: b for b in what_if(report, advice)}
    hours = D(17 * 24 + 15)  # Nov 1 00:00 to Nov 18 15:00
    labs = bills["ada-labs"]
    billed = next(s for s in report.spend if s.namespace == "ada-labs").total_usd.value
    assert billed is not None and labs.so_far_usd == billed
    assert labs.month_usd == (billed * MONTH_H / hours).quantize(MICRO)
    qwen = next(f for f in advice.findings if f.resource == "endpoint ada-labs/qwen-prod")
    assert qwen.saving_usd_month is not None
    line = next(ln for ln in labs.lines if ln.label == "endpoint ada-labs/qwen-prod (to zero)")
    assert line.so_far_usd == billed - (qwen.saving_usd_month * hours / MONTH_H).quantize(MICRO)
    assert line.month_usd == labs.month_usd - qwen.saving_usd_month
    everything = next(ln for ln in labs.lines if ln.label == "all findings")
    each = [ln for ln in labs.lines if ln.label != "all findings"]
    assert everything.saving_month_usd == sum((ln.saving_month_usd or D(0) for ln in each), D(0))  # one each
    assert bills["northwind"].so_far_usd is None  # its billing is unreadable: unknown, not $0


async def test_the_readme_example_is_real_output(scenario: Scenario) -> None:
    import re
    from pathlib import Path

    from hfmon.advice.text import render_advice
    from hfmon.advice.whatif import what_if

    readme = (Path(__file__).parent.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Advisor", 1)[1]
    [example] = re.findall(r"```text\n(.*?)```", section, flags=re.S)[:1]
    from tests.advice.test_hardware import advised

    advice, report = await advised(scenario)  # as the Monitor advises: with the models' sizes and the catalog
    rendered = render_advice(advice, what_if(report, advice)).splitlines()
    shown = [line for line in example.splitlines() if line and not line.startswith("…")]
    assert shown and all(line in rendered for line in shown)


def job_price(scn: Scenario, flavor: str) -> Decimal:
    found = scn.job_flavor(flavor)
    assert found is not None
    return D(found.unit_micro_usd) * 60 / 10**6


async def test_a_job_that_ran_into_its_timeout_is_a_one_off_not_a_monthly_saving(scenario: Scenario) -> None:
    advice = await advice_at(scenario, START)
    timed_out = next(j for j in scenario.jobs if j.timeout_s is not None)  # a10g-small, 45 min of a 45-min timeout
    finding = next(f for f in advice.findings if f.resource == f"job {timed_out.id}")
    assert finding.kind == "job_hit_timeout" and not finding.recurring
    assert timed_out.exposed_ports == (7860,)  # it exposed a port: $0.01/h more, per job
    assert finding.one_off_usd == ((job_price(scenario, "a10g-small") + D("0.01")) * 45 / 60).quantize(MICRO)
    assert finding.saving_usd_month is None
    assert f"unknown:job {timed_out.id}" not in advice.total_usd_month.missing  # a one-off is not in the total
    assert finding.apply.cli == f"hf jobs logs {timed_out.id} --namespace ada"


async def test_a_job_far_longer_than_its_commands_other_runs(scenario: Scenario) -> None:
    later = START + timedelta(hours=3)  # the l4x1 run (85 min) has finished
    advice = await advice_at(scenario, later)
    long_job = next(j for j in scenario.jobs if j.flavor == "l4x1")
    finding = next(f for f in advice.findings if f.resource == f"job {long_job.id}")
    assert finding.kind == "job_ran_long"
    # the same image and command in ada ran 30 and 45 min: a timeout at twice the median (75 min) stops it 10 early
    assert finding.one_off_usd == (job_price(scenario, "l4x1") * 10 / 60).quantize(MICRO)
    assert finding.apply.cli == ("hf jobs run --namespace ada --flavor l4x1 --timeout 75m "
                                 "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime python train.py")


def test_storage_advice_whose_repos_cannot_free_the_excess_claims_no_saving() -> None:
    # audit 5 #13: 1.20 TB private of a 1 TB plan, the listing holds 24.4 GB of private repos: deleting every one
    # leaves 1.1756 TB, still billed 1 TB above the plan. The saving of doing what it says is not $18.
    from hfmon.advice.storage import storage_findings
    from hfmon.models import RepoStorage
    from hfmon.report import Total
    from hfmon.report_parts import NamespaceStorage, Storage

    gb, tb = 10**9, 10**12
    repos = (RepoStorage("ada", "ada/a", "model", True, int(16.5 * gb)), RepoStorage("ada", "ada/b", "dataset", True,
             int(7.9 * gb)), RepoStorage("ada", "ada/pub", "model", False, 50 * gb))
    ns = NamespaceStorage("ada", int(1.2 * tb), tb, 50 * gb)

    def finding(private_bytes: int):  # type: ignore[no-untyped-def]
        store = Storage(Total.of([("ada", private_bytes)], 0), Total.of([("ada", 50 * gb)], 0), tb, repos,
                        (replace(ns, private_bytes=private_bytes),))
        [found] = storage_findings(store, load_bundled())
        return found

    short = finding(int(1.2 * tb))
    assert short.saving_usd_month is None and short.cost_usd_month == D(18)  # it still costs $18 a month
    assert short.evidence[-1] == ("the private repos listed hold 24.4 GB of the 200.0 GB above the plan: the rest is "
                                  "not in the repository listing")
    assert "ada/a, ada/b" in short.change and "ada/pub" not in short.change
    enough = finding(tb + 20 * gb)  # 20 GB above: ada/a and ada/b free it
    assert enough.saving_usd_month == D(18) and "not in the repository listing" not in " ".join(enough.evidence)

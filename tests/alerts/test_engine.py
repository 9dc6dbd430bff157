"""Each alert rule fires once per crossing, resets with hysteresis, and never fires on an unknown figure.

The Reports are hand-built (tests/tui/builder.py) with figures written out below, so expected values do not
come from the code under test: alice (used $1.74 of $2.00 included, remaining $0.26, projected $2.57), acme
(no included credits, overage $301.40, projected $475.10), bigcorp (billing no_access); endpoints:acme stale
since 7 minutes before NOW; period Nov 1 – Dec 1, NOW = Nov 21 20:00 (500 of 720 hours in).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

from hfmon.alerts.engine import FIRED, RESET, AlertEvent, AlertState, evaluate_alerts
from hfmon.config import Alerts, Thresholds
from hfmon.errors import Failure
from hfmon.format import percent_against
from hfmon.models import SourceStatus
from hfmon.report import Flag, GroupLimit, Report, ResourceGroupSpend, SourceState, Total
from tests.tui.builder import NOW, build_report


def events(report: Report, alerts: Alerts, state: AlertState) -> list[tuple[str, str, str]]:
    return [(e.kind, e.rule, e.subject) for e in evaluate_alerts(report, alerts, state)]


def running(value: str | None, *missing: str, at_least: str | None = None, minutes: int = 0) -> Report:
    known = D(value) if value is not None else (D(at_least) if at_least is not None else None)
    return replace(build_report(NOW + timedelta(minutes=minutes)), running_cost_per_hour_usd=Total(known, missing))


def test_a_maximum_fires_once_per_crossing_and_resets_past_the_hysteresis(state: AlertState) -> None:
    alerts = Alerts(max_cost_per_hour_usd=D(10))  # 5% hysteresis: resets at $9.50/h or less
    assert events(running("12"), alerts, state) == [(FIRED, "max_cost_per_hour_usd", "account")]
    assert events(running("12", minutes=1), alerts, state) == []
    assert events(running("9.8", minutes=2), alerts, state) == []  # back under, inside the band
    assert events(running("12", minutes=3), alerts, state) == []  # still the same crossing
    assert events(running("9.5", minutes=4), alerts, state) == [(RESET, "max_cost_per_hour_usd", "account")]
    assert events(running("9", minutes=5), alerts, state) == []
    assert events(running("10.01", minutes=6), alerts, state) == [(FIRED, "max_cost_per_hour_usd", "account")]
    assert [e.kind for e in state.history()] == [FIRED, RESET, FIRED]  # newest first


def test_an_unknown_figure_never_fires_nor_resets(state: AlertState) -> None:
    alerts = Alerts(max_cost_per_hour_usd=D(10))
    assert events(running(None, "account"), alerts, state) == []
    assert events(running(None, "unpriced:x", at_least="8", minutes=1), alerts, state) == []  # at least $8: unknown
    # a known lower bound above the limit is a crossing
    assert events(running(None, "unpriced:x", at_least="11", minutes=2), alerts, state) == [
        (FIRED, "max_cost_per_hour_usd", "account")]
    assert events(running(None, "account", minutes=3), alerts, state) == []  # unknown: still firing
    assert events(running(None, "unpriced:x", at_least="1", minutes=4), alerts, state) == []
    assert state.firing() == {"max_cost_per_hour_usd:account"}


def test_a_minimum_fires_per_namespace_and_resets_above_the_band(state: AlertState) -> None:
    alerts = Alerts(min_credits_remaining_usd=D("0.5"))
    first = build_report()
    assert sorted(events(first, alerts, state)) == [(FIRED, "min_remaining_credits_usd", "acme"),
                                                    (FIRED, "min_remaining_credits_usd", "alice")]
    alice = first.credits[0]

    def alice_left(left: str, minutes: int) -> Report:
        report = build_report(NOW + timedelta(minutes=minutes))
        return replace(report, credits=(replace(alice, remaining_usd=D(left)), report.credits[1]))

    assert events(alice_left("0.52", 1), alerts, state) == []  # 0.5 + 5% = 0.525
    assert events(alice_left("0.53", 2), alerts, state) == [(RESET, "min_remaining_credits_usd", "alice")]


def test_a_namespace_threshold_overrides_the_account_one(state: AlertState) -> None:
    own = {"acme": Thresholds(max_period_usd=D(500))}
    alerts = Alerts(max_period_usd=D(400), namespaces=own)
    assert events(build_report(), alerts, state) == []  # acme $475.10 < its own $500; bigcorp unknown: silent
    alerts = Alerts(max_period_usd=D(2), namespaces=own)
    assert events(build_report(NOW + timedelta(minutes=1)), alerts, state) == [
        (FIRED, "max_projected_usd", "alice")]  # alice $2.57 > $2


def test_a_namespace_running_cost_limit_reads_that_namespace_alone(state: AlertState) -> None:
    report = build_report()
    acme = report.running_in("acme")
    assert acme.complete is False  # acme/rerank is unpriced: acme's $/h is partial
    limit = acme.known - D("0.01") if acme.known is not None else D(0)
    alerts = Alerts(namespaces={"acme": Thresholds(max_cost_per_hour_usd=limit)})
    assert events(report, alerts, state) == [(FIRED, "max_cost_per_hour_usd", "acme")]


def test_credits_used_percent_skips_namespaces_without_included_credits(state: AlertState) -> None:
    # alice: 1.74 / 2.00 = 87% (above 86, not above 87); acme has no included credits
    assert events(build_report(), Alerts(max_credits_used_pct=D(87)), state) == []
    assert events(build_report(), Alerts(max_credits_used_pct=D(86)), state) == [
        (FIRED, "max_credits_used_pct", "alice")]


def test_overage_fires_per_namespace(state: AlertState) -> None:
    assert events(build_report(), Alerts(max_overage_usd=D(0)), state) == [(FIRED, "max_overage_usd", "acme")]


def test_budget_pace_fires_on_spend_ahead_of_the_budget_not_on_raw_percent(state: AlertState) -> None:
    # acme spent 22.12 + 1614 + 816 + 150 + 37.50 = $2,639.62 by 500/720 of the period.
    # A $3,000 budget allows $2,083.33 by now: ahead of pace (88% of the budget, yet it fires).
    assert events(build_report(), Alerts(namespaces={"acme": Thresholds(monthly_budget_usd=D(3000))}), state) == [
        (FIRED, "monthly_budget_usd", "acme")]


def test_budget_pace_within_the_budget_does_not_fire_and_partial_spend_below_is_unknown(state: AlertState) -> None:
    # $4,000 allows $2,777.78 by now: acme is on pace. alice's spend is partial (storage unread): at least
    # $57.40; a $100 budget allows $69.44, so alice is unknown; an $80 one allows $55.56: alice is ahead.
    assert events(build_report(), Alerts(monthly_budget_usd=D(4000)), state) == []
    def alice(budget: int) -> Alerts:
        return Alerts(namespaces={"alice": Thresholds(monthly_budget_usd=D(budget))})

    assert events(build_report(), alice(100), state) == []
    assert events(build_report(), alice(80), state) == [(FIRED, "monthly_budget_usd", "alice")]


def test_flags_unpriced_items_and_groups_fire_per_subject_and_reset_when_gone(state: AlertState) -> None:
    alerts = Alerts(long_running=True, unpriced=True)
    first = sorted(events(build_report(), alerts, state))
    assert first == [(FIRED, "long_running", "68f1c0ffee01"), (FIRED, "long_running", "alice/flux-playground"),
                     (FIRED, "unpriced", "endpoint acme/rerank (nvidia-h100 x2)"),
                     (FIRED, "unpriced", "space bigcorp/agents (h200x2)")]
    later = build_report(NOW + timedelta(minutes=1))
    no_job = tuple(f for f in later.flags if f.kind != "long_running_job")
    # a source a flag is computed from was not read: the job may still run, so nothing resets
    unchecked = replace(later, flags=no_job, flags_unchecked=("jobs:acme",))
    assert events(unchecked, alerts, state) == []
    assert events(replace(later, flags=no_job), alerts, state) == [(RESET, "long_running", "68f1c0ffee01")]


def _groups(pct: str, state_word: str, minutes: int) -> Report:
    limit = GroupLimit("total", D(100), D(pct), D(pct), state_word)
    group = ResourceGroupSpend("acme", "g1", "research", None, D(0), D(pct), D(0), D(0), D(pct), None, None,
                               (limit,))
    return replace(build_report(NOW + timedelta(minutes=minutes)), resource_groups=(group,))


def test_a_resource_group_near_its_limit_fires_once_and_resets_below_the_band(state: AlertState) -> None:
    alerts = Alerts(resource_group_limits=True)  # near at 90%; resets under 90 - 4.5 = 85.5%
    assert events(_groups("91", "near", 0), alerts, state) == [(FIRED, "resource_group_limit", "acme/research total")]
    assert events(_groups("101", "over", 1), alerts, state) == []
    assert events(_groups("88", "ok", 2), alerts, state) == []
    assert events(_groups("85", "ok", 3), alerts, state) == [(RESET, "resource_group_limit", "acme/research total")]
    assert events(_groups("50", "unknown", 4), alerts, state) == []


def test_a_source_failing_longer_than_the_limit_fires_and_resets_when_it_answers(state: AlertState) -> None:
    alerts = Alerts(source_failing_minutes=D(5))  # endpoints:acme has had no good answer for 7 minutes
    assert events(build_report(), alerts, state) == [(FIRED, "source_failing", "endpoints:acme")]
    report = build_report(NOW + timedelta(minutes=1))
    healed = replace(report, sources=tuple(
        replace(s, status=SourceStatus.OK, error=None, hint=None, failure=None) if s.name == "endpoints:acme" else s
        for s in report.sources))
    assert events(healed, alerts, state) == [(RESET, "source_failing", "endpoints:acme")]


def test_a_failing_source_not_polled_stays_firing_until_polled_or_its_namespace_is_gone(state: AlertState) -> None:
    """whoami failed: no namespace was polled, so whether endpoints:acme still fails is unknown (audit 3, finding 3:
    it was "resolved", then fired again on the next poll, one pair per whoami blip)."""
    alerts = Alerts(source_failing_minutes=D(5))
    assert events(build_report(), alerts, state) == [(FIRED, "source_failing", "endpoints:acme")]
    blind = replace(build_report(NOW + timedelta(minutes=1)), account=None, sources=(
        SourceState("account", SourceStatus.ERROR, None, None, "HTTP 503", None, None, Failure.SERVER_ERROR),))
    assert events(blind, alerts, state) == []
    only_alice = build_report(NOW + timedelta(minutes=2))  # `--namespace alice`: acme's sources not polled
    only_alice = replace(only_alice, sources=tuple(s for s in only_alice.sources if not s.name.endswith(":acme")))
    assert events(only_alice, alerts, state) == []
    left = replace(only_alice, account=replace(only_alice.account, orgs=()))  # the user left acme: it is over
    assert events(left, alerts, state) == [(RESET, "source_failing", "endpoints:acme")]


def test_a_source_that_never_answered_fires_once_failing_long_enough(state: AlertState) -> None:
    alerts = Alerts(source_failing_minutes=D(30))

    def down(minutes: int) -> Report:
        report = build_report(NOW + timedelta(minutes=minutes))
        return replace(report, sources=tuple(
            SourceState(s.name, SourceStatus.ERROR, None, None, "timed out", None, None, Failure.TIMED_OUT)
            if s.name == "zero_gpu" else s for s in report.sources))

    assert events(down(0), alerts, state) == []  # how long it has failed is unknown: first seen now
    assert events(down(30), alerts, state) == []
    assert events(down(31), alerts, state) == [(FIRED, "source_failing", "zero_gpu")]


def test_the_alert_document_is_advisory_and_has_the_figure(state: AlertState) -> None:
    (event,) = evaluate_alerts(running("12"), Alerts(max_cost_per_hour_usd=D(10)), state)
    doc = event.document()
    assert doc["advisory"].endswith("they do not stop spending")
    assert doc["value"] == 12.0 and doc["limit"] == 10.0 and doc["at"] == "2026-11-21T20:00:00Z"
    assert doc["message"] == "running cost now: $12.00/h, above the limit $10.00/h"
    assert AlertEvent.from_document(doc) == event


def test_no_flags_means_nothing_fires(state: AlertState) -> None:
    report = replace(build_report(), flags=(Flag("idle_gpu", "x", "idle"),))
    assert events(report, Alerts(), state) == []


def test_a_percentage_limit_is_shown_with_the_decimals_given_and_the_figure_never_reads_equal_to_it(
        state: AlertState) -> None:
    # alice: 1.74 / 2.00 = 87.0% of her included credits (finding 13: a limit below 1% printed as 1%)
    fired = evaluate_alerts(build_report(), Alerts(max_credits_used_pct=D("86.95")), state)
    assert [(e.figure, e.threshold) for e in fired] == [("87.00%", "86.95%")]
    assert "87.00%, above the limit 86.95%" in fired[0].message


def test_percent_against_adds_a_decimal_only_where_the_figure_would_read_as_the_limit() -> None:
    assert percent_against(D("0.6"), D("0.5")) == ("0.6%", "0.5%")
    assert percent_against(D("1.4"), D(1)) == ("1.4%", "1%")  # "1%, above the limit 1%" would contradict itself
    assert percent_against(D("0.6"), D(1)) == ("0.6%", "1%")
    assert percent_against(D("42.3"), D(80)) == ("42%", "80%")
    assert percent_against(D(80), D(80)) == ("80%", "80%")

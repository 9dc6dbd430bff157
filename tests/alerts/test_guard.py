"""`hfmon guard`: the verdict on a hand-built Report whose figures are known, for every exit code."""

from __future__ import annotations

from dataclasses import fields, replace
from decimal import Decimal as D

from hfmon.errors import Failure
from hfmon.guard import GuardExit, judge
from hfmon.models import SourceStatus
from hfmon.report import CreditsBurn, Report, SourceState, Total
from tests.tui.builder import build_report

# build_report's figures: alice (projected $2.57, remaining $0.26, overage $0), acme (projected $475.10,
# remaining $0, overage $301.40), bigcorp's billing is no_access; running now: at least $14.70/h, two
# resources billed now are unpriced.


def limits(**given: str) -> dict[str, D | None]:
    names = ("max_projected_usd", "min_remaining_credits_usd", "max_cost_per_hour_usd", "max_overage_usd")
    return {n: D(given[n]) if n in given else None for n in names}


def without_bigcorp(report: Report) -> Report:
    return replace(report, sources=tuple(s for s in report.sources if s.scope != "bigcorp"))


def outcomes(report: Report, **given: str) -> dict[tuple[str, str], str]:
    return {(r.check, r.subject): r.outcome.value for r in judge(report, limits(**given)).readings}


def test_a_known_lower_bound_above_the_maximum_fails() -> None:
    verdict = judge(build_report(), limits(max_cost_per_hour_usd="10"))
    assert verdict.code == GuardExit.FAILED == 1
    (reading,) = verdict.readings
    assert reading.at_least == D("14.70") and reading.value is None
    assert "at least $14.70/h" in verdict.text() and "above the limit $10.00/h" in verdict.text()


def test_a_partial_total_below_the_maximum_cannot_be_decided() -> None:
    verdict = judge(build_report(), limits(max_cost_per_hour_usd="20"))
    assert verdict.code == GuardExit.UNKNOWN == 5
    assert "unpriced:endpoint acme/rerank (nvidia-h100 x2)" in verdict.text() and "CANNOT DECIDE" in verdict.text()


def test_a_complete_total_within_the_maximum_passes_and_just_above_fails() -> None:
    report = replace(build_report(), running_cost_per_hour_usd=Total(D("14.70")))
    assert judge(report, limits(max_cost_per_hour_usd="14.70")).code == GuardExit.OK == 0
    assert judge(report, limits(max_cost_per_hour_usd="14.69")).code == GuardExit.FAILED


def test_a_namespace_whose_billing_is_unreadable_is_unknown_never_ok() -> None:
    report = build_report()
    verdict = judge(report, limits(max_projected_usd="500"))
    assert verdict.code == GuardExit.UNKNOWN
    assert outcomes(report, max_projected_usd="500") == {
        ("max_projected_usd", "alice"): "ok", ("max_projected_usd", "acme"): "ok",
        ("max_projected_usd", "bigcorp"): "unknown"}
    assert "cannot read the billing of bigcorp" in verdict.text()
    assert judge(without_bigcorp(report), limits(max_projected_usd="500")).code == GuardExit.OK


def test_a_crossed_limit_fails_even_when_another_figure_is_unknown() -> None:
    verdict = judge(build_report(), limits(max_projected_usd="400"))
    assert verdict.code == GuardExit.FAILED
    assert "projected Inference Providers usage this period (acme): $475.10, above the limit $400.00" in verdict.text()


def test_remaining_credits_below_the_minimum_fail_per_namespace() -> None:
    report = without_bigcorp(build_report())
    assert outcomes(report, min_remaining_credits_usd="0.26") == {
        ("min_remaining_credits_usd", "alice"): "ok", ("min_remaining_credits_usd", "acme"): "crossed"}
    assert judge(report, limits(min_remaining_credits_usd="0")).code == GuardExit.OK
    text = judge(report, limits(min_remaining_credits_usd="0.5")).text()
    assert "included credits remaining (alice): $0.26, below the minimum $0.50" in text


def test_overage_is_checked_per_namespace() -> None:
    report = without_bigcorp(build_report())
    assert judge(report, limits(max_overage_usd="301.40")).code == GuardExit.OK
    assert outcomes(report, max_overage_usd="301.39")[("max_overage_usd", "acme")] == "crossed"


def test_every_condition_must_hold() -> None:
    report = replace(without_bigcorp(build_report()), running_cost_per_hour_usd=Total(D("14.70")))
    ok = limits(max_projected_usd="500", min_remaining_credits_usd="0", max_cost_per_hour_usd="15",
                max_overage_usd="400")
    assert judge(report, ok).code == GuardExit.OK
    assert judge(report, {**ok, "max_cost_per_hour_usd": D("14")}).code == GuardExit.FAILED


def _all_sources(report: Report, status: SourceStatus, failure: Failure, http: int | None) -> Report:
    return replace(report, sources=tuple(
        SourceState(s.name, status, None, None, "failed", None, http, failure) for s in report.sources))


def test_a_rejected_token_exits_3_and_nothing_reachable_exits_4() -> None:
    report = build_report()
    rejected = _all_sources(report, SourceStatus.ERROR, Failure.REJECTED_TOKEN, 401)
    # A figure still in the (hand-built) Report does not matter: with a rejected token nothing is decided.
    assert judge(rejected, limits(max_projected_usd="500")).code == GuardExit.AUTH == 3
    unreachable = _all_sources(report, SourceStatus.ERROR, Failure.UNREACHABLE, None)
    assert judge(unreachable, limits(max_projected_usd="500")).code == GuardExit.UNREACHABLE == 4


def test_the_json_verdict_has_null_for_unknown_and_the_lower_bound() -> None:
    doc = judge(build_report(), limits(max_cost_per_hour_usd="20", max_projected_usd="500")).document()
    assert doc["exit_code"] == 5 and doc["result"] == "unknown" and doc["advisory"] is True
    by = {(c["check"], c["subject"]): c for c in doc["checks"]}
    running = by[("max_cost_per_hour_usd", "account")]
    assert running["value"] is None and running["at_least"] == 14.7 and running["limit"] == 20.0
    assert by[("max_projected_usd", "bigcorp")]["value"] is None
    assert by[("max_projected_usd", "acme")]["value"] == 475.1


def test_a_projection_is_checked_when_hf_did_not_say_how_many_credits_are_included() -> None:
    """usage-v2 without includedNanoUsd: remaining and overage are unknown, but the projection ($475.10 for acme)
    does not depend on the included amount: above $400 it fails (audit 3, finding 12: it read "unknown")."""
    report = without_bigcorp(build_report())
    acme = next(c for c in report.credits if c.namespace == "acme")
    burn = CreditsBurn(**{f.name: getattr(acme, f.name) for f in fields(CreditsBurn)})
    blind = replace(report, credits=tuple(c for c in report.credits if c.namespace != "acme"),
                    credits_unknown=((burn, "usage-v2 did not say how many credits are included"),))
    assert outcomes(blind, max_projected_usd="400", min_remaining_credits_usd="1") == {
        ("max_projected_usd", "alice"): "ok", ("max_projected_usd", "acme"): "crossed",
        ("min_remaining_credits_usd", "alice"): "crossed", ("min_remaining_credits_usd", "acme"): "unknown"}
    assert judge(blind, limits(max_projected_usd="400")).code == GuardExit.FAILED
    assert judge(blind, limits(max_projected_usd="500")).code == GuardExit.OK

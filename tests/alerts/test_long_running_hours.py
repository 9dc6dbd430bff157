"""`[alerts] long_running_hours`: any Endpoint or Space billed and up without a break for longer than N hours.

The Report is hand-built (tests/tui/builder.py); the resources' recorded states are written out here, so the
hours up are counted by hand: acme/llm-prod (running, $2.50/h) came up from scaledToZero at 06:00, 14 h before
NOW (Nov 21 20:00); alice/flux-playground (RUNNING, $0.80/h) has run since before history began (its first record,
RUNNING, is 10 h before NOW).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

import pytest

from hfmon.alerts.checks import Outcome
from hfmon.alerts.engine import FIRED, RESET, AlertState, evaluate_alerts
from hfmon.alerts.rules import up_too_long
from hfmon.config import Alerts, parse_config
from hfmon.errors import ConfigError
from hfmon.history import StateChange
from hfmon.models import SourceStatus
from hfmon.report import Report
from tests.tui.builder import NOW, build_report

LLM, FLUX = "acme/llm-prod", "alice/flux-playground"


def report_at(hours_after: float, llm_states: Sequence[tuple[float, str]]) -> Report:
    """The Report `hours_after` NOW, with llm-prod's recorded states given as (hours before NOW, state)."""
    now = NOW + timedelta(hours=hours_after)
    changes = {("endpoint", LLM): tuple(StateChange("endpoint", LLM, NOW - timedelta(hours=h), s, "aws/a100/x1", 1)
                                        for h, s in llm_states),
               ("space", FLUX): (StateChange("space", FLUX, NOW - timedelta(hours=10), "RUNNING", "l4x1", 1),)}

    def changes_of(kind: str, resource: str) -> Sequence[StateChange]:
        return changes.get((kind, resource), ())

    report = build_report(now)
    down = llm_states and llm_states[-1][1] not in ("running", "initializing")
    endpoints = tuple(replace(r, endpoint=replace(r.endpoint, state=llm_states[-1][1]),
                              cost=replace(r.cost, cost_per_hour_usd=D(0), replicas=0))
                      if down and r.endpoint.id == LLM else r for r in report.endpoints)
    return answered(replace(report, endpoints=endpoints, changes_of=changes_of))


def answered(report: Report) -> Report:
    """The report with every source read this poll (the builder's endpoints:acme is stale)."""
    return replace(report, sources=tuple(replace(s, status=SourceStatus.OK) for s in report.sources))


def listing_failed(report: Report) -> Report:
    """The report with acme's Endpoints listing failed this poll, 7 minutes after its last good value (as built)."""
    return replace(report, sources=build_report(report.generated_at).sources)


def fired(report: Report, alerts: Alerts, state: AlertState) -> list[tuple[str, str]]:
    return [(e.kind, e.subject) for e in evaluate_alerts(report, alerts, state) if e.rule == "long_running_hours"]


UP_AT_6 = [(20.0, "scaledToZero"), (14.0, "initializing"), (13.9, "running")]


def test_fires_once_per_crossing_and_again_after_a_break(state: AlertState) -> None:
    alerts = Alerts(long_running_hours=D(16))
    assert fired(report_at(0, UP_AT_6), alerts, state) == []  # up 14 h: under the limit
    assert fired(report_at(2.5, UP_AT_6), alerts, state) == [(FIRED, f"endpoint {LLM}")]  # up 16 h 30 m
    assert fired(report_at(3, UP_AT_6), alerts, state) == []  # the same crossing: once
    went_down = [*UP_AT_6, (-3.5, "scaledToZero")]
    assert fired(report_at(4, went_down), alerts, state) == [(RESET, f"endpoint {LLM}")]
    back_up = [*went_down, (-5, "initializing"), (-5.1, "running")]
    assert fired(report_at(6, back_up), alerts, state) == []  # up 1 h since the break
    # llm-prod: up 16 h 30 m again; flux-playground: at least 31 h 30 m now, past the limit though its start is unknown
    assert sorted(fired(report_at(21.5, back_up), alerts, state)) == [(FIRED, f"endpoint {LLM}"),
                                                                      (FIRED, f"space {FLUX}")]
    event = next(e for e in state.history() if e.rule == "long_running_hours" and e.subject == f"endpoint {LLM}")
    assert event.message == (f"Endpoint or Space up without a break (endpoint {LLM}): up 16h 30m, above the "
                             "limit 16h")


def test_never_fires_on_an_unknown_start_until_the_lower_bound_crosses(state: AlertState) -> None:
    # flux-playground was RUNNING at the first state history holds: up at least 10 h, maybe much longer
    alerts = Alerts(long_running_hours=D(12))
    assert fired(report_at(0, UP_AT_6), alerts, state) == [(FIRED, f"endpoint {LLM}")]  # 14 h; flux: unknown
    assert fired(report_at(1, UP_AT_6), alerts, state) == []  # flux: at least 11 h, still unknown against 12 h
    assert fired(report_at(2.5, UP_AT_6), alerts, state) == [(FIRED, f"space {FLUX}")]  # at least 12 h 30 m


def test_free_hardware_and_no_history_never_fire(state: AlertState) -> None:
    alerts = Alerts(long_running_hours=D(1))
    zero = (StateChange("space", "alice/zero-sdxl", NOW - timedelta(hours=40), "SLEEPING", "zero-a10g", 0),
            StateChange("space", "alice/zero-sdxl", NOW - timedelta(hours=30), "RUNNING", "zero-a10g", 1))
    report = replace(build_report(NOW), changes_of=lambda kind, resource: zero if resource == "alice/zero-sdxl"
                     else ())
    # zero-sdxl: up 30 h on ZeroGPU, which bills nothing by the hour; the others: no history, how long is unknown
    assert fired(report, alerts, state) == []


def test_the_config_key() -> None:
    assert parse_config({"alerts": {"long_running_hours": 72}}).alerts.long_running_hours == D(72)
    assert parse_config({"alerts": {"long_running_hours": 72}}).alerts.any_rule
    with pytest.raises(ConfigError, match="alerts.long_running_hours: expected a number of hours above 0, got 0"):
        parse_config({"alerts": {"long_running_hours": 0}})


def test_the_exporter_serves_the_same_stretch_for_the_promql_twin() -> None:
    from hfmon.exporter.metrics import AccountView, families

    def up_of(report: Report) -> dict[tuple[str, str], float]:
        return {(s.labels["kind"], s.labels["name"]): s.value for f in families([AccountView("default", report)])
                if f.name == "hfmon_resource_up_at_least_seconds" for s in f.samples}

    up = up_of(report_at(2.5, UP_AT_6))
    assert up[("endpoint", "llm-prod")] == 16.5 * 3600  # up since 06:00, 16 h 30 m before NOW + 2.5 h
    assert up[("space", "flux-playground")] == 12.5 * 3600  # at least: first recorded RUNNING 10 h before NOW
    assert ("space", "zero-sdxl") not in up and ("endpoint", "embed-batch") not in up  # free; scaled to zero
    assert ("endpoint", "llm-prod") not in up_of(report_at(4, [*UP_AT_6, (-3.5, "scaledToZero")]))
    # acme's Endpoints listing failed this poll: what it said hours ago is not served as up now
    assert ("endpoint", "llm-prod") not in up_of(listing_failed(report_at(2.5, UP_AT_6)))


def test_a_failed_listing_neither_fires_nor_resets_on_its_last_good_state(state: AlertState) -> None:
    alerts = Alerts(long_running_hours=D(16))
    # up 16 h 30 m by its last good listing, 7 minutes old: whether it is still up is unknown, so it does not fire
    assert fired(listing_failed(report_at(2.5, UP_AT_6)), alerts, state) == []
    [reading] = [r for r in up_too_long(listing_failed(report_at(2.5, UP_AT_6)), D(16)) if r.subject.endswith(LLM)]
    assert (reading.outcome, reading.figure) == (Outcome.UNKNOWN, "unknown")
    assert reading.why.startswith("endpoints:acme failed this poll, its last good value 7m old")
    assert fired(report_at(3, UP_AT_6), alerts, state) == [(FIRED, f"endpoint {LLM}")]  # read again: up 17 h
    # its listing fails again, its last good value down: not "back to normal" on it
    down = [*UP_AT_6, (-3.5, "scaledToZero")]
    assert fired(listing_failed(report_at(4, down)), alerts, state) == []
    assert fired(report_at(4.5, down), alerts, state) == [(RESET, f"endpoint {LLM}")]


def updating_now(report: Report) -> Report:
    """llm-prod updating now, its previous revision's replica ready: what it costs now is unknown."""
    endpoints = tuple(replace(r, endpoint=replace(r.endpoint, state="updating", ready_replicas=1),
                              cost=replace(r.cost, cost_per_hour_usd=None, replicas=None))
                      if r.endpoint.id == LLM else r for r in report.endpoints)
    return replace(report, endpoints=endpoints)


def test_an_update_with_a_replica_ready_is_neither_up_nor_down() -> None:
    # billed or not while updating is undocumented (its cost is unknown): never "not billed now" (it read OK)
    [now] = [r for r in up_too_long(updating_now(report_at(0, [*UP_AT_6, (1.0, "updating")])), D(16))
             if r.subject.endswith(LLM)]
    assert (now.outcome, now.figure) == (Outcome.UNKNOWN, "unknown")
    assert now.why == "it is in a state no source says bills or not, with a replica ready"
    # running again for 2 h after 3 h of update: up at least 2 h, and maybe since 06:00 (it read an exact 2 h, "ok")
    after = [*UP_AT_6, (5.0, "updating"), (2.0, "running")]
    [reading] = [r for r in up_too_long(report_at(0, after), D(10)) if r.subject.endswith(LLM)]
    assert (reading.outcome, reading.figure, reading.at_least) == (Outcome.UNKNOWN, "up at least 2h", D(7200))
    assert reading.why == ("before that it was in a state no source says bills or not, so whether it was up then "
                           "is unknown")

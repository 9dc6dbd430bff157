"""Alerts judge each subject from the sources it comes from: a `--namespace` poll never fires nor resolves what a
poll of the whole account fired, and a source unread in one namespace does not freeze the alerts of the others
(audit 3, findings 21, 8 and 16).

The Reports are the hand-built ones of tests/tui/builder.py: alice (user) with orgs acme and bigcorp. $/h now:
alice $0.80 (the Space flux-playground alone), acme $3.50 + $2.10 + $5.80 with acme/rerank unpriced, bigcorp $2.50
with bigcorp/agents (h200x2) unpriced: at least $14.70/h in all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

from hfmon.alerts.engine import FIRED, RESET, AlertState, evaluate_alerts
from hfmon.config import Alerts
from hfmon.report import Report, Total
from tests.tui.builder import NOW, build_report, endpoints, jobs, meter_of, spaces


def events(report: Report, alerts: Alerts, state: AlertState) -> list[tuple[str, str, str]]:
    return sorted((e.kind, e.rule, e.subject) for e in evaluate_alerts(report, alerts, state))


def at(minutes: int) -> Report:
    return build_report(NOW + timedelta(minutes=minutes))


def only_alice(report: Report) -> Report:
    """The same moment polled with `--namespace alice`: acme's and bigcorp's sources and rows are not there."""
    meter = tuple(m for m in report.meter_rows if m.namespace == "alice")
    return replace(report, sources=tuple(s for s in report.sources if not s.name.endswith((":acme", ":bigcorp"))),
                   meter_rows=meter, running_cost_per_hour_usd=Total.sum((m.usd_per_hour for m in meter), D(0)),
                   flags=tuple(f for f in report.flags if f.subject.startswith("alice/")))


def test_a_namespace_poll_neither_resolves_nor_refires_the_account_alert(state: AlertState) -> None:
    alerts = Alerts(max_cost_per_hour_usd=D(10))
    assert events(at(0), alerts, state) == [(FIRED, "max_cost_per_hour_usd", "account")]  # at least $14.70/h
    alice = only_alice(at(1))
    assert alice.running_cost_per_hour_usd == Total(D("0.80"))  # alice's Space alone, complete for alice
    assert events(alice, alerts, state) == []  # was: "resolved: running cost now: $0.80/h (back within the limit)"
    assert state.firing() == {"max_cost_per_hour_usd:account"}
    assert events(at(2), alerts, state) == []  # the account's alert never stopped: nothing fires again


def test_a_namespace_poll_above_the_account_limit_fires_for_what_it_polled(state: AlertState) -> None:
    alerts = Alerts(max_cost_per_hour_usd=D("0.50"))
    (event,) = evaluate_alerts(only_alice(at(0)), alerts, state)
    assert (event.kind, event.subject) == (FIRED, "only alice polled")
    assert event.message == "running cost now (only alice polled): $0.80/h, above the limit $0.50/h"
    assert events(at(1), alerts, state) == [(FIRED, "max_cost_per_hour_usd", "account")]  # its own alert
    assert state.firing() == {"max_cost_per_hour_usd:account", "max_cost_per_hour_usd:only alice polled"}


def test_a_namespace_poll_keeps_the_flags_of_namespaces_it_did_not_poll(state: AlertState) -> None:
    alerts = Alerts(long_running=True)
    assert events(at(0), alerts, state) == [(FIRED, "long_running", "68f1c0ffee01"),
                                            (FIRED, "long_running", "alice/flux-playground")]
    assert events(only_alice(at(1)), alerts, state) == []  # acme's Job was not looked at: still firing
    assert state.firing() == {"long_running:68f1c0ffee01", "long_running:alice/flux-playground"}


def test_a_source_no_poll_can_read_in_another_namespace_does_not_keep_an_alert_firing(state: AlertState) -> None:
    """bigcorp's billing and its groups' usage are no_access for good; alice's idle GPU Space and acme's long Job
    come from alice's and acme's listings, which were read: when their flags go, the alerts are over, and the
    next crossing is sent (it was never sent: the alert stayed firing)."""
    alerts = Alerts(long_running=True)
    unreadable = ("billing:bigcorp", "statement:bigcorp", "resource_group_usage:bigcorp")

    def poll(minutes: int, *gone: str) -> Report:
        report = at(minutes)
        return replace(report, flags_unchecked=unreadable,
                       flags=tuple(f for f in report.flags if f.subject not in gone))

    assert len(events(poll(0), alerts, state)) == 2
    assert events(poll(1, "alice/flux-playground", "68f1c0ffee01"), alerts, state) == [
        (RESET, "long_running", "68f1c0ffee01"), (RESET, "long_running", "alice/flux-playground")]
    assert events(poll(2), alerts, state) == [(FIRED, "long_running", "68f1c0ffee01"),
                                              (FIRED, "long_running", "alice/flux-playground")]


def _bigcorp_agents_asleep(minutes: int) -> Report:
    """bigcorp/agents (h200x2, no catalog prices it) asleep: it costs nothing now; its line billed this period
    still has no recomputation, so it stays in Report.unpriced."""
    asleep = {"stage": "SLEEPING", "replicas_current": 0}
    rows = tuple(replace(r, space=replace(r.space, **asleep), cost=replace(r.cost, replicas=0, cost_per_hour_usd=D(0)))
                 if r.space.id == "bigcorp/agents" else r for r in spaces())
    meter = meter_of(endpoints(), rows, jobs())
    report = replace(at(minutes), spaces=rows, meter_rows=meter,
                     running_cost_per_hour_usd=Total.sum((m.usd_per_hour for m in meter), D(0)))
    assert "space bigcorp/agents (h200x2)" in report.unpriced
    return report


def test_unpriced_fires_on_what_is_billed_now_and_holds_while_it_sleeps(state: AlertState) -> None:
    alerts = Alerts(unpriced=True)
    fired = {e.subject: e.message for e in evaluate_alerts(at(0), alerts, state)}
    assert fired == {
        "endpoint acme/rerank (nvidia-h100 x2)": "unpriced resource (endpoint acme/rerank (nvidia-h100 x2)): "
                                                 "billed now and no catalog prices it: the running cost is partial",
        "space bigcorp/agents (h200x2)": "unpriced resource (space bigcorp/agents (h200x2)): billed now and no "
                                         "catalog prices it: the running cost is partial"}
    asleep = _bigcorp_agents_asleep(1)
    # acme/rerank still runs unpriced: at least 3.50 + 2.10 + 5.80 + 0.80 + 2.50 = $14.70/h, only it missing
    assert asleep.running_cost_per_hour_usd == Total(D("14.70"), ("unpriced:endpoint acme/rerank (nvidia-h100 x2)",))
    assert events(asleep, alerts, state) == []  # asleep, h200x2 is still unpriced: nothing was resolved


def test_an_unpriced_space_asleep_from_the_start_never_fires(state: AlertState) -> None:
    got = events(_bigcorp_agents_asleep(0), Alerts(unpriced=True), state)
    assert got == [(FIRED, "unpriced", "endpoint acme/rerank (nvidia-h100 x2)")]  # was: bigcorp/agents too


def test_a_namespace_threshold_for_no_namespace_of_the_account_is_named_unless_the_orgs_are_unknown() -> None:
    from hfmon.alerts.rules import namespaces_not_checked
    from hfmon.config import Thresholds

    alerts = Alerts(namespaces={"acme": Thresholds(max_period_usd=D(1)), "acme-corp": Thresholds(max_period_usd=D(1))})
    report = at(0)
    assert namespaces_not_checked(report, alerts) == [
        "[alerts.namespace.acme-corp] is never checked: acme-corp is not alice or one of its orgs "
        "(alice, acme, bigcorp); check the name in the config file"]
    assert report.account is not None
    unread = replace(report, account=replace(report.account, orgs=None))  # whoami without its orgs: cannot tell
    assert namespaces_not_checked(unread, alerts) == []


def test_an_idle_gpu_a_polling_gap_left_unchecked_neither_resolves_nor_refires(state: AlertState) -> None:
    """alice's GPU Space was flagged idle; then hfmon stopped polling for hours: whether it stayed unchanged is
    unknown (`idle_gpu:<id> (why)` in flags_unchecked), so its alert holds; once watched and changed, it resets."""
    alerts = Alerts(long_running=True)
    assert (FIRED, "long_running", "alice/flux-playground") in events(at(0), alerts, state)
    unknown = ("idle_gpu:alice/flux-playground (not watched Nov 18 08:55 UTC to Nov 18 15:00 UTC)",)
    gone = replace(at(1), flags=tuple(f for f in at(1).flags if f.subject != "alice/flux-playground"))
    unchecked = replace(gone, flags_unchecked=unknown, idle_unchecked=("alice/flux-playground",))
    assert events(unchecked, alerts, state) == []
    assert "long_running:alice/flux-playground" in state.firing()
    assert events(gone, alerts, state) == [(RESET, "long_running", "alice/flux-playground")]

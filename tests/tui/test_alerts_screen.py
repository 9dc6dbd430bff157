"""The dashboard's side of alerts: a toast and the terminal bell when one fires, and the history on `a`."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from textual.widgets import Static

from hfmon.alerts.engine import MemoryAlertState, evaluate_alerts
from hfmon.config import Alerts
from hfmon.tui.app import HfmonApp
from tests.tui.builder import FakeSource, build_report
from tests.tui.test_app import app_for, messages, settle


def overage_event() -> Any:
    (event,) = evaluate_alerts(build_report(), Alerts(max_overage_usd=D(0)), MemoryAlertState())
    return event


async def test_a_fired_alert_is_a_toast_and_a_bell_once(monkeypatch: pytest.MonkeyPatch) -> None:
    bells: list[int] = []
    monkeypatch.setattr(HfmonApp, "bell", lambda self: bells.append(1))
    source = FakeSource()
    event = overage_event()
    source.alert_events = [event]
    app = app_for(source)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        source.alert_events = []  # the next poll fires nothing new
        await pilot.press("r")
        await settle(app, pilot)
    alert_toasts = [m for m in messages(app) if m.startswith("hfmon alert")]
    assert alert_toasts == ["hfmon alert: Inference Providers overage this period (acme): $301.40, above the limit "
                            "$0.00\nAdvisory: it does not stop spending. a: alert history"]
    assert bells == [1]


async def test_a_opens_the_alert_history_newest_first() -> None:
    source = FakeSource()
    source.alerts = [overage_event()]
    source.alerts_configured = True
    app = app_for(source)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert type(app.screen).__name__ == "AlertsScreen"
        shown = app.screen.query_one(Static).content
        text = getattr(shown, "plain", str(shown))
        assert "Nov 21 20:00 UTC  FIRED    Inference Providers overage this period (acme): $301.40" in text
        assert "\nhfmon alerts are advisory: they do not stop spending" in text  # the name as the product spells it
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Screen"


async def test_without_rules_the_history_says_how_to_set_them() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        shown = app.screen.query_one(Static).content
        assert "No alert rules are set" in getattr(shown, "plain", str(shown))

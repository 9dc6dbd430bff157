"""Pure view code: formatters, table rows, badges, toasts and the burn-down lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from hfmon import format as fmt
from hfmon.errors import NoAccessError
from hfmon.models import SourceStatus
from hfmon.report import SourceState
from hfmon.tui import money_rows, rows, status
from hfmon.tui.widgets.chart import burn_down, round_ticks
from tests.tui.builder import NOW, PERIOD_END, PERIOD_START, build_report, with_sources

TONES = {"good": "green", "warn": "yellow", "bad": "red", "accent": "blue", "muted": "dim"}


def by_key(columns: tuple[rows.Column, ...], cells: tuple[rows.Cell, ...]) -> dict[str, str]:
    """A row's texts by column key, so tests do not depend on the column order."""
    return {c.key: cell.plain for c, cell in zip(columns, cells, strict=True)}


def test_money_is_exact_and_unpriced_is_never_zero() -> None:
    assert fmt.money(D("1234.565")) == "$1,234.57"
    assert fmt.money(D("-0.40")) == "-$0.40"
    assert fmt.money(D("0.004")) == "<$0.01"
    assert fmt.money(D(0)) == "$0.00"
    assert fmt.money(None) == "unpriced"
    assert fmt.per_hour(None) == "unpriced"
    assert fmt.money_delta(D("1.2")) == "+$1.20" and fmt.money_delta(D("-1.2")) == "-$1.20"


def test_durations_sizes_and_ages() -> None:
    assert [fmt.duration(s) for s in (45, 720, 3600, 11100, 86400 * 2 + 3600 * 4, 86400)] == \
        ["45s", "12m", "1h", "3h 05m", "2d 04h", "1d"]
    assert fmt.ago(0) == "just now" and fmt.ago(420) == "7m ago" and fmt.ago(None) == "never"
    assert fmt.size(512) == "512 B" and fmt.size(1_283_424_000_000) == "1.28 TB" and fmt.size(41_200_000_000) \
        == "41.2 GB"
    assert fmt.sleep_time(None) == "never" and fmt.sleep_time(3600) == "1h"
    assert fmt.stamp(datetime(2026, 11, 21, 9, 5, tzinfo=UTC)) == "Nov 21 09:05 UTC"


def test_hours_round_the_same_in_tables_and_text() -> None:
    assert fmt.hours(D("12.25")) == "12.3 h" and rows.hours_cell(D("12.25")).plain == "12.3"
    assert rows.hours_cell(D("1234.05")).plain == "1,234.1" and rows.hours_cell(None).plain == fmt.MISSING


def test_crosscheck_rows_put_drift_then_unpriced_first() -> None:
    out = rows.check_rows(build_report(), None, TONES)
    by_status = sorted(out, key=lambda r: r[1][0].sort)
    assert [r[1][0].plain for r in by_status][:3] == ["DRIFT", "UNPRICED", "UNPRICED"]
    assert by_status[0][0] == "total spaces acme"


def test_unpriced_resources_say_so_instead_of_zero() -> None:
    report = build_report()
    rerank = by_key(rows.ENDPOINT_COLUMNS, dict(rows.endpoint_rows(report, None, TONES))["acme/rerank"])
    assert rerank["rate"] == "unpriced" and rerank["recomputed"] == "unpriced" and rerank["price"] == "unpriced"
    agents = by_key(rows.SPACE_COLUMNS, dict(rows.space_rows(report, None, TONES))["bigcorp/agents"])
    assert agents["rate"] == "unpriced"
    assert "$0.00" not in (agents["rate"], agents["recomputed"])


def test_a_granted_space_says_granted_instead_of_a_rate() -> None:
    report = build_report()
    space = report.spaces[0]
    granted = replace(space, cost=replace(space.cost, cost_per_hour_usd=D(0), billed_usd=D(0), granted=True))
    report = replace(report, spaces=(granted, *report.spaces[1:]))
    cells = by_key(rows.SPACE_COLUMNS, dict(rows.space_rows(report, None, TONES))[space.space.id])
    assert cells["rate"] == "granted" and cells["billed"] == "$0.00"


def test_namespace_filter_keeps_only_that_owner() -> None:
    report = build_report()
    assert {k.split("/")[0] for k, _ in rows.space_rows(report, "alice", TONES)} == {"alice"}
    assert all(k.startswith("acme/") for k, _ in rows.endpoint_rows(report, "acme", TONES))
    assert all("acme" in r[1][2].plain for r in
               rows.check_rows(report, "acme", TONES))


def test_top_spenders_include_inference_and_rank_by_cost() -> None:
    out = money_rows.spender_rows(build_report(), None)
    assert [k for k, _ in out][:3] == ["acme/llm-prod", "acme/chat-ui", "acme/rerank"]
    # bigcorp's billing is unreadable: the inference figure is only a lower bound, and its row says so
    assert "Inference Providers (at least)" in [k for k, _ in money_rows.spender_rows(build_report(), None, limit=20)]


def test_badges_name_the_source_and_age() -> None:
    report = build_report()
    later = NOW + timedelta(minutes=3)
    assert rows.panel_badge(report, "endpoints", None, later) == "STALE 10m acme (endpoints)"
    assert rows.panel_badge(report, "endpoints", "alice", later) == ""
    assert rows.panel_badge(report, "credits", None, NOW) == "NO ACCESS bigcorp (billing, statement)"


def test_toasts_only_for_sources_that_changed() -> None:
    first = build_report()
    # No permission is not a failure: one brief note per namespace, apart from what did fail.
    assert [(t.title, t.severity) for t in status.source_changes(None, first)] == [
        ("No access: bigcorp", "information"), ("endpoints:acme: showing the last good value", "warning")]
    assert status.source_changes(first, build_report(tick=1)) == []
    broken = with_sources(first, zero_gpu=SourceState("zero_gpu", SourceStatus.ERROR, None, None, "boom", "wait"))
    toasts = status.source_changes(first, broken)
    assert [(t.title, t.severity) for t in toasts] == [("zero_gpu: failed", "error")]
    assert [t.title for t in status.source_changes(broken, first)] == ["Back to normal"]


def test_errors_are_described_with_their_hint() -> None:
    title, message, hint = status.describe(NoAccessError("403 on billing", "grant billing read"))
    assert (title, message, hint) == ("Missing permission", "403 on billing", "grant billing read")
    assert status.describe(ValueError("x"))[0] == "Unexpected error"


def test_burn_down_uses_the_series_and_projects_to_period_end() -> None:
    credits = build_report().credits[0]
    data = burn_down(credits, NOW)
    assert data.history and data.used[0] == (0.0, 0.0)
    today = (NOW - PERIOD_START).total_seconds() / 86400
    assert data.used[-1] == (today, 1.74) and data.today == today
    assert data.projection == ((today, 1.74), ((PERIOD_END - PERIOD_START).days, 2.57))
    assert data.included == 2.0 and data.limit is None  # $10 limit is far above: named in the legend, not drawn
    assert data.top >= 2.57


@pytest.mark.parametrize(("highest", "ticks"), [
    (2.04, (0, 0.5, 1, 1.5, 2, 2.5)),  # $2.04 used of $2.00: the axis goes past it
    (3.2, (0, 1, 2, 3, 4)),
    (4.9, (0, 1, 2, 3, 4, 5)),
    (476.0, (0, 100, 200, 300, 400, 500)),
    (0.003, (0, 0.01)),  # never below a cent
])
def test_round_ticks_reach_past_the_highest_figure(highest: float, ticks: tuple[float, ...]) -> None:
    assert round_ticks(highest) == ticks


def test_burn_down_axis_shows_every_line_with_round_ticks_and_the_overage() -> None:
    c = build_report().credits[0]  # $1.74 of $2.00, projected $2.57, limit $10 (far above: not drawn)
    data = burn_down(c, NOW)
    assert data.ticks == (0, 1, 2, 3) and data.top == 3  # round, and above 2.57 and the $2 line
    assert data.overage == ()  # not over yet
    over = replace(c, used_usd=D("2.50"), series=((PERIOD_START, D(0)), (PERIOD_START + timedelta(days=10), D("1.5")),
                                                  (PERIOD_START + timedelta(days=15), D("2.4"))))
    data = burn_down(over, NOW)
    # the used line crosses $2.00 between day 10 ($1.50) and day 15 ($2.40): at day 10 + 5 x 0.5/0.9
    assert data.overage[0] == pytest.approx((10 + 5 * 0.5 / 0.9, 2.0))
    assert data.overage[1:] == ((15.0, 2.4), (data.today, 2.5))


def test_burn_down_without_history_says_so() -> None:
    credits = replace(build_report().credits[1], series=())
    data = burn_down(credits, NOW)
    assert not data.history and len(data.used) == 2
    assert data.limit == 400.0 and data.top >= 475.1


def test_row_cache_reuses_unchanged_rows_and_rebuilds_changed_ones() -> None:
    cache = rows.space_cache()
    first = dict(rows.space_rows(build_report(), None, TONES, cache))
    again = dict(rows.space_rows(build_report(), None, TONES, cache))
    assert all(again[k] is first[k] for k in first)
    report = build_report()
    changed = tuple(replace(s, space=replace(s.space, stage="PAUSED")) if s.space.id == "acme/chat-ui" else s
                    for s in report.spaces)
    third = dict(rows.space_rows(replace(report, spaces=changed), None, TONES, cache))
    assert third["acme/chat-ui"][1].plain == "PAUSED" and third["acme/rag-demo"] is first["acme/rag-demo"]
    # only the changed cell is new: the name, hardware and money cells of that row are the ones built before
    assert [a is b for a, b in zip(third["acme/chat-ui"], first["acme/chat-ui"], strict=True)].count(False) >= 1
    assert third["acme/chat-ui"][0] is first["acme/chat-ui"][0] and third["acme/chat-ui"][2] is first["acme/chat-ui"][2]
    # and it is what a cache-less build makes of the same row
    assert third["acme/chat-ui"] == dict(rows.space_rows(replace(report, spaces=changed), None, TONES))["acme/chat-ui"]
    assert dict(rows.space_rows(report, None, {**TONES, "good": "cyan"}, cache))["acme/rag-demo"][1].style == "cyan"


def test_billed_this_period_shows_unreadable_parts_as_dashes_not_zero() -> None:
    out = dict(money_rows.spend_rows(build_report(), None))
    # alice's statement is unreadable: storage and the rest are dashes, and the total only a lower bound
    assert [c.plain for c in out["alice"]] == ["alice", "at least $57.40", "$1.74", "$9.35", "$44.80", "$1.51",
                                               "—", "—", "—"]  # the last: no invoice read
    assert out["acme"][1].plain == "$2,639.62"  # 22.12 + 1614 + 816 + 150 + 37.50 + 0, every part read
    assert list(dict(money_rows.spend_rows(build_report(), "acme"))) == ["acme"]


def test_crosscheck_items_split_into_kind_and_subject() -> None:
    assert rows.check_kind("endpoint acme/llm-prod") == ("endpoint", "acme/llm-prod")
    assert rows.check_kind("total spaces acme") == ("total", "spaces acme")
    assert rows.check_kind("space acme/chat-ui a10g-large minutes vs history") == ("history",
                                                                                  "space acme/chat-ui a10g-large")

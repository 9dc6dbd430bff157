"""The config file's `[advisor]` table: each assumption the advisor rests on, checked with errors that name the
file, the key and its rule; and the findings follow the values set (figures recomputed by hand)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.advice import AdvisorSettings, advise
from hfmon.advice.whatif import what_if
from hfmon.config import load_config, parse_config
from hfmon.errors import ConfigError
from hfmon.fakehub import demo_scenario
from hfmon.pricing.catalog import build_catalog
from tests.costs import scenario_expect as expect
from tests.costs.test_scenario import START, poll_report

D = Decimal


def test_every_key_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[advisor]\nhours_per_month = 720\nbusy_hours_per_day = 10.5\nbusy_days_per_week = 6\n"
                    "idle_target_min = 30\nforgotten_days = 14\nwindow_days = 3\nmin_history_hours = 12\n"
                    "fit_overhead = 1.5\n")
    assert load_config(path).advisor == AdvisorSettings(
        busy_hours_per_day=D("10.5"), busy_days_per_week=6, idle_target_min=30, forgotten_days=14, window_days=3,
        min_history_hours=12, fit_overhead=D("1.5"), hours_per_month=D(720))
    assert parse_config({}).advisor == AdvisorSettings()  # absent: the defaults


@pytest.mark.parametrize(("table", "message"), [
    ({"hours_per_month": 100}, "advisor.hours_per_month: expected a number of hours from 672 to 744, got 100"),
    ({"fit_overhead": 0.5}, "advisor.fit_overhead: expected a factor from 1 to 4, got 0.5"),
    ({"busy_days_per_week": 2.5}, "advisor.busy_days_per_week: expected a whole number of days from 0 to 7, got 2.5"),
    ({"idle_target_min": True}, "advisor.idle_target_min: expected a whole number of minutes from 1 to 1440, got True"),
    ({"window_days": "7"}, "advisor.window_days: expected a whole number of days from 1 to 90, got '7'"),
    ({"forgotten_day": 3}, "advisor.forgotten_day: unknown key (known: busy_days_per_week, busy_hours_per_day"),
    ({"busy_hours_per_day": 24, "idle_target_min": 60}, "advisor: busy_hours_per_day plus idle_target_min is more "
                                                        "than a day"),
])
def test_bad_values_name_the_file_the_key_and_the_rule(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"advisor": table}, "my.toml")
    assert str(err.value.message).startswith(f"my.toml: {message}")


def test_advisor_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match="my.toml: advisor: expected a table, got 3"):
        parse_config({"advisor": 3}, "my.toml")


async def test_the_findings_follow_the_settings() -> None:
    scn = demo_scenario()
    history = expect.history(scn, START)
    report, _ = await poll_report(scn, START, history=history)
    settings = AdvisorSettings(hours_per_month=D(720), busy_hours_per_day=D(10), busy_days_per_week=7,
                               idle_target_min=30)
    advice = advise(report, history, build_catalog(None), settings)
    llama = next(f for f in advice.findings if f.resource == "endpoint ada/llama-chat")
    price = next(e.compute.price_per_hour for e in scn.endpoints if e.id == "ada/llama-chat")
    needed = (D(10) + D(30) / 60) * 7 * D(720) / 168  # busy 10 h + 30 min idle, every day, a 720 h month
    assert llama.saving_usd_month == (price * (D(720) - needed)).quantize(D("0.000001"))
    assert "scale to zero after 30 min" in llama.change
    assert advice.hours_per_month == D(720)
    # the what-if bill's month at the pace so far is counted in the same month
    ada = next(b for b in what_if(report, advice) if b.namespace == "ada")
    hours = D(17 * 24 + 15)  # Nov 1 00:00 to Nov 18 15:00
    assert ada.so_far_usd is not None and ada.month_usd == (ada.so_far_usd * 720 / hours).quantize(D("0.000001"))


def test_the_readme_example_states_the_defaults() -> None:
    import tomllib

    from tests.test_readme import blocks

    example = blocks("toml")[0]
    assert "[advisor]" in example
    assert parse_config(tomllib.loads(example), "README.md").advisor == AdvisorSettings()

"""README.md tells the truth: its commands and examples are what the code accepts and produces."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from hfmon.config import parse_config
from hfmon.schemas import once_schema

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The fenced code blocks of one language."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_it_opens_with_the_demo_and_the_test_commands() -> None:
    first, second = blocks("sh")[:2]
    assert first.strip().endswith("hfmon --demo")
    assert second.strip().endswith("python -m pytest")
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip().replace("-q ", "") in ci.replace("-q ", "")


def test_the_config_example_is_accepted() -> None:
    import tomllib

    example, alerts = blocks("toml")
    config = parse_config(tomllib.loads(example), "README.md")
    assert config.interval_s == 60 and config.namespaces == ("alice", "acme")
    rules = parse_config(tomllib.loads(alerts), "README.md").alerts  # the Alerts section's example
    assert rules.webhook_format == "slack" and rules.thresholds("acme").monthly_budget_usd == 2000


def test_the_json_example_matches_the_schema() -> None:
    example, _alert = blocks("json")
    jsonschema.validate(json.loads(example), once_schema())


def test_the_json_examples_figures_agree_with_each_other() -> None:
    # its text: `windows.period` is "the same figures as `spend`, without storage and other products"; it once showed
    # ada's endpoints at 424.850121 in `spend` and 424.716791 in `windows.period`, the window ending 16 s after the
    # document was generated (two runs pasted together)
    doc = json.loads(blocks("json")[0])
    spend = {s["namespace"]: s for s in doc["spend"]}
    period = doc["windows"]["period"]
    assert period["namespaces"]
    for ns in period["namespaces"]:
        current = ns["current"]
        assert current["end"] == doc["generated_at"]
        for product in ("inference_usd", "endpoints_usd", "spaces_usd", "jobs_usd"):
            assert current[product] == spend[ns["namespace"]][product], (ns["namespace"], product)


def test_the_alert_document_example_is_what_an_alert_sends() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime
    from decimal import Decimal

    from hfmon.alerts.engine import MemoryAlertState, evaluate_alerts
    from hfmon.config import Alerts
    from hfmon.report import Total
    from tests.tui.builder import build_report

    _once, example = blocks("json")
    doc = json.loads(example)
    report = replace(build_report(datetime(2026, 11, 18, 15, 0, 25, tzinfo=UTC)),
                     running_cost_per_hour_usd=Total(Decimal(12)))
    (event,) = evaluate_alerts(report, Alerts(max_cost_per_hour_usd=Decimal(5)), MemoryAlertState())
    assert event.document() == doc

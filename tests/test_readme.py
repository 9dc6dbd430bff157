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

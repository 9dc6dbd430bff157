"""contrib/: the alerting rules and the Grafana dashboard query metrics the exporter really serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hfmon.exporter.metrics import AccountView, families
from hfmon.monitor import build_monitor

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"
METRIC = re.compile(r"\bhfmon_[a-z_]+\b")


@pytest.fixture(scope="module")
def served_names() -> set[str]:
    """Every metric and sample name the exporter serves for the demo account after one poll."""
    import asyncio

    monitor = build_monitor(demo=True, history=False)

    async def poll() -> AccountView:
        try:
            return AccountView("default", await monitor.poll(), 1, 0)
        finally:
            await monitor.aclose()

    view = asyncio.run(poll())
    names = set()
    for family in families([view]):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def test_every_metric_the_rules_use_is_served(served_names: set[str]) -> None:
    rules = (CONTRIB / "prometheus" / "hfmon-rules.yml").read_text()
    exprs = "\n".join(line for line in rules.splitlines() if not line.lstrip().startswith("#"))
    used = set(METRIC.findall(exprs))
    assert used, "no hfmon_ metric in the rules"
    assert used <= served_names, used - served_names


def test_the_dashboard_queries_served_metrics_and_has_its_panels(served_names: set[str]) -> None:
    dashboard = json.loads((CONTRIB / "grafana" / "hfmon-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    used = {name for expr in exprs for name in METRIC.findall(expr)}
    assert used <= served_names, used - served_names
    titles = " | ".join(p["title"] for p in dashboard["panels"]).lower()
    for wanted in ("spend rate by namespace", "spend rate by resource", "burn-down", "top spenders",
                   "source health"):
        assert wanted in titles
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))

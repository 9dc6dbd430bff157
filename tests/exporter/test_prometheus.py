"""A real Prometheus (Debian's `prometheus` package, installed by .ci/run) scraping `hfmon exporter --demo` through
the contrib/ scrape config, and promtool checking the exporter's output and the contrib/ alerting rules."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub.faults import RouteFault
from tests.exporter.running import ExporterProcess, exporter
from tests.faults.harness import Served
from tests.processes import running

pytestmark = pytest.mark.e2e
CONTRIB = Path(__file__).resolve().parents[2] / "contrib" / "prometheus"
PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
NEEDS_PROMETHEUS = pytest.mark.skipif(PROMETHEUS is None, reason="the prometheus binary is not installed "
                                      "(Debian: apt-get install prometheus; .ci/run installs it)")
NEEDS_PROMTOOL = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed "
                                    "(Debian: apt-get install prometheus; .ci/run installs it)")


@pytest.fixture
def demo_exporter(tmp_path: Path) -> Iterator[ExporterProcess]:
    env = {**os.environ, "HFMON_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("HFMON_CONFIG", None)
    with exporter("--demo", "--no-history", env=env) as process:
        yield process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def query(port: int, promql: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=10) as resp:
        body = json.load(resp)
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def wait_for(prom: subprocess.Popen[Any], port: int, promql: str, timeout_s: float = 90) -> list[dict[str, Any]]:
    """The query's result once it has one (Prometheus needs a scrape or two first); bounded."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert prom.poll() is None, "prometheus exited"
        try:
            result = query(port, promql)
            if result:
                return result
        except OSError:
            pass  # not listening yet
        assert time.monotonic() < deadline, f"no result for {promql} within {timeout_s} s"
        time.sleep(0.5)


@contextmanager
def prometheus_scraping(exporter_port: int, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[Any], int]]:
    """A real Prometheus with the contrib/ scrape config (every second) and rules, scraping the exporter on
    `exporter_port`: (its process, its port); stopped when the block ends."""
    config = (CONTRIB / "prometheus.yml").read_text()
    assert "127.0.0.1:9464" in config and "scrape_interval: 30s" in config and "scrape_timeout: 10s" in config
    config = config.replace("127.0.0.1:9464", f"127.0.0.1:{exporter_port}").replace("30s", "1s")
    config = config.replace("scrape_timeout: 10s", "scrape_timeout: 1s")
    (tmp_path / "prometheus.yml").write_text(config)
    shutil.copy(CONTRIB / "hfmon-rules.yml", tmp_path / "hfmon-rules.yml")
    port = free_port()
    args = [str(PROMETHEUS), f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    with open(tmp_path / "prometheus.log", "w") as log, \
            running(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log) as prom:
        try:
            yield prom, port
        finally:
            assert prom.poll() is None, (tmp_path / "prometheus.log").read_text()


@NEEDS_PROMETHEUS
def test_prometheus_scrapes_the_exporter_with_the_contrib_config(demo_exporter: ExporterProcess,
                                                                 tmp_path: Path) -> None:
    demo_exporter.after_polls(1)
    with prometheus_scraping(demo_exporter.port, tmp_path) as (prom, port):
        [up] = wait_for(prom, port, 'up{job="hfmon"} == 1')
        assert up["value"][1] == "1"
        # A figure read back through Prometheus: the demo user's included credits ($2, PRO).
        [credits] = wait_for(prom, port, 'hfmon_credits_included_usd{account="default",namespace="ada"}')
        assert float(credits["value"][1]) == 2.0
        resources = wait_for(prom, port, 'count(hfmon_cost_per_hour_usd{account="default"})')
        assert float(resources[0]["value"][1]) > 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/rules", timeout=10) as resp:
            groups = json.load(resp)["data"]["groups"]
        assert [g["name"] for g in groups] == ["hfmon"]
        assert all(rule["health"] != "err" for rule in groups[0]["rules"]), groups[0]["rules"]


@NEEDS_PROMETHEUS
def test_a_source_failing_on_the_second_poll_ends_its_series_in_prometheus(served: Served, tmp_path: Path) -> None:
    """Finding 19: ada's usage-v2 fails from the second poll on. Prometheus then has no current value of what was
    read from it, nor of the flag computed from it (the series ended, so an alert on it stops instead of seeing the
    first poll's figure as fresh) and sees hfmon_source_up 0 for it; ada-labs' figures, read fine, stay."""
    with exporter("--no-history", "--interval", "10", env=served.env()) as running_exporter:
        running_exporter.after_polls(1)
        with prometheus_scraping(running_exporter.port, tmp_path) as (prom, port):
            remaining = 'hfmon_credits_remaining_usd{account="default",namespace="ada"}'
            [before] = wait_for(prom, port, remaining)
            assert float(before["value"][1]) >= 0
            run_out = 'hfmon_flag{kind="credits_run_out",subject="ada"}'  # computed from ada's usage-v2
            assert [f["value"][1] for f in wait_for(prom, port, run_out)] == ["1"]
            served.hub.route_faults.append(RouteFault("/api/settings/billing/usage-v2", status=503))
            [down] = wait_for(prom, port, 'hfmon_source_up{source="billing:ada",namespace="ada"} == 0', 60)
            assert down["metric"]["account"] == "default"
            time.sleep(2.5)  # two more scrapes of the poll that failed
            assert query(port, remaining) == []  # the stale figure is gone, not served as fresh
            assert query(port, 'hfmon_credits_used_usd{namespace="ada"}') == []
            assert query(port, 'hfmon_inference_provider_spend_usd{namespace="ada"}') == []
            assert query(port, 'absent(hfmon_credits_remaining_usd{namespace="ada"})')[0]["value"][1] == "1"
            assert query(port, run_out) == []  # its flag too: never raised from the last good value
            assert query(port, 'hfmon_flag{kind="credits_run_out",subject="ada-labs"}')  # read this poll: raised
            [labs] = query(port, 'hfmon_credits_included_usd{namespace="ada-labs"}')
            assert float(labs["value"][1]) == 10.0  # the Enterprise org's included credits, read this poll
            # ada-labs' provider series still add up to its inference spend, per namespace
            [total] = query(port, 'sum by (namespace) (hfmon_inference_provider_spend_usd{namespace="ada-labs"})')
            [spend] = query(port, 'hfmon_spend_usd{namespace="ada-labs",product="inference",source="billed"}')
            assert float(total["value"][1]) == pytest.approx(float(spend["value"][1]))


@NEEDS_PROMTOOL
def test_promtool_accepts_the_exporter_output(demo_exporter: ExporterProcess) -> None:
    demo_exporter.after_polls(1)
    check = subprocess.run([str(PROMTOOL), "check", "metrics"], input=demo_exporter.text(), capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip() == "" and check.stderr.strip() == ""  # no lint complaint either


@NEEDS_PROMTOOL
def test_promtool_accepts_the_contrib_rules_and_config() -> None:
    for what, path in (("rules", CONTRIB / "hfmon-rules.yml"), ("config", CONTRIB / "prometheus.yml")):
        check = subprocess.run([str(PROMTOOL), "check", what, str(path)], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr


@NEEDS_PROMTOOL
def test_not_polling_follows_the_accounts_interval(tmp_path: Path) -> None:
    """Audit 5 #11: `increase(hfmon_polls_total[15m]) == 0` fired once per interval on a healthy exporter polling
    every 15 minutes or more. promtool's own rule tests: time starts at 0, one sample a minute."""
    shutil.copy(CONTRIB / "hfmon-rules.yml", tmp_path / "hfmon-rules.yml")
    every_15_min = " ".join(f"{900 * k}x14" for k in range(12))  # a poll ends every 15 min for 3 hours
    (tmp_path / "test.yml").write_text(f"""
rule_files: [hfmon-rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'hfmon_poll_interval_seconds{{account="healthy"}}'
        values: '900x180'
      - series: 'hfmon_poll_end_timestamp_seconds{{account="healthy"}}'
        values: '{every_15_min}'
      - series: 'hfmon_poll_interval_seconds{{account="stuck"}}'
        values: '900x180'
      - series: 'hfmon_poll_end_timestamp_seconds{{account="stuck"}}'
        values: '0x180'
    alert_rule_test:
      - eval_time: 39m
        alertname: HfmonNotPolling
        exp_alerts: []
      - eval_time: 170m
        alertname: HfmonNotPolling
        exp_alerts:
          - exp_labels: {{severity: warning, account: stuck}}
            exp_annotations:
              summary: "hfmon exporter has not finished a poll of stuck for two intervals"
""")
    run = subprocess.run([str(PROMTOOL), "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


def _budget_alert(account: str, namespace: str) -> str:
    return (f'{{exp_labels: {{severity: warning, account: {account}, namespace: {namespace}}}, exp_annotations: '
            f'{{summary: "{account}/{namespace} is spending faster than its monthly budget allows"}}}}')


@NEEDS_PROMTOOL
def test_the_contrib_budget_rule_paces_spend_as_hfmon_does(tmp_path: Path) -> None:
    """Audit 8 E9, with promtool's rule tests (time 0, a sample and an evaluation every 5 min), a $500 budget:
    - ada, Nov 1 12:00 (time 0), $36 of storage (the month's charge) and $0.50/h since: hfmon allows
      $36 + $464 x share, never behind (the old rule paced the $36 too: firing Nov 1 14:00 to about Nov 8 17:00);
    - fast, the same but $2/h: ahead once 2 t > 0.644 (12 + t), t > 5.6 h: firing at 10 h;
    - labs, Dec 3 12:00, its statement's period Dec 1 - Jan 1, its credits' from Nov 15: $153.72 against
      $500 x 62 h / 744 h = $41.67 (the old rule paced over the credits' period: $308.33, silent), until
      $500 x (60 + t) / 744 reaches it at t = 168.7 h;
    - early, 30 min into its period, $10: under 4 h only the whole budget is judged (silent at 3 h), then paced
      ($10 above $3.82 at 5.5 h: pending from 3.5 h, firing at 5 h, resolved when $500 x (0.5 + t) / 720 reaches
      $10 at t = 13.9 h)."""
    shutil.copy(CONTRIB / "hfmon-rules.yml", tmp_path / "hfmon-rules.yml")
    nov_1, dec_1, early = -43200, -216000, -1800

    def series(name: str, namespace: str, values: str) -> str:
        return f"""      - series: '{name}{{{{account="default",namespace="{namespace}"}}}}'
        values: '{values}'
""".replace("{{", "{").replace("}}", "}")

    inputs = "".join([
        series("hfmon_namespace_spend_at_least_usd", "ada", "42+0.0416667x2400"),
        series("hfmon_spend_month_charge_usd", "ada", "36x2400"),
        series("hfmon_spend_period_start_timestamp_seconds", "ada", f"{nov_1}x2400"),
        series("hfmon_spend_period_end_timestamp_seconds", "ada", f"{nov_1 + 30 * 86400}x2400"),
        series("hfmon_namespace_spend_at_least_usd", "fast", "36+0.1666667x2400"),
        series("hfmon_spend_month_charge_usd", "fast", "36x2400"),
        series("hfmon_spend_period_start_timestamp_seconds", "fast", f"{nov_1}x2400"),
        series("hfmon_spend_period_end_timestamp_seconds", "fast", f"{nov_1 + 30 * 86400}x2400"),
        series("hfmon_namespace_spend_at_least_usd", "labs", "153.72x2400"),
        series("hfmon_spend_period_start_timestamp_seconds", "labs", f"{dec_1}x2400"),
        series("hfmon_spend_period_end_timestamp_seconds", "labs", f"{dec_1 + 31 * 86400}x2400"),
        series("hfmon_period_start_timestamp_seconds", "labs", f"{dec_1 - 16 * 86400}x2400"),
        series("hfmon_period_end_timestamp_seconds", "labs", f"{dec_1 + 14 * 86400}x2400"),
        series("hfmon_namespace_spend_at_least_usd", "early", "10x2400"),
        series("hfmon_spend_period_start_timestamp_seconds", "early", f"{early}x2400"),
        series("hfmon_spend_period_end_timestamp_seconds", "early", f"{early + 30 * 86400}x2400"),
    ])
    firing = {"2h": ["labs"], "3h": ["labs"], "5h": ["labs", "early"], "10h": ["fast", "labs", "early"],
              "150h": ["fast", "labs"], "190h": ["fast"]}
    checks = "".join(f"""      - eval_time: {at}
        alertname: HfmonSpendAheadOfBudget
        exp_alerts: [{", ".join(_budget_alert("default", ns) for ns in namespaces)}]
""" for at, namespaces in firing.items())
    (tmp_path / "test.yml").write_text(f"""
rule_files: [hfmon-rules.yml]
evaluation_interval: 5m
tests:
  - interval: 5m
    input_series:
{inputs}    alert_rule_test:
{checks}""")
    run = subprocess.run([str(PROMTOOL), "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr

"""The proxy ledger's figures reach Prometheus: requests and errors as counters, money only when complete."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hfmon.exporter.metrics import AccountView, families
from tests.tui.builder import build_report


class _Static:
    def __init__(self, views: list[AccountView]) -> None:
        self.views = views

    def collect(self):  # type: ignore[no-untyped-def]
        return families(self.views)


def samples() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    registry.register(_Static([AccountView("team", build_report(), polls=1)]))  # type: ignore[arg-type]
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_requests_errors_and_complete_money_per_model() -> None:
    got = samples()
    llama = (("account", "team"), ("model", "meta-llama/Llama-3.3-70B-Instruct"))
    gemma = (("account", "team"), ("model", "google/gemma-3-27b-it"))
    # The builder's ledger: llama 1,840 requests, 12 errors, estimated $1.205040 (complete), settled partial;
    # gemma 310 requests, 0 errors, estimate unpriced (absent), settled $0.0412.
    assert got[("hfmon_inference_model_requests_total", llama)] == 1840
    assert got[("hfmon_inference_model_errors_total", llama)] == 12
    assert got[("hfmon_inference_model_estimated_usd", llama)] == 1.20504
    assert ("hfmon_inference_model_settled_usd", llama) not in got  # pending: absent, never 0
    assert got[("hfmon_inference_model_requests_total", gemma)] == 310
    assert ("hfmon_inference_model_estimated_usd", gemma) not in got  # unpriced: absent, never 0
    assert got[("hfmon_inference_model_settled_usd", gemma)] == 0.0412

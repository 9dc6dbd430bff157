"""The proxy ledger's figures reach Prometheus: requests and errors as counters, money only when complete."""

from __future__ import annotations

from dataclasses import replace

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hfmon.exporter.metrics import AccountView, families
from hfmon.report import Report
from tests.tui.builder import build_report


class _Static:
    def __init__(self, views: list[AccountView]) -> None:
        self.views = views

    def collect(self):  # type: ignore[no-untyped-def]
        return families(self.views)


def samples(report: Report | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    registry.register(_Static([AccountView("team", report or build_report(), polls=1)]))  # type: ignore[arg-type]
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


def test_counts_with_a_request_of_unknown_namespace_are_absent() -> None:
    """A request billed to what may be a resource group of an org whose groups were not read may be in the scope:
    its model's counts are unknown, so absent (a counter that later jumps by it would read as new requests)."""
    report = build_report()
    assert report.proxy is not None
    windows = tuple(replace(w, by_model=tuple(replace(m, requests_owner_unknown=1) if "gemma" in m.name else m
                                              for m in w.by_model)) for w in report.proxy.windows)
    got = samples(replace(report, proxy=replace(report.proxy, windows=windows)))
    llama = (("account", "team"), ("model", "meta-llama/Llama-3.3-70B-Instruct"))
    gemma = (("account", "team"), ("model", "google/gemma-3-27b-it"))
    assert ("hfmon_inference_model_requests_total", gemma) not in got
    assert ("hfmon_inference_model_errors_total", gemma) not in got
    assert got[("hfmon_inference_model_requests_total", llama)] == 1840  # every request of its known

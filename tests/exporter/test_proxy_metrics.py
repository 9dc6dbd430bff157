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
    assert got[("hfmon_proxy_model_requests_total", llama)] == 1840
    assert got[("hfmon_proxy_model_errors_total", llama)] == 12
    assert got[("hfmon_proxy_model_estimated_usd", llama)] == 1.20504
    assert ("hfmon_proxy_model_settled_usd", llama) not in got  # pending: absent, never 0
    assert got[("hfmon_proxy_model_requests_total", gemma)] == 310
    assert ("hfmon_proxy_model_estimated_usd", gemma) not in got  # unpriced: absent, never 0
    assert got[("hfmon_proxy_model_settled_usd", gemma)] == 0.0412


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
    assert ("hfmon_proxy_model_requests_total", gemma) not in got
    assert ("hfmon_proxy_model_errors_total", gemma) not in got
    assert got[("hfmon_proxy_model_requests_total", llama)] == 1840  # every request of its known


def test_the_proxys_provider_counts_are_not_a_phantom_namespace() -> None:
    """Audit 5 #4: the proxy's per-provider counter shared its name with HF's per-namespace gauge, so its 2 labels
    were zipped onto (account, namespace): `namespace="groq"` with the proxy's count, and no `_total` series."""
    built = build_report()
    report = replace(built, inference_by_namespace=(("alice", built.inference),))  # HF's split for one namespace
    assert report.proxy is not None and report.proxy.window("period") is not None
    got = samples(report)
    by_provider = {f.name: f.requests for f in report.proxy.window("period").by_provider}  # type: ignore[union-attr]
    assert by_provider, "the builder's ledger names its providers"
    for provider, requests in by_provider.items():
        assert got[("hfmon_proxy_provider_requests_total", (("account", "team"), ("provider", provider)))] == requests
    namespaces = set(report.namespaces)
    hf_series = {dict(labels)["provider"]: value for (name, labels), value in got.items()
                 if name == "hfmon_inference_provider_requests"}
    assert all(dict(labels).get("namespace") in namespaces for (name, labels) in got
               if name == "hfmon_inference_provider_requests"), "no namespace named after a provider"
    assert hf_series["groq"] == 466 and hf_series["together"] == 21004  # HF's own counts, untouched


def test_one_name_is_never_two_metrics() -> None:
    import pytest

    from hfmon.exporter.metrics import _Families

    out = _Families()
    out.gauge("hfmon_x", "doc", {"account": "a", "namespace": "n"}, 1)
    with pytest.raises(ValueError, match="registered twice"):
        out.counter("hfmon_x", "doc", {"account": "a", "namespace": "n"}, 1)
    with pytest.raises(ValueError, match="registered twice"):
        out.gauge("hfmon_x", "doc", {"account": "a", "provider": "p"}, 1)
    out.gauge("hfmon_x", "doc", {"account": "b", "namespace": "m"}, 2)  # another series of the same metric is fine

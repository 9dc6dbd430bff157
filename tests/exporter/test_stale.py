"""Finding 19: a source that fails a poll takes the figures read from it out of the scrape (their series end, and
Prometheus marks them stale) instead of serving its hours-old last good value as if read now; hfmon_source_up
says which source is down. Polled in-process against the fake at a frozen scenario time, scraped over HTTP."""

from __future__ import annotations

import pytest

from hfmon.fakehub.faults import RouteFault
from tests.costs import scenario_expect as expect
from tests.exporter.test_scrape import START, Exporter, exporter, exposition, lab, scrape

__all__ = ["exporter"]  # the fixture, shared with test_scrape

USAGE_V2 = "/api/settings/billing/usage-v2"  # ada's (the user's) usage-v2: the source billing:ada


def namespaces(metrics: dict[str, dict[frozenset[tuple[str, str]], float]], family: str) -> set[str]:
    return {dict(k)["namespace"] for k in metrics.get(family, {})}


async def test_a_failed_usage_source_takes_its_figures_out_and_says_it_is_down(exporter: Exporter) -> None:
    await exporter.watch.poll_once()
    first = scrape(exporter.port)
    assert "ada" in namespaces(first, "hfmon_credits_remaining_usd")
    exporter.hub.route_faults.append(RouteFault(USAGE_V2, status=503, reason="Service Unavailable"))
    exporter.clock.advance(300)
    await exporter.watch.poll_once()
    second = scrape(exporter.port)

    billing = lab(source="billing:ada", namespace="ada")
    assert second["hfmon_source_up"][billing] == 0.0
    assert second["hfmon_source_age_seconds"][billing] == 300.0  # read 5 minutes ago, at the first poll
    assert second["hfmon_source_up"][lab(source="statement:ada", namespace="ada")] == 1.0
    assert second["hfmon_source_up"][lab(source="account", namespace="")] == 1.0
    # Everything read from ada's usage-v2 is gone, never its 5-minute-old value served as if read now.
    for family in ("hfmon_credits_used_usd", "hfmon_credits_included_usd", "hfmon_credits_remaining_usd",
                   "hfmon_credits_rate_usd_per_day", "hfmon_projected_period_usd", "hfmon_period_end_timestamp_seconds",
                   "hfmon_inference_provider_spend_usd", "hfmon_namespace_spend_usd"):
        assert "ada" not in namespaces(second, family), family
    spend = second["hfmon_spend_usd"]
    assert lab(namespace="ada", product="inference", source="billed") not in spend
    assert lab(namespace="ada", product="jobs", source="billed") not in spend  # may come from usage-v2
    # What ada's statement says, read this poll (5 minutes more billed), stays, and so does everything of ada-labs.
    want_eps = sum((w.billed_usd for k, w in expect.endpoints(exporter.hub.scenario, exporter.clock.now()).items()
                    if k.startswith("ada/")))
    assert spend[lab(namespace="ada", product="endpoints", source="billed")] == pytest.approx(float(want_eps))
    assert second["hfmon_credits_included_usd"][lab(namespace="ada-labs")] == 10.0
    assert "ada-labs" in namespaces(second, "hfmon_inference_provider_spend_usd")
    assert second["hfmon_up"] == {lab(): 1.0}

    exporter.hub.route_faults.clear()  # it answers again: its figures come back, read now
    exporter.clock.advance(300)
    await exporter.watch.poll_once()
    third = scrape(exporter.port)
    assert third["hfmon_source_up"][billing] == 1.0
    used = expect.inference(exporter.hub, "ada", exporter.clock.now())[0]
    assert third["hfmon_credits_used_usd"][lab(namespace="ada")] == pytest.approx(float(used))


async def test_a_failed_listing_takes_out_its_resources_and_meter_row_only(exporter: Exporter) -> None:
    await exporter.watch.poll_once()
    first = scrape(exporter.port)
    exporter.hub.route_faults.append(RouteFault("/v2/endpoint/ada", status=503))
    exporter.clock.advance(60)
    await exporter.watch.poll_once()
    second = scrape(exporter.port)

    assert second["hfmon_source_up"][lab(source="endpoints:ada", namespace="ada")] == 0.0

    def endpoints_of(metrics: dict[str, dict[frozenset[tuple[str, str]], float]], ns: str) -> set[str]:
        return {dict(k)["name"] for k in metrics["hfmon_cost_per_hour_usd"]
                if dict(k)["kind"] == "endpoint" and dict(k)["namespace"] == ns}

    assert endpoints_of(first, "ada") and not endpoints_of(second, "ada")
    assert endpoints_of(second, "ada-labs") == endpoints_of(first, "ada-labs")
    for family in ("hfmon_running_cost_per_hour_usd", "hfmon_running_cost_per_hour_at_least_usd",
                   "hfmon_running_cost_missing_parts", "hfmon_billed_now_resources"):
        assert lab(namespace="ada", kind="endpoints") in first[family], family
        assert lab(namespace="ada", kind="endpoints") not in second[family], family
        assert lab(namespace="ada", kind="spaces") in second[family], family  # its Spaces listing answered
    assert not any(dict(k)["namespace"] == "ada" and dict(k)["kind"] == "endpoint"
                   for k in second["hfmon_resource_spend_usd"])


async def test_the_exposition_says_so_in_its_help_and_samples(exporter: Exporter) -> None:
    await exporter.watch.poll_once()
    exporter.hub.route_faults.append(RouteFault(USAGE_V2, status=503))
    exporter.clock.advance(300)
    await exporter.watch.poll_once()
    lines = exposition(exporter.port).splitlines()
    assert 'hfmon_source_up{account="default",namespace="ada",source="billing:ada"} 0.0' in lines
    assert 'hfmon_source_up{account="default",namespace="",source="account"} 1.0' in lines
    assert 'hfmon_up{account="default"} 1.0' in lines
    help_up = next(line for line in lines if line.startswith("# HELP hfmon_source_up "))
    assert "the figures read from it are absent until it answers again" in help_up
    assert not any(line.startswith('hfmon_credits_remaining_usd{account="default",namespace="ada"}') for line in lines)
    assert any(line.startswith('hfmon_credits_remaining_usd{account="default",namespace="ada-labs"}')
               for line in lines)
    assert not any(line.startswith("hfmon_") and line.endswith(" NaN") for line in lines)


async def test_a_poll_that_raises_serves_no_figure_of_the_report_before(exporter: Exporter,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    await exporter.watch.poll_once()
    assert "hfmon_cost_per_hour_usd" in scrape(exporter.port)

    async def broken() -> None:
        raise OSError("the history file is unreadable")

    monkeypatch.setattr(exporter.watch.monitor, "poll", broken)
    exporter.clock.advance(60)
    await exporter.watch.poll_once()
    metrics = scrape(exporter.port)
    assert metrics["hfmon_up"] == {lab(): 0.0}
    assert metrics["hfmon_polls_total"] == {lab(): 1.0} and metrics["hfmon_poll_failures_total"] == {lab(): 1.0}
    assert metrics["hfmon_last_poll_timestamp_seconds"] == {lab(): START.timestamp()}  # the report's data time
    for family in ("hfmon_cost_per_hour_usd", "hfmon_credits_used_usd", "hfmon_source_up", "hfmon_spend_usd"):
        assert family not in metrics, family


async def test_a_failed_statement_takes_out_what_is_billed_but_not_what_runs(exporter: Exporter) -> None:
    await exporter.watch.poll_once()
    exporter.hub.route_faults.append(RouteFault("/api/settings/billing/usage", status=503))  # ada's statement only
    exporter.clock.advance(120)
    await exporter.watch.poll_once()
    metrics = scrape(exporter.port)
    assert metrics["hfmon_source_up"][lab(source="statement:ada", namespace="ada")] == 0.0
    assert metrics["hfmon_source_up"][lab(source="billing:ada", namespace="ada")] == 1.0
    spend = metrics["hfmon_spend_usd"]
    for product in ("endpoints", "spaces", "jobs", "storage", "other"):
        assert lab(namespace="ada", product=product, source="billed") not in spend, product
    assert lab(namespace="ada", product="endpoints", source="recomputed") not in spend
    assert lab(namespace="ada") not in metrics["hfmon_namespace_spend_usd"]
    # the live event's figure, read this poll with usage-v2 and no earlier (HF's later word): it covers the poll's
    # second too, where ada books a $0.01 placeholder that usage-v2's [period start, now) leaves out
    used = expect.inference(exporter.hub, "ada", exporter.clock.now(), live=True)[0]
    assert spend[lab(namespace="ada", product="inference", source="billed")] == pytest.approx(float(used))
    # What runs now comes from the listing, read this poll: its known part stays; the whole needs the statement
    # (which names what bills unlisted), so it goes.
    ada_eps = lab(namespace="ada", kind="endpoints")
    assert ada_eps not in metrics["hfmon_running_cost_per_hour_usd"]
    assert ada_eps not in metrics["hfmon_running_cost_missing_parts"]
    want = sum((w.cost_per_hour or 0 for k, w in expect.endpoints(exporter.hub.scenario, exporter.clock.now()).items()
                if k.startswith("ada/")))
    assert metrics["hfmon_running_cost_per_hour_at_least_usd"][ada_eps] == pytest.approx(float(want))
    # A resource's billed and recomputed spend are both the statement's lines (recomputed: priced again), so neither
    # is served from the last good statement as if read now (audit 8 E4); ada-labs' statement answered: both stay.
    served = {(dict(k)["namespace"], dict(k)["source"]) for k in metrics["hfmon_resource_spend_usd"]
              if dict(k)["kind"] == "endpoint"}
    assert not {source for namespace, source in served if namespace == "ada"}
    assert {source for namespace, source in served if namespace == "ada-labs"} == {"billed", "recomputed"}


async def test_a_flag_computed_from_a_failed_source_is_absent_until_it_answers(exporter: Exporter) -> None:
    """ada's usage-v2 fails: its credits flag (computed from usage-v2) is absent, never raised from the last good
    value; the flags of what was read this poll (ada's Spaces, ada-labs' credits) stay."""
    await exporter.watch.poll_once()
    run_out = lab(kind="credits_run_out", subject="ada", severity="info")
    first = scrape(exporter.port)
    assert first["hfmon_flag"][run_out] == 1.0
    exporter.hub.route_faults.append(RouteFault(USAGE_V2, status=503))
    exporter.clock.advance(300)
    await exporter.watch.poll_once()
    second = scrape(exporter.port)

    assert second["hfmon_source_up"][lab(source="billing:ada", namespace="ada")] == 0.0
    assert run_out not in second["hfmon_flag"]
    assert set(first["hfmon_flag"]) - {run_out} <= set(second["hfmon_flag"])  # the rest were read this poll
    assert lab(kind="credits_run_out", subject="ada-labs", severity="info") in second["hfmon_flag"]
    assert lab(kind="no_sleep_time", subject="ada/forgotten-finetune", severity="warning") in second["hfmon_flag"]
    assert second["hfmon_flags_unchecked_sources"][lab()] == first["hfmon_flags_unchecked_sources"][lab()] + 1

    exporter.hub.route_faults.clear()  # it answers again: the flag comes back, computed from what was read now
    exporter.clock.advance(300)
    await exporter.watch.poll_once()
    assert scrape(exporter.port)["hfmon_flag"][run_out] == 1.0

"""The dashboard over Reports that evaluate() made from the fake's scenario (collect → evaluate → screen), so a cost
regression fails a UI test. Expected figures come from the scenario definition (tests.costs.scenario_expect)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from hfmon.fakehub import FakeHub, Scenario, demo_scenario
from hfmon.tui.app import HfmonApp
from tests.costs import scenario_expect as expect
from tests.costs.scenario_expect import Expected
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of


def dollars(amount: Decimal) -> str:
    """`$1,234.57`, half up, as a user reads money."""
    return f"${amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def resources(scn: Scenario) -> Iterator[tuple[str, str, Expected]]:
    """(kind, namespace, expected figures) of every resource of the scenario at its start."""
    now = scn.start
    for key, want in expect.endpoints(scn, now).items():
        yield "endpoint", key.split("/")[0], want
    for key, want in expect.spaces(scn, now).items():
        yield "space", key.split("/")[0], want
    namespaces = {j.id: j.namespace for j in scn.jobs}
    for key, want in expect.jobs(scn, now).items():
        yield "job", namespaces[key], want


def rate(scn: Scenario, namespace: str | None = None, kind: str | None = None) -> tuple[Decimal, int, int]:
    """($/h of the priced resources billed now, how many are billed now, how many of those have no price)."""
    total, billed, unpriced = Decimal(0), 0, 0
    for k, ns, want in resources(scn):
        if (namespace and ns != namespace) or (kind and k != kind):
            continue
        per_hour = want.cost_per_hour
        if per_hour is None or per_hour > 0:
            billed += 1
        if per_hour is None:
            unpriced += 1
        else:
            total += per_hour
    return total, billed, unpriced


async def test_top_bar_meter_and_endpoints_summary_follow_the_namespace_filter() -> None:
    scn = demo_scenario()
    monitor, _ = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            everything, billed, _ = rate(scn)
            assert everything > 0 and billed > 0
            # one Space runs hardware no catalog prices: the rate is "at least" the priced part
            assert f"now at least {dollars(everything)}/h" in text_of(app, "#topbar")
            assert text_of(app, "#meter").startswith(f"at least {dollars(everything)}/h")
            assert f"{billed} resources billed now" in text_of(app, "#meter")
            for ns in ("ada", "ada-labs"):  # usage-v2's used figure, from the scenario's traffic
                used, _, _ = expect.inference(FakeHub(scn, now=lambda: scn.start), ns, scn.start)
                included = Decimal(scn.included_nano_usd(ns)) / 10**9
                assert f"{ns} {dollars(used)} of {dollars(included)}" in text_of(app, "#credits"), ns
            seen = []
            for _ in range(len(app.namespace_choices()) - 1):
                await pilot.press("n")
                await pilot.pause()
                ns = app.namespace
                assert ns is not None
                mine, _, unpriced = rate(scn, ns)
                seen.append((ns, mine))
                shown = ("at least " if unpriced else "") + f"{dollars(mine)}/h"
                assert f"ns: {ns}  now {shown}" in text_of(app, "#topbar"), ns  # the header follows the filter
                assert text_of(app, "#meter").startswith(shown), ns
                await pilot.press("3")
                await pilot.pause()
                eps, eps_billed, eps_unpriced = rate(scn, ns, "endpoint")
                count = sum(1 for k, n, _ in resources(scn) if k == "endpoint" and n == ns)
                summary = text_of(app, "#endpoints-summary")
                shown = ("at least " if eps_unpriced else "") + f"{dollars(eps)}/h"
                assert summary.startswith(f"{count} endpoints · {eps_billed} billed now · {shown}"), ns
                assert ("unpriced" in summary) == bool(eps_unpriced), ns
                await pilot.press("1")
                await pilot.pause()
            assert len({r for _, r in seen}) > 1  # namespaces differ: the filter really changed the figure
    finally:
        await monitor.aclose()

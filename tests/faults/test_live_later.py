"""The credits follow HF's later Inference Providers figure of the same period: usage/live's event, answered no
earlier than usage-v2, whether it says more or less (both count placeholders that settle lower: never the larger for
being larger). Through the real `python -m hfmon` (`--once --json`, text, `guard`) against the demo fake at Nov 18
15:00 UTC, ada (PRO: $2.00 of included credits)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from hfmon.schemas import once_schema
from tests.faults.harness import Served
from tests.faults.test_untold_counts import ADA_LIVE, ADA_V2, as_event, live_usage

pytestmark = pytest.mark.e2e

FROZEN = {"HFMON_TEST_FAKE_FROZEN": "1"}  # one clock: both answers of the poll read at the same minute


def _v2_used(nano: int) -> Any:
    def edit(body: Any) -> Any:
        body["usage"]["inferenceProviders"]["usedNanoUsd"] = nano
        return body

    return edit


def _ada_credits(doc: dict[str, Any]) -> dict[str, Any]:
    credits: dict[str, Any] = doc["credits"]
    assert credits["namespace"] == "ada"
    return credits


def test_usage_v2_behind_the_live_event_gives_way_to_it(served: Served) -> None:
    live = live_usage(served, ADA_LIVE)["inference"]
    used = Decimal(live["usedNanoUsd"]) / 10**9
    assert used == Decimal("1.85204799")  # the fake's live figure at 15:00
    assert Decimal(live["includedNanoUsd"]) / 10**9 == 2
    served.fault(ADA_V2, edit=_v2_used(1_000_000_000))  # usage-v2 still at $1.00
    doc = served.run("--once", "--json", "--no-history", **FROZEN).doc()
    jsonschema.validate(doc, once_schema())
    credits = _ada_credits(doc)
    # was: $1.00 used, $1.00 left; HF's later word is $1.852048 used, $2.00 - $1.852048 = $0.147952 left
    assert Decimal(str(credits["used_usd"])) == Decimal("1.852048")
    assert Decimal(str(credits["remaining_usd"])) == Decimal("0.147952")
    ada = next(s for s in doc["spend"] if s["namespace"] == "ada")
    assert Decimal(str(ada["inference_usd"])) == Decimal("1.852048")  # one figure for the spend and the credits
    text = served.run("--once", "--no-history", **FROZEN).stdout
    assert "$1.85 of $2.00 · $0.15 left" in text, text
    guard = served.run("guard", "--no-history", "--namespace", "ada", "--min-remaining-credits-usd", "0.5", **FROZEN)
    assert guard.code == 1 and "FAIL" in guard.stdout and "$0.15" in guard.stdout, guard.stdout  # was: OK, exit 0


def test_a_later_figure_that_settled_lower_is_taken_not_the_larger(served: Served) -> None:
    event = live_usage(served, ADA_LIVE)
    served.fault(ADA_LIVE, body=as_event({**event, "inference": {**event["inference"], "usedNanoUsd": 1_500_000_000}}))
    doc = served.run("--once", "--json", "--no-history", **FROZEN).doc()
    credits = _ada_credits(doc)
    # usage-v2 says $1.852048 (placeholders not settled yet); the live event, later, $1.50: $0.50 left
    assert Decimal(str(credits["used_usd"])) == Decimal("1.5")
    assert Decimal(str(credits["remaining_usd"])) == Decimal("0.5")


def test_a_live_event_of_another_period_is_not_taken(served: Served) -> None:
    event = live_usage(served, ADA_LIVE)
    v2_used = Decimal(event["inference"]["usedNanoUsd"]) / 10**9
    elsewhen = {**event["inference"], "usedNanoUsd": 1_500_000_000, "periodStart": "2026-11-15T00:00:00.000Z",
                "periodEnd": "2026-12-15T00:00:00.000Z"}
    served.fault(ADA_LIVE, body=as_event({**event, "inference": elsewhen}))
    doc = served.run("--once", "--json", "--no-history", **FROZEN).doc()
    assert Decimal(str(_ada_credits(doc)["used_usd"])) == v2_used.quantize(Decimal("0.000001"))


LABS_V2 = "/api/organizations/ada-labs/billing/usage-v2"
LABS_LIVE = "/api/organizations/ada-labs/billing/usage/live"


def _labs_inference(doc: dict[str, Any]) -> Decimal:
    return Decimal(str(next(s for s in doc["spend"] if s["namespace"] == "ada-labs")["inference_usd"]))


@pytest.mark.parametrize(("start", "end", "taken"), [
    ("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z", True),  # the month hfmon asked usage-v2 for
    ("2026-10-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z", False),  # a calendar month, but October's
])
def test_beside_a_usage_v2_that_says_no_period_the_event_of_the_month_asked_for_is_taken(
        served: Served, start: str, end: str, taken: bool) -> None:
    """ada-labs' usage-v2 says no period (real payloads may omit it): it counted over the window hfmon asked for,
    Nov 1 to the poll; an event of that month is its later word, one of October (a calendar month too) is not."""
    event = live_usage(served, LABS_LIVE)
    v2_used = Decimal(event["inference"]["usedNanoUsd"]) / 10**9  # the fake stands still: usage-v2 says the same
    served.fault(LABS_LIVE, body=as_event({**event, "inference": {
        **event["inference"], "usedNanoUsd": 12_345_678_000, "numRequests": 7, "periodStart": start,
        "periodEnd": end}}))
    doc = served.run("--once", "--json", "--no-history", **FROZEN).doc()
    jsonschema.validate(doc, once_schema())
    # taken: $12.345678 (was usage-v2's, the same whatever the event said); October's: usage-v2's
    assert _labs_inference(doc) == (Decimal("12.345678") if taken else v2_used.quantize(Decimal("0.000001")))

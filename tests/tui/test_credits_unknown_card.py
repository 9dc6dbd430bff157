"""The credits card of a namespace whose included credits HF did not say shows what the text output shows of it:
used, the projection, the limit and when HF refuses requests, and why the rest is unknown (note 14, "Noticed": the
card said only "credits unknown: HF did not say the included credits", no used figure and no limit line).

The demo frozen at its start (Nov 18 15:00); ada-labs' usage-v2 says `includedNanoUsd` 0 (for an org: unknown, HF
gives $2.00 a seat) and a $5.00 spending limit, which its $6.50 of Inference Providers usage has passed.
"""

from __future__ import annotations

from typing import Any

from hfmon.fakehub.faults import RouteFault
from hfmon.textout import render_text
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of

LIMIT_REACHED = ("spending limit $5.00 reached: HF refuses its requests until the period ends (Dec 1) or the limit "
                 "is raised")
WHY = ("included unknown: usage-v2 says $0.00 included for this org, which its answer for orgs may not carry (HF "
       "gives $2.00 a seat, pooled, to Team and Enterprise orgs), so what is left and any overage are unknown")


def unsaid_with_a_limit(body: Any) -> Any:
    """usage-v2 as an org's answer may have it: no included credits said, and a $5.00 limit."""
    inference = body["usage"]["inferenceProviders"]
    inference["includedNanoUsd"], inference["limitNanoUsd"] = 0, 5_000_000_000
    return body


def flat(text: str) -> str:
    """The card's text with its rows joined: what it says, wherever a narrow card broke its lines."""
    return " ".join(text.split())


async def card_and_text(width: int, height: int) -> tuple[str, str]:
    monitor, _clock = frozen_demo(history=False)
    monitor.collector.client.fake.route_faults.append(  # type: ignore[attr-defined]
        RouteFault("/api/organizations/ada-labs/billing/usage-v2", edit=unsaid_with_a_limit))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(width, height)) as pilot:
            await settle(app, pilot)
            assert app.report is not None
            return text_of(app, "#credits"), flat(render_text(app.report))
    finally:
        await monitor.aclose()


async def test_the_card_says_used_the_limit_reached_and_why_as_the_text_does() -> None:
    for width, height in ((200, 50), (80, 24)):
        card, text = await card_and_text(width, height)
        said = flat(card)
        # was "ada-labs credits unknown: HF did not say the included credits", and nothing more
        assert "ada-labs $6.50 used · included unknown" in said, card
        assert "ada-labs Inference Providers: $6.50 used · included unknown" in text
        assert "→ $6.50 by Dec 1 at $0.40/day" in said and "projected $6.50 · limit $5.00" in text
        assert "limit $5.00 · pending unknown" in said
        for words in (LIMIT_REACHED, WHY):
            assert words in said, (words, card)
            assert words in text, (words, text)
        assert "credits unknown" not in said

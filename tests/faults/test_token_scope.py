"""A 401 from one API while whoami accepts the token is that API's missing permission, not a rejected token; and a
namespace the token cannot see is said to be one: driven through the real `python -m hfmon` against the fake."""

from __future__ import annotations

import pytest

from hfmon.fakehub import NO_ENDPOINTS_TOKEN
from hfmon.monitor import build_monitor
from hfmon.tui.app import HfmonApp
from tests.faults.harness import Served, settled
from tests.tui.test_app import text_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(served_now: Served) -> Served:
    """The fake anchored at this minute (see conftest): hfmon's own clock asks for this month."""
    return served_now


def test_a_token_without_endpoints_permissions_polls_everything_else(served: Served) -> None:
    run = served.run("--once", "--json", "--no-history", token=NO_ENDPOINTS_TOKEN)
    assert run.code == 0, run.stderr  # not 3: the token works, it lacks one permission
    sources = run.sources()
    endpoints = sources["endpoints:ada"]
    assert (endpoints["status"], endpoints["failure"]) == ("no_access", "no_access")
    assert "fine-grained token needs \"Inference Endpoints\" permissions" in endpoints["hint"]
    assert sources["billing:ada"]["status"] == sources["statement:ada"]["status"] == "ok"
    assert not [e for e in run.doc()["endpoints"] if e["namespace"] == "ada"]  # none listed, none invented
    assert "rejected" not in run.stderr


def test_one_api_answering_401_leaves_the_rest_of_the_poll(served: Served) -> None:
    served.fault("/v2/endpoint/ada", status=401, reason="Invalid credentials in Authorization header")
    served.fault("/api/spaces", status=500, reason="boom")
    run = served.run("--once", "--json", "--no-history")
    sources = run.sources()
    assert sources["endpoints:ada"]["status"] == "no_access"
    assert sources["spaces:ada"]["status"] == "error"
    assert run.code == 1  # partial: the Spaces failed; the poll is not thrown away
    assert "the token was rejected" not in run.stderr
    text = served.run("--once", "--no-history")
    assert "Billed    ada: " in text.stdout and "no access: endpoints" in text.stdout


def test_whoami_answering_401_is_still_a_rejected_token(served: Served) -> None:
    served.fault("/api/whoami-v2", status=401, reason="Invalid credentials in Authorization header")
    run = served.run("--once", "--no-history")
    assert run.code == 3 and "the token was rejected" in run.stderr


def test_a_namespace_the_token_cannot_see_is_said_to_be_one(served: Served) -> None:
    run = served.run("--once", "--no-history", "--namespace", "nosuchorg")
    assert "Credits   unknown: nosuchorg is not ada or one of its orgs, so the token cannot see it" in " ".join(
        line.strip() for line in run.stdout.splitlines())
    assert "the account could not be read" not in run.stdout
    guard = served.run("guard", "--max-overage-usd", "1", "--no-history", "--namespace", "nosuchorg")
    assert "nosuchorg is not ada or one of its orgs" in guard.stdout


async def test_the_dashboards_credits_card_says_the_token_cannot_see_the_namespace(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in served.env().items():
        monkeypatch.setenv(key, value)
    monitor = build_monitor(demo=False, history=False, namespaces=["nosuchorg"])
    try:
        app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(app, pilot)
            credits = text_of(app, "#credits")
    finally:
        monitor.close()
    # as --once says it, and only for the namespace polled: not the account's own ada, ada-labs and northwind
    assert " ".join(credits.split()) == ("nosuchorg credits unknown: nosuchorg is not ada or one of its orgs, so the "
                                         "token cannot see it (check the name given to --namespace)")

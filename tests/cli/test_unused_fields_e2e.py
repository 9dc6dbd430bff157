"""End to end: a field hfmon never uses cannot fail a source. whoami's `periodEnd` (spec: `number | null`, read
nowhere) sent in milliseconds failed the account source and with it the whole poll ("account unknown" everywhere,
exit 1); the Endpoints catalog's `numAccelerators` and usage/live's `totalDurationMs` were checked the same way."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from hfmon.api import parse_billing
from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e


def _period_end_in_ms(body: Any) -> Any:
    body["periodEnd"] = 1796083200000  # Unix milliseconds: year 58886 read as seconds
    for org in body.get("orgs") or ():
        org["periodEnd"] = 1796083200000
    return body


def _accelerators_odd(body: Any) -> Any:
    for vendor in body["vendors"]:
        for region in vendor["regions"]:
            for compute in region["computes"]:
                compute["numAccelerators"] = -1
    return body


def test_an_implausible_period_end_on_whoami_leaves_the_account_read(fake: Callable[..., Served]) -> None:
    served = fake()
    plain = served.run("--once", "--json", "--no-history", frozen_clock=True).doc()
    served.hub.route_faults.append(RouteFault("/api/whoami-v2", edit=_period_end_in_ms))
    run = served.run("--once", "--json", "--no-history", frozen_clock=True)
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    # was: exit 1, account null, namespaces_unknown ["account"], "account → the Hugging Face API may have changed"
    assert run.code == 0 and doc["sources"]["account"]["status"] == "ok"
    assert doc["account"] == plain["account"] and doc["namespaces_unknown"] == []
    assert doc["credits"] == plain["credits"] and doc["endpoints"] == plain["endpoints"]


def test_an_odd_accelerator_count_in_the_catalog_leaves_the_catalog_read(fake: Callable[..., Served]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/v2/provider/*", edit=_accelerators_odd))
    doc = served.run("--once", "--json", "--no-history").doc()
    catalogs = {name: s for name, s in doc["sources"].items() if name.startswith("endpoint_catalog:")}
    assert catalogs and all(s["status"] == "ok" for s in catalogs.values()), catalogs


def test_an_odd_provider_duration_on_usage_live_keeps_the_provider_split() -> None:
    live = {"inference": {"usedNanoUsd": 1, "providerDetails": [
        {"provider": "groq", "totalCostNanoUsd": 400000000, "numRequests": 3, "totalDurationMs": -5}]}}
    [groq] = parse_billing.parse_live_usage(live).by_provider or ()
    assert (groq.provider, groq.cost_usd, groq.requests) == ("groq", Decimal("0.4"), 3)

"""A faithful fake Hugging Face (Hub API, Inference Endpoints API, router) answering from a seeded scenario.

It imports only the standard library and httpx2, never hfmon's own parsers, so it cannot share their
mistakes. Billing rules: see `hfmon.fakehub.billing` (compute) and `hfmon.fakehub.traffic` (Inference
Providers).
"""

from __future__ import annotations

from hfmon.fakehub.demo import demo_scenario
from hfmon.fakehub.hub import FakeHub
from hfmon.fakehub.scenario import (
    FULL_TOKEN,
    NO_BILLING_TOKEN,
    NO_ENDPOINTS_TOKEN,
    OTHER_USER_TOKEN,
    Discrepancy,
    Faults,
    Scenario,
)

__all__ = ["FULL_TOKEN", "NO_BILLING_TOKEN", "NO_ENDPOINTS_TOKEN", "OTHER_USER_TOKEN", "Discrepancy", "FakeHub",
           "Faults", "Scenario", "demo_scenario"]

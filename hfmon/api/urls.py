"""Base URLs of the three Hugging Face services hfmon talks to, each overridable by environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_HUB = "https://huggingface.co"
DEFAULT_ENDPOINTS = "https://api.endpoints.huggingface.cloud/v2"
DEFAULT_ROUTER = "https://router.huggingface.co"


@dataclass(frozen=True, slots=True)
class BaseUrls:
    """Where the Hub API, the Inference Endpoints API and the router live (no trailing slash)."""

    hub: str = DEFAULT_HUB
    endpoints: str = DEFAULT_ENDPOINTS
    router: str = DEFAULT_ROUTER

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BaseUrls:
        """Read `HF_ENDPOINT`, `HFMON_ENDPOINTS_URL` and `HFMON_ROUTER_URL`, falling back to the public hosts."""
        env = os.environ if environ is None else environ
        return cls(
            hub=(env.get("HF_ENDPOINT") or DEFAULT_HUB).rstrip("/"),
            endpoints=(env.get("HFMON_ENDPOINTS_URL") or DEFAULT_ENDPOINTS).rstrip("/"),
            router=(env.get("HFMON_ROUTER_URL") or DEFAULT_ROUTER).rstrip("/"),
        )

    @classmethod
    def single(cls, base: str) -> BaseUrls:
        """All three services behind one server (the fake hub): Hub at `/api`, Endpoints at `/v2`, router at `/v1`."""
        root = base.rstrip("/")
        return cls(hub=root, endpoints=f"{root}/v2", router=root)

    def api_of(self, url: str) -> str:
        """Which of Hugging Face's APIs a request URL goes to: `Endpoints`, `router`, `billing` or `Hub`."""
        if url.startswith(self.endpoints + "/"):
            return "Endpoints"
        if url.startswith(self.router + "/v1/"):
            return "router"
        return "billing" if "/billing/" in url else "Hub"

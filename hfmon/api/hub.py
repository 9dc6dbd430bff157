"""HubClient: one typed async method per Hugging Face source, returning `hfmon.models` values."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, TypeVar
from urllib.parse import quote

import httpx2

from hfmon.api import parse_billing as pb
from hfmon.api import parse_groups as pg
from hfmon.api import parse_models as pm
from hfmon.api import parse_repos as prp
from hfmon.api import parse_resources as pr
from hfmon.api.governor import Governor
from hfmon.api.http_errors import what_of
from hfmon.api.priority import CHAIN_HEAD, NEXT_PAGE, SINGLE
from hfmon.api.transport import Requester
from hfmon.api.urls import BaseUrls
from hfmon.clock import Clock, SystemClock, iso
from hfmon.errors import ApiError
from hfmon.modelinfo import ModelWeights
from hfmon.models import (
    Account,
    BillingUsage,
    Endpoint,
    EndpointCompute,
    HardwareFlavor,
    Job,
    JobCharge,
    JobListing,
    LiveUsage,
    PeriodStatement,
    RepoStorage,
    ResourceGroup,
    ResourceGroupUsage,
    RouterPrice,
    ScheduledJob,
    SessionCost,
    Space,
    StorageListing,
    ZeroGpuQuota,
)
from hfmon.models_hub import HubRepo, OrgMember
from hfmon.scrub import scrub

T = TypeVar("T")
log = logging.getLogger("hfmon.api")

USER_BILLING_HINT = ("give the token the fine-grained permission \"Billing > Read billing usage\" "
                     "(user.billing.read) at https://huggingface.co/settings/tokens, or use a classic read token")
ORG_BILLING_HINT = ("org billing is readable only by an org admin on an org with billing enabled; "
                    "a fine-grained token also needs billing read on the org")
ENDPOINTS_HINT = "give the token the fine-grained permission to manage Inference Endpoints (inference.endpoints.write)"
REPO_QUERY_EXPAND = ("private", "downloads", "likes", "usedStorage", "lastModified")
SPACES_QUERY_EXPAND = ("runtime", "private", "usedStorage", "likes", "lastModified")
PAGE_LIMIT = 500
STORAGE_PAGE_LIMIT = 100_000
"""Repositories asked of `settings/repositories`: HF's spec gives the route a `limit` (up to 2^53 - 1) and no cursor,
so its answer is one page; 100,000 rows are ~17 MB, inside STORAGE_BODY. An answer that long may leave repos out."""
MEMBERS_PAGE_LIMIT = 10_000
"""Org members per page: the largest `limit` HF's published spec allows on `organizations/{name}/members`."""
MB = 1 << 20
# Body caps per route, far above any real answer (a 500-item page of Spaces with runtime is ~1 MB; a period
# statement of a big org a few MB): past them a source fails with "response larger than N MB", memory stays bounded.
SMALL_BODY = 2 * MB  # identity, overviews, quota, usage totals, catalogs
PAGE_BODY = 16 * MB  # one page of a listing
STATEMENT_BODY = 64 * MB  # the itemised period statement and per-session costs: one line per resource-day
STORAGE_BODY = 32 * MB  # settings/repositories: every repo of a namespace in one answer (STORAGE_PAGE_LIMIT rows)


def unique_rows(rows: Sequence[T], fields: tuple[str, ...], url: str) -> tuple[T, ...]:
    """A listing's rows, one per key (the values of `fields`): a row listed again (a page boundary that repeats an
    item when the order shifts between two pages) would count its resource twice. The later row is kept (the
    fresher), in the place of the first; each repeat is logged."""
    if len(set(map(attrgetter(fields[-1]), rows))) == len(rows):
        return tuple(rows)  # no value of the last field twice, so no key twice; one set of strings, not a key per row
    key = attrgetter(*fields)
    unique: dict[Hashable, T] = {}
    for row in rows:
        k = key(row)
        if k in unique:
            log.info("%s listed %s again; counted once, as its later row%s", what_of(url), scrub(str(k)),
                     "" if unique[k] == row else " (the two differ)")
        unique[k] = row
    return tuple(unique.values()) if len(unique) < len(rows) else tuple(rows)


BY_ID = ("id",)
BY_TYPE_AND_ID = ("type", "id")  # a model and a dataset may share a name


def _seg(name: str) -> str:
    """A namespace as one URL path segment."""
    return quote(name, safe="")


class HubClient:
    """The Hub, Inference Endpoints and router APIs behind one governed httpx2 client."""

    def __init__(self, token: str, urls: BaseUrls, *, transport: httpx2.AsyncBaseTransport | None = None,
                 timeout_s: float = 10.0, clock: Clock | None = None, governor: Governor | None = None,
                 live_timeout_s: float | None = None) -> None:
        self.urls = urls
        self.clock: Clock = clock or SystemClock()
        self.live_timeout_s = live_timeout_s
        self.http = Requester(token, transport=transport, timeout_s=timeout_s, governor=governor, api_of=urls.api_of,
                              clock=self.clock)
        self.fake: Any = None
        """The in-process fake hub behind `--demo` (its request log and fault knobs), else None."""

    @property
    def governor(self) -> Governor:
        """The rate-limit governor every request of this client goes through."""
        return self.http.governor

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- paths --------------------------------------------------------------------------------

    def _api(self, path: str) -> str:
        return f"{self.urls.hub}/api/{path}"

    def _billing(self, namespace: str, user: bool, tail: str) -> str:
        """`/api/settings/billing/<tail>` for the user, `/api/organizations/{ns}/billing/<tail>` for an org."""
        if user:
            return self._api(f"settings/billing/{tail}")
        return self._api(f"organizations/{_seg(namespace)}/billing/{tail}")

    @staticmethod
    def _billing_hint(user: bool) -> str:
        return USER_BILLING_HINT if user else ORG_BILLING_HINT

    async def _paged(self, url: str, params: dict[str, Any] | None, parse: Callable[[Any], tuple[Any, ...]],
                     fields: tuple[str, ...], *, optional: bool = False, hint: str | None = None,
                     max_bytes: int = PAGE_BODY) -> tuple[Any, ...]:
        return unique_rows(await self.http.get_pages(url, params, parse=parse, optional=optional, forbidden_hint=hint,
                                                     max_bytes=max_bytes), fields, url)

    # --- identity -----------------------------------------------------------------------------

    async def whoami(self) -> Account:
        """`GET /api/whoami-v2`: who the token belongs to, with its orgs and their plans."""
        return pb.parse_whoami(await self.http.get_json(self._api("whoami-v2"), max_bytes=SMALL_BODY))

    # --- billing ------------------------------------------------------------------------------

    async def usage_v2(self, namespace: str, *, user: bool, start: datetime, end: datetime,
                       optional: bool = False, priority: int = SINGLE) -> BillingUsage:
        """`usage-v2` between two times (sent as Unix seconds): inference credits, spend, limit; jobs spend
        (`optional`: skipped when the rate limit's remaining quota is down to what a poll's essentials need;
        `priority`: `hfmon.api.priority`)."""
        params = {"startDate": int(start.timestamp()), "endDate": int(end.timestamp())}
        data = await self.http.get_json(self._billing(namespace, user, "usage-v2"), params, optional=optional,
                                        forbidden_hint=self._billing_hint(user), max_bytes=SMALL_BODY,
                                        priority=priority)
        counted_from = datetime.fromtimestamp(params["startDate"], UTC)
        return replace(pb.parse_usage_v2(data, namespace), counted_from=counted_from)

    async def usage_live(self, namespace: str, *, user: bool) -> LiveUsage:
        """`usage/live` (SSE): the first `usage` event that carries `inference` (keep-alive `count` events and
        a partial first event are skipped), read within the poll's deadline (or `live_timeout_s` when set)."""
        data = await self.http.first_event(self._billing(namespace, user, "usage/live"), event="usage",
                                           complete=pb.is_complete_live, timeout_s=self.live_timeout_s,
                                           forbidden_hint=self._billing_hint(user))
        return pb.parse_live_usage(data)

    async def statement(self, namespace: str, *, user: bool, period_id: str | None = None) -> PeriodStatement:
        """`billing/usage`: the itemised statement of the current (or given) period."""
        params = {"periodId": period_id} if period_id else None
        return await self.http.get_parsed(self._billing(namespace, user, "usage"),
                                          lambda data: pb.parse_statement(data, namespace), params, optional=True,
                                          forbidden_hint=self._billing_hint(user), max_bytes=STATEMENT_BODY)

    async def job_charges(self) -> tuple[JobCharge, ...]:
        """`settings/billing/usage/jobs`: what each of the user's jobs cost this period (HF has no org route)."""
        data = await self.http.get_json(self._api("settings/billing/usage/jobs"), optional=True,
                                        forbidden_hint=USER_BILLING_HINT)
        return pb.parse_job_charges(data, USER_BILLING_HINT)

    async def sessions(self, namespace: str, *, user: bool, start: datetime,
                       end: datetime) -> tuple[SessionCost, ...]:
        """`usage-by-inference-session` between two times (sent as ISO 8601 UTC)."""
        params = {"startDate": iso(start), "endDate": iso(end)}
        return await self.http.get_parsed(self._billing(namespace, user, "usage-by-inference-session"),
                                          pb.parse_sessions, params, optional=True,
                                          forbidden_hint=self._billing_hint(user), max_bytes=STATEMENT_BODY)

    async def resource_groups(self, org: str) -> tuple[ResourceGroup, ...]:
        """`GET /api/organizations/{org}/resource-groups`: the groups the token can see, with their spend limits."""
        data = await self.http.get_json(self._api(f"organizations/{_seg(org)}/resource-groups"), optional=True,
                                        forbidden_hint=ORG_BILLING_HINT, max_bytes=PAGE_BODY)
        return pg.parse_resource_groups(data, org)

    async def resource_group_usage(self, org: str, *, start: datetime, end: datetime) -> tuple[
            ResourceGroupUsage, ...]:
        """`usage-by-resource-group` between two times (ISO 8601 UTC): each group's monthly usage (Enterprise)."""
        params = {"startDate": iso(start), "endDate": iso(end)}
        return await self.http.get_parsed(self._billing(org, False, "usage-by-resource-group"),
                                          lambda data: pg.parse_group_usage(data, org), params, optional=True,
                                          forbidden_hint=ORG_BILLING_HINT, max_bytes=SMALL_BODY)

    async def zero_gpu(self) -> ZeroGpuQuota:
        """`GET /api/spaces/zero-gpu/quota`: the user's ZeroGPU seconds."""
        data = await self.http.get_json(self._api("spaces/zero-gpu/quota"), optional=True,
                                        forbidden_hint=USER_BILLING_HINT, max_bytes=SMALL_BODY)
        return pb.parse_zero_gpu(data)

    # --- resources ----------------------------------------------------------------------------

    async def endpoints(self, namespace: str) -> tuple[Endpoint, ...]:
        """`GET {endpoints}/endpoint/{ns}`: the namespace's dedicated Inference Endpoints."""
        data = await self.http.get_json(f"{self.urls.endpoints}/endpoint/{_seg(namespace)}",
                                        forbidden_hint=ENDPOINTS_HINT, priority=CHAIN_HEAD)  # model infos follow
        return pr.parse_endpoints(data, namespace)

    async def endpoint_catalog(self, namespace: str) -> tuple[EndpointCompute, ...]:
        """`GET {endpoints}/provider/{ns}`: Endpoints hardware with `pricePerHour`."""
        data = await self.http.get_json(f"{self.urls.endpoints}/provider/{_seg(namespace)}", optional=True,
                                        forbidden_hint=ENDPOINTS_HINT)
        return pr.parse_endpoint_catalog(data)

    async def model_weights(self, repo_id: str) -> ModelWeights:
        """`GET /api/models/{repo_id}?expand=safetensors`: a model's parameter counts by dtype. A 4xx (no such
        model, private or gated to this token) is an answer: the size is unknown, and says why."""
        path = "/".join(_seg(part) for part in repo_id.split("/"))
        try:
            data = await self.http.get_json(self._api(f"models/{path}"), {"expand": ["safetensors"]},
                                            optional=True, max_bytes=SMALL_BODY, priority=NEXT_PAGE)
        except ApiError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                return ModelWeights(repo_id, None, f"the Hub did not show it to this token ({exc.status})")
            raise
        return pm.parse_model_weights(data, repo_id)

    async def spaces(self, namespace: str) -> tuple[Space, ...]:
        """All Spaces of a namespace with runtime, privacy and storage: one paginated listing."""
        params: dict[str, Any] = {"author": namespace, "expand": list(SPACES_QUERY_EXPAND), "limit": PAGE_LIMIT}
        return await self._paged(self._api("spaces"), params, lambda page: pr.parse_spaces(page, namespace), BY_ID)

    async def jobs(self, namespace: str, stages: Sequence[str] = ()) -> tuple[Job, ...]:
        """`GET /api/jobs/{ns}` (following pages): the namespace's Jobs, only those in `stages` when given."""
        params: dict[str, Any] | None = {"stage": list(stages)} if stages else None
        return await self._paged(self._api(f"jobs/{_seg(namespace)}"), params,
                                 lambda page: pr.parse_jobs(page, namespace), BY_ID)

    async def every_job(self, namespace: str) -> JobListing:
        """`GET /api/jobs/{ns}`, every stage, as far as hfmon reads a listing: HF's spec gives it no page size and
        a namespace's finished Jobs pile up (an hourly Job adds 720 a month), so past the bound it is cut, not failed
        (`JobListing.cut`)."""
        url = self._api(f"jobs/{_seg(namespace)}")
        cut: list[str] = []
        rows = await self.http.get_pages(url, None, parse=lambda page: pr.parse_jobs(page, namespace),
                                         max_bytes=PAGE_BODY, on_cut=cut.append)
        return JobListing(unique_rows(rows, BY_ID, url), cut[0] if cut else None)

    async def scheduled_jobs(self, namespace: str) -> tuple[ScheduledJob, ...]:
        """`GET /api/scheduled-jobs/{ns}`: the namespace's scheduled Jobs (spend still to come)."""
        data = await self.http.get_json(self._api(f"scheduled-jobs/{_seg(namespace)}"), optional=True,
                                        max_bytes=PAGE_BODY)
        return pr.parse_scheduled_jobs(data, namespace)

    async def repositories(self, namespace: str, *, user: bool) -> StorageListing:
        """`settings/repositories` (user or org variant): storage per repo, largest first, and whether the answer may
        leave repos out (`StorageListing.cut`). A `Link` to a next page is followed, though the spec has none."""
        path = "settings/repositories" if user else f"organizations/{_seg(namespace)}/settings/repositories"
        last_page = 0

        def parse(page: Any) -> tuple[RepoStorage, ...]:
            nonlocal last_page
            rows = pr.parse_repos(page, namespace)
            last_page = len(rows)  # pages are parsed in order: the last one parsed is the answer's end
            return rows

        # the spec's default order, asked for: an answer cut short holds the largest repos
        params: dict[str, Any] = {"limit": STORAGE_PAGE_LIMIT, "sort": "storage", "direction": "desc"}
        repos = await self._paged(self._api(path), params, parse, BY_TYPE_AND_ID, optional=True, max_bytes=STORAGE_BODY)
        return StorageListing(repos, cut=last_page >= STORAGE_PAGE_LIMIT)

    async def hub_repos(self, namespace: str, kind: str) -> tuple[HubRepo, ...]:
        """`GET /api/models` or `/api/datasets` (`kind` model or dataset) of one author, every page, with downloads,
        likes, storage and last change."""
        params: dict[str, Any] = {"author": namespace, "expand": list(REPO_QUERY_EXPAND), "limit": PAGE_LIMIT}
        return await self._paged(self._api(f"{kind}s"), params, lambda page: prp.parse_hub_repos(page, namespace, kind),
                                 BY_TYPE_AND_ID, optional=True)

    async def members(self, org: str) -> tuple[OrgMember, ...]:
        """`GET /api/organizations/{org}/members` (every page): who is in the org, with their role."""
        return await self._paged(self._api(f"organizations/{_seg(org)}/members"), {"limit": MEMBERS_PAGE_LIMIT},
                                 prp.parse_members, ("user",), optional=True)

    async def spaces_hardware(self) -> tuple[HardwareFlavor, ...]:
        """`GET /api/spaces/hardware`: Spaces flavors with per-minute prices."""
        data = await self.http.get_json(self._api("spaces/hardware"), max_bytes=SMALL_BODY)
        return pr.parse_hardware(data, "spaces/hardware")

    async def jobs_hardware(self) -> tuple[HardwareFlavor, ...]:
        """`GET /api/jobs/hardware`: Jobs flavors with per-minute prices."""
        data = await self.http.get_json(self._api("jobs/hardware"), max_bytes=SMALL_BODY)
        return pr.parse_hardware(data, "jobs/hardware")

    async def router_prices(self) -> tuple[RouterPrice, ...]:
        """Router `GET /v1/models`: per-token prices per model and provider."""
        return pr.parse_router_models(await self.http.get_json(f"{self.urls.router}/v1/models"))

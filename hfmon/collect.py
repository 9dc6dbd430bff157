"""One poll of an account: every source at once, each with its own timeout, inside one deadline → Snapshot.

A failing source never fails the poll: it comes back as a SourceResult carrying the error (and the
previous snapshot's value, marked stale, when there was one). Identity and price catalogs are cached
for hours. The governor in the HubClient keeps the whole poll inside the rate limit.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from hfmon.api.governor import capped, deadline_in, monotonic
from hfmon.api.hub import HubClient
from hfmon.api.session import open_client
from hfmon.clock import Clock
from hfmon.collect_jobs import JobsReader
from hfmon.costs.credits import usage_window
from hfmon.errors import (
    AuthError,
    HfmonError,
    NoAccessError,
    TimedOutError,
)
from hfmon.modelinfo import ModelWeights
from hfmon.models import (
    Account,
    Endpoint,
    LiveUsage,
    NamespaceData,
    Snapshot,
    SourceResult,
    SourceStatus,
    UsageAsOf,
    UsageWindows,
)
from hfmon.poll_timing import DAY_AGO, DAY_AGO_TTL_S, CollectorSettings, no_cyclic_gc
from hfmon.source_results import PreviousSources, failed_result, judged_at
from hfmon.usage_period import (
    usage_asked_at,
    usage_from,
    usage_in_windows,
    usage_over_its_period,
    window_calls,
    windows_result,
)
from hfmon.weights_cache import WeightsCache

log = logging.getLogger("hfmon.collect")
log.addHandler(logging.NullHandler())  # never Python's last-resort stderr handler: it would paint over the TUI
T = TypeVar("T")

ORG_ENDPOINTS_HINT = ("this org has no Inference Endpoints billing set up, or the token cannot read its "
                      "Endpoints (fine-grained: inference.endpoints.write on the org)")
USER_ENDPOINTS_HINT = ("Hugging Face accepted the token but not for Inference Endpoints: a fine-grained token needs "
                       "\"Inference Endpoints\" permissions (inference.endpoints.write) at "
                       "https://huggingface.co/settings/tokens")
HUB_CONNECTIONS_AHEAD = 8
"""Connections to the Hub opened per namespace while whoami is on its way (each namespace sends about a dozen Hub
requests the moment it answers): their handshakes overlap its round trip, and a poll never opens more than it uses."""
SCOPE_HINT = ("Hugging Face accepted the token but not for this: a fine-grained token lacks the permission; "
              "add it at https://huggingface.co/settings/tokens")


class Collector:
    """Turns a HubClient into Snapshots, one per `poll()`; keeps the caches between polls."""

    def __init__(self, client: HubClient, clock: Clock, namespaces: Sequence[str] | None = None, *,
                 settings: CollectorSettings | None = None) -> None:
        self.client = client
        self.clock = clock
        self.namespaces = tuple(namespaces) if namespaces else None
        self.settings = settings or CollectorSettings()
        self._cache: dict[str, SourceResult[Any]] = {}
        self._denied: dict[str, tuple[datetime, SourceResult[Any]]] = {}
        self._jobs = JobsReader(client, clock, self.settings)
        self._weights = WeightsCache(client, clock)  # the sizes of the models the Endpoints serve
        self._denied_by_401 = 0  # sources this poll that answered 401 while whoami had accepted the token
        self._recheck_token = False  # ask whoami again, not its cache: a 401 came while only the cache vouched
        self._account_cached = False  # this poll's whoami came from the cache
        self.spend_windows = True  # ask usage-v2 for each spend window: False for a front end showing none
        self.period_in_history: Callable[[str, datetime], datetime | None] | None = None
        """The period start history's last usage point of a namespace (at or before a moment) is labelled with (set
        by the Monitor, whose reader gives None while history is off; None: a Collector without a Monitor; blocking:
        run in a thread, and only for usage-v2 naming no period while the live stream is unread:
        `usage_period.usage_over_its_period`)."""

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()

    async def __aenter__(self) -> Collector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- the poll -----------------------------------------------------------------------------

    async def poll(self, previous: Snapshot | None = None, *, model_sizes: bool = True) -> Snapshot:
        """Fetch every source concurrently within the poll deadline; never raises for a failing source.

        `model_sizes`: ask for the sizes of the models the Endpoints serve (read by the advisor only: a command that
        prints the Report's figures skips those requests, and its namespaces carry no `models` source)."""
        gov, c = self.client.governor, self.client
        self._denied_by_401 = 0
        sent0, retries0, started = gov.requests_sent, gov.retries, monotonic()
        now = self.clock.now()
        asked = usage_asked_at(now, c.http.server_clock.ahead_s(), previous.taken_at if previous else None)
        prev = PreviousSources(previous)
        with deadline_in(self.settings.deadline_s), self._weights.poll(), no_cyclic_gc(), \
                c.http.ahead.for_one_poll():
            # A TaskGroup: if the poll is cancelled (a manual refresh), no request outlives it.
            async with asyncio.TaskGroup() as tg:
                account_task = tg.create_task(self._account(prev, asked))
                ttl = self.settings.catalog_ttl_s
                spaces_hw = tg.create_task(self._cached_source("spaces_hardware", ttl, c.spaces_hardware, prev))
                jobs_hw = tg.create_task(self._cached_source("jobs_hardware", ttl, c.jobs_hardware, prev))
                router = tg.create_task(self._cached_source("router_prices", ttl, c.router_prices, prev))
                zero_gpu_task = tg.create_task(self._source("zero_gpu", c.zero_gpu, prev.get("zero_gpu")))
                account = await account_task
                targets = self._targets(account.value)
                gov.reserve = 4 * len(targets) + 2  # essential requests of a poll: keep them possible
                ns_tasks = [tg.create_task(self._namespace(ns, kind, account, prev, now, asked, model_sizes))
                            for ns, kind in targets]
            if account.status is SourceStatus.OK:
                self._cache["account"] = account
            # A 401 was read as a missing permission on the word of a cached whoami: the token may have been
            # revoked since, so the next poll asks whoami itself (its 401 then says "token rejected"), and the
            # polls after it too until whoami answers (its cached answer no longer vouches for the token).
            self._recheck_token = (self._denied_by_401 > 0 and self._account_cached) or (
                self._recheck_token and account.status is not SourceStatus.OK)
        remaining, reset = gov.remaining(), gov.reset_in_s()
        held = gov.blocked_for_s()
        if held is not None:  # a 429 holds every request: the quota is as good as used up until then
            remaining, reset = 0, max(reset or 0, math.ceil(held))
        taken_at = self.clock.now()  # the poll's one moment: its periods are judged at it, and the Report's is it
        hf_ahead_s = c.http.server_clock.poll_done()  # and at HF's time by this poll's answers, when apart
        return Snapshot(
            taken_at=taken_at,
            account=account,
            namespaces=tuple(judged_at(t.result(), taken_at, hf_ahead_s) for t in ns_tasks),
            spaces_hardware=spaces_hw.result(),
            jobs_hardware=jobs_hw.result(),
            router_prices=router.result(),
            zero_gpu=zero_gpu_task.result(),
            requests_made=gov.requests_sent - sent0,
            rate_limit_remaining=remaining,
            rate_limit_reset_s=reset,
            extra={"retries": gov.retries - retries0, "poll_s": round(monotonic() - started, 3)},
            api_health=c.http.log.summarize(self.clock.now()),
            hf_clock_ahead_s=hf_ahead_s,
        )

    def _targets(self, account: Account | None) -> list[tuple[str, str]]:
        """(namespace, kind) pairs to poll: the user and its orgs, or the restriction given."""
        user = account.name if account is not None and account.type == "user" else None
        if self.namespaces is not None:
            return [(ns, "user" if ns == user else "org") for ns in self.namespaces]
        if account is None:
            return []
        names = [(account.name, "user" if user else "org")]
        return names + [(org.name, "org") for org in account.orgs or () if org.name != account.name]

    # --- sources ------------------------------------------------------------------------------

    async def _account(self, prev: PreviousSources, asked: datetime) -> SourceResult[Account]:
        """whoami (cached for hours): the user, its orgs and their plans, in one request. While it is on its way, the
        user's own billing and storage requests are sent (their routes name no one: `_user_ahead`, usage asked up to
        `asked`)."""
        hit = None if self._recheck_token else self._fresh_cached("account", self.settings.identity_ttl_s, prev)
        self._account_cached = hit is not None
        if hit is not None:
            return hit
        known = self._cache.get("account") or prev.get("account")
        self.client.http.ahead.send(self._user_ahead(known.value if known is not None else None, asked, prev))
        namespaces = len(self._targets(known.value if known is not None else None)) or 1
        self.client.http.prewarm(self.client.urls.hub, min(self.client.governor.max_in_flight,
                                                           HUB_CONNECTIONS_AHEAD * namespaces))
        return await self._source("account", self.client.whoami, known)

    async def _namespace(self, ns: str, kind: str, account: SourceResult[Account], prev: PreviousSources,
                         now: datetime, asked: datetime, model_sizes: bool) -> NamespaceData:
        c, user = self.client, kind == "user"
        token_ok = account.status in (SourceStatus.OK, SourceStatus.STALE)
        # whoami accepted the token: a 401 from one API is then that API refusing it (a fine-grained token without
        # the permission), not a rejected token
        scoped: dict[str, Any] = {"auth_means_no_access": account.status is SourceStatus.OK, "auth_hint": SCOPE_HINT}

        async def src(kind_: str, fetch: Callable[[], Awaitable[T]], **kw: Any) -> SourceResult[T]:
            name = f"{kind_}:{ns}"
            return await self._source(name, fetch, prev.get(name), **{**scoped, **kw})

        async with asyncio.TaskGroup() as tg:  # _source never raises, so one failure cancels nothing
            # Chains first (listings; Endpoints, then model infos): the longest waits. Every namespace's chains start
            # before any namespace's other requests (the `sleep(0)` below), on the wire in the loop's first turn.
            ttl = self.settings.listings_ttl_s

            def listing(kind_: str, fetch: Callable[[], Awaitable[T]]) -> asyncio.Task[SourceResult[T]]:
                return tg.create_task(self._cached_source(f"{kind_}:{ns}", ttl, fetch, prev, **scoped))

            # usage-v2 naming no period is asked again from the one this poll's live event names: it awaits it
            shared: dict[str, asyncio.Task[SourceResult[LiveUsage]]] = {}
            calls = self._named_calls(ns, user, asked,
                                      usage_from(prev.get(f"billing:{ns}"), asked, prev.get(f"live:{ns}")),
                                      live=lambda: shared["live"], in_history=lambda: self._in_history(ns, asked))
            storage = tg.create_task(src("storage", calls["storage"]))
            model_repos = listing("model_repos", lambda: c.hub_repos(ns, "model"))
            spaces = tg.create_task(src("spaces", lambda: c.spaces(ns)))
            dataset_repos = listing("dataset_repos", lambda: c.hub_repos(ns, "dataset"))
            jobs = tg.create_task(src("jobs", lambda: self._jobs.read(ns, prev.get(f"jobs:{ns}"))))
            members = None if user else listing("members", lambda: c.members(ns))
            # An org whose Endpoints the token cannot read answers 401 on the whole Endpoints API: no access.
            org_endpoints = ({"auth_means_no_access": token_ok, "auth_hint": ORG_ENDPOINTS_HINT} if not user
                             else {**scoped, "auth_hint": USER_ENDPOINTS_HINT})
            endpoints = tg.create_task(src("endpoints", lambda: c.endpoints(ns), **org_endpoints))
            # Chained on the listing, not on the whole poll: the model infos overlap the longer listings.
            models = tg.create_task(self._models_served(ns, endpoints, prev)) if model_sizes else None
            await asyncio.sleep(0)
            # Its own source: when the stream fails, usage-v2's credits still stand, but the per-provider split
            # and the storage totals are unknown, and the user should see why (not an empty breakdown).
            live = shared["live"] = tg.create_task(src("live", calls["live"]))
            billing = tg.create_task(src("billing", calls["billing"]))
            statement = tg.create_task(src("statement", calls["statement"]))
            day_ago = tg.create_task(self._day_ago(ns, user, now, billing, prev, scoped))
            windows = tg.create_task(self._usage_windows(ns, user, asked, billing, prev, scoped))
            job_charges = tg.create_task(src("job_charges", calls["job_charges"])) if user else None
            sessions = tg.create_task(src("sessions", calls["sessions"]))
            catalog = tg.create_task(self._cached_source(f"endpoint_catalog:{ns}", self.settings.catalog_ttl_s,
                                                         lambda: c.endpoint_catalog(ns), prev, **org_endpoints))
            scheduled = tg.create_task(src("scheduled_jobs", lambda: c.scheduled_jobs(ns)))
            groups = usage = None
            # Resource groups of every org. HF's spec (research/hf-openapi.json) says the resource-groups routes
            # require "a Team plan or higher", and every org plan whoami names (team, enterprise, plus, academia) is
            # a paid org plan; whoami's `plan` is optional, and the answer HF gives an org without groups is
            # undocumented: no plan rules them out, and an answer other than a list is shown as not read.
            if not user:
                groups = tg.create_task(src("resource_groups", lambda: c.resource_groups(ns)))
                month = usage_window(asked).start  # group limits are by calendar month
                usage = tg.create_task(src("resource_group_usage", lambda: c.resource_group_usage(ns, start=month,
                                                                                                  end=asked)))
        # usage-v2 and the statement as answered: `judged_at` checks their periods at the poll's end
        return NamespaceData(namespace=ns, kind=kind, billing=billing.result(), statement=statement.result(),
                             job_charges=job_charges.result() if job_charges else None, sessions=sessions.result(),
                             endpoints=endpoints.result(), endpoint_catalog=catalog.result(),
                             spaces=spaces.result(), jobs=jobs.result(), storage=storage.result(),
                             resource_groups=groups.result() if groups else None,
                             resource_group_usage=usage.result() if usage else None,
                             scheduled_jobs=scheduled.result(), live=live.result(),
                             billing_day_ago=day_ago.result() if day_ago else None, usage_windows=windows.result(),
                             models=models.result() if models else None,
                             model_repos=model_repos.result(), dataset_repos=dataset_repos.result(),
                             members=members.result() if members else None,
                             ended_jobs_listed_at=self._jobs.listed_at.get(ns), jobs_cut=self._jobs.cut.get(ns))

    def _named_calls(self, ns: str, user: bool, now: datetime, start: datetime,
                     live: Callable[[], Awaitable[SourceResult[LiveUsage]]] | None = None,
                     in_history: Callable[[], Awaitable[datetime | None]] | None = None,
                     ) -> dict[str, Callable[[], Awaitable[Any]]]:
        """The fetches of a namespace's storage and billing sources, usage-v2 and the sessions from `start`
        (`usage_period`; `live`: this poll's live event, for the period an answer naming none is over); the user's
        URLs name no one (`settings/...`)."""
        c = self.client
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "storage": lambda: c.repositories(ns, user=user),
            "billing": lambda: usage_over_its_period(c, ns, user=user, start=start, now=now, live=live,
                                                     in_history=in_history),
            "live": lambda: c.usage_live(ns, user=user),
            "statement": lambda: c.statement(ns, user=user),
            "sessions": lambda: c.sessions(ns, user=user, start=start, end=now)}
        if user:  # only users have `billing/usage/jobs`; an org's job spend is in its statement's jobs lines
            calls["job_charges"] = c.job_charges
        return calls

    async def _in_history(self, ns: str, at: datetime) -> datetime | None:
        """`period_in_history` of `ns` at `at`, off the event loop (None: history is off)."""
        read = self.period_in_history
        return None if read is None else await asyncio.to_thread(read, ns, at)

    async def _day_ago(self, ns: str, user: bool, now: datetime, billing: asyncio.Task[SourceResult[Any]],
                       prev: PreviousSources, scoped: dict[str, Any]) -> SourceResult[UsageAsOf] | None:
        """usage-v2 from where this poll's figure counts (`usage_period`) to DAY_AGO before `now` (at most every
        DAY_AGO_TTL_S), once usage-v2 answered or failed. None when it was refused (a token that may not read it is
        not asked twice), or the period is younger than that (it is measured from its start)."""
        answered = await billing
        if answered.status is SourceStatus.NO_ACCESS:
            return None
        at = now - DAY_AGO
        found = answered.value
        start = found.counted_from if found is not None and found.counted_from is not None else \
            usage_from(prev.get(f"billing:{ns}"), now, prev.get(f"live:{ns}"))
        if at <= start:
            return None

        async def fetch() -> UsageAsOf:
            return UsageAsOf(at, await self.client.usage_v2(ns, user=user, start=start, end=at))

        return await self._cached_source(f"billing_day_ago:{ns}", DAY_AGO_TTL_S, fetch, prev, **scoped)

    async def _usage_windows(self, ns: str, user: bool, asked: datetime, billing: asyncio.Task[SourceResult[Any]],
                             prev: PreviousSources, scoped: dict[str, Any]) -> SourceResult[UsageWindows] | None:
        """usage-v2 asked for each spend window (None: not asked, or refused); never a last answer. Asked at once when
        the previous poll read the namespace's usage-v2, else once this poll's answered: a namespace that refuses it
        (an org without billing access) is not asked 8 times more; the user's own are sent ahead of whoami
        (`_user_ahead`), in the round trip's idle slots."""
        if not self.spend_windows:
            return None
        if prev.fresh(f"billing:{ns}") is None and (await billing).status is SourceStatus.NO_ACCESS:
            return None
        asked_windows = windows_result(await self._source(f"usage_windows:{ns}", lambda: usage_in_windows(
            self.client, ns, user=user, asked=asked), None, **scoped))
        return None if (await billing).status is SourceStatus.NO_ACCESS else asked_windows

    def _user_ahead(self, known: Account | None, asked: datetime,
                    prev: PreviousSources) -> list[Callable[[], Awaitable[Any]]]:
        """The user's `_named_calls` to send while whoami is on its way, and its spend windows' (`window_calls`): the
        requests the user's namespace makes once whoami names it (the name labels only what is parsed, which sending
        ahead does not do). None when the poll may not make them: restricted to namespaces, the last account known
        not a user's, or a source of the user's still refused (`no_access_recheck_s`, known by name only; the windows
        go with usage-v2). The windows, not when `spend_windows` is off, nor after a poll whose whoami failed (a
        rejected token, a 429: the 8 would fail with it every poll)."""
        if self.namespaces is not None or (known is not None and known.type != "user"):
            return []
        last = (prev.get(f"billing:{known.name}"), prev.get(f"live:{known.name}")) if known else (None, None)
        calls = self._named_calls("", True, asked, usage_from(last[0], asked, last[1]))
        account = prev.get("account")
        windows = [fetch for _, _, fetch in window_calls(self.client, "", user=True, asked=asked)] \
            if self.spend_windows and (account is None or account.status is SourceStatus.OK) else []
        if known is None:
            return [] if self._denied else [*calls.values(), *windows]
        ready = {kind: call for kind, call in calls.items() if self._still_denied(f"{kind}:{known.name}") is None}
        if "billing" in ready and self._still_denied(f"usage_windows:{known.name}") is None:
            return [*ready.values(), *windows]
        return [*ready.values()]

    async def _models_served(self, ns: str, endpoints: asyncio.Task[SourceResult[tuple[Endpoint, ...]]],
                             prev: PreviousSources) -> SourceResult[tuple[ModelWeights, ...]] | None:
        """The sizes of the models a namespace's Endpoints serve (None: it lists no Endpoint with a model)."""
        listed = await endpoints
        repos = sorted({e.repository for e in listed.value or () if e.repository})
        if not repos:
            return None
        name = f"models:{ns}"
        ttl = self.settings.model_info_ttl_s
        cached = len(self._weights.fresh(repos, ttl)) == len(repos)
        result = await self._source(name, lambda: self._weights.weights_of(repos, ttl), prev.get(name))
        return replace(result, from_cache=True) if cached and result.status is SourceStatus.OK else result

    async def _cached_source(self, name: str, ttl_s: float, fetch: Callable[[], Awaitable[T]],
                             prev: PreviousSources, **kw: Any) -> SourceResult[T]:
        """A source fetched at most once per `ttl_s` (of clock time); a failure keeps the cached value stale."""
        hit = self._fresh_cached(name, ttl_s, prev)
        if hit is not None:
            return hit
        result = await self._source(name, fetch, self._cache.get(name) or prev.get(name), **kw)
        if result.status is SourceStatus.OK:
            self._cache[name] = result
        return result

    def _fresh_cached(self, name: str, ttl_s: float, prev: PreviousSources) -> SourceResult[Any] | None:
        """The cached OK result of a source (ours, else the previous snapshot's) when younger than `ttl_s`."""
        cached = self._cache.get(name) or prev.fresh(name)
        if cached is None or cached.fetched_at is None or cached.status is not SourceStatus.OK:
            return None
        age = (self.clock.now() - cached.fetched_at).total_seconds()
        return replace(cached, from_cache=True) if 0 <= age < ttl_s else None

    async def _source(self, name: str, fetch: Callable[[], Awaitable[T]], previous: SourceResult[T] | None, *,
                      auth_means_no_access: bool = False, auth_hint: str | None = None) -> SourceResult[T]:
        """Run one fetch under its own timeout (capped by the poll deadline) and turn its outcome into data."""
        denied = self._still_denied(name)
        if denied is not None:
            return replace(denied, from_cache=True)  # a missing permission does not come back by asking every poll
        result = await self._attempt(name, fetch, previous, auth_means_no_access, auth_hint)
        if result.status is SourceStatus.NO_ACCESS:
            self._denied[name] = (self.clock.now(), result)
            self._denied_by_401 += result.http_status == 401
        else:
            self._denied.pop(name, None)
        return result

    def _still_denied(self, name: str) -> SourceResult[Any] | None:
        """The no-access answer of source `name` while it stands (`no_access_recheck_s`), else None."""
        denied = self._denied.get(name)
        if denied is not None and (self.clock.now() - denied[0]).total_seconds() < self.settings.no_access_recheck_s:
            return denied[1]
        return None

    async def _attempt(self, name: str, fetch: Callable[[], Awaitable[T]], previous: SourceResult[T] | None,
                       auth_means_no_access: bool, auth_hint: str | None) -> SourceResult[T]:
        budget = capped(self.settings.source_timeout_s)
        try:
            async with asyncio.timeout(budget):
                value = await fetch()
        except HfmonError as exc:
            if auth_means_no_access and isinstance(exc, AuthError):
                exc = NoAccessError(exc.message, auth_hint, status=401)
            return failed_result(name, exc, previous)
        except TimeoutError:
            return failed_result(name, TimedOutError(f"no answer within {budget:.1f} s",
                                                  "the service is slow; the next poll will try again"), previous)
        except Exception as exc:  # a bug in a parser must not take the other sources down with it
            log.exception("source %s failed", name)
            return failed_result(name, HfmonError(f"internal error while reading {name} ({type(exc).__name__})"),
                           previous)
        return SourceResult(name, SourceStatus.OK, value, fetched_at=self.clock.now())


def make_collector(*, demo: bool = False, speed: float = 60.0, namespaces: Sequence[str] | None = None,
                   token: str | None = None, settings: CollectorSettings | None = None) -> tuple[Collector, Clock]:
    """A Collector and its clock for a front end: the in-process fake for `demo`, else the real services.

    Raises NoTokenError (with a hint) when not in demo mode and no token is found.
    """
    client, clock = open_client(demo=demo, speed=speed, token=token)
    return Collector(client, clock, namespaces, settings=settings), clock



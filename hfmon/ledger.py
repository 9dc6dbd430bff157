"""The proxy's ledger as the rest of hfmon reads it: one row per request through `hfmon proxy`, the settled
cost HF reported for each session id the proxy chose, and the figures the Report carries about them (computed
in `hfmon.costs.ledger`). Pure values; `hfmon.store.ledger` persists the rows.

Never a prompt or a completion: only what a bill needs (model, provider, tokens, status, timings, ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from hfmon.provider_spend import step_starts
from hfmon.report import Total


class Outcome(StrEnum):
    """How a request through the proxy ended."""

    OK = "ok"  # the upstream answered 2xx/3xx and the caller got all of it
    HTTP_ERROR = "http_error"  # the upstream answered 4xx/5xx (passed to the caller unchanged)
    CLIENT_DISCONNECTED = "client_disconnected"  # the caller hung up before the answer ended
    UNREACHABLE = "unreachable"  # no answer from the upstream: connection refused, DNS, reset
    TIMED_OUT = "timed_out"  # the upstream did not answer or stalled past the proxy's timeout
    BAD_RESPONSE = "bad_response"  # the upstream broke off (a stream without its [DONE] too) or sent too much
    PROXY_STOPPED = "proxy_stopped"  # the proxy was killed before the answer ended (its journal said it had begun)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One request through the proxy. Tokens and cost are None when unknown; cost also when unpriced."""

    at: datetime  # when the request arrived
    namespace: str | None  # X-HF-Bill-To; None: the caller's own account
    route: str  # chat | completion | embedding
    model: str  # as requested, without a `:provider` or `:policy` suffix
    policy: str | None  # the suffix as requested (a provider id, `cheapest`, `fastest`, `preferred`), or None
    provider: str | None  # who served it (`x-inference-provider`, else a pinned suffix); None: unknown
    streamed: bool
    status: int | None  # the upstream's HTTP status; None when it never answered
    outcome: Outcome
    ttfb_s: float | None  # time to the first byte of the upstream's answer
    latency_s: float | None  # until the answer ended (or the caller hung up)
    prompt_tokens: int | None
    completion_tokens: int | None
    request_id: str | None
    session_id: str | None
    estimated_usd: Decimal | None  # tokens x the router's live price for that provider; None: unpriced/unknown
    run_id: str | None = None  # the `hfmon run` that made it
    caller: str | None = None  # the account whose token made it (whoami's name); None: unknown (whoami failed, or
    # recorded before the proxy noted it)
    entry: str | None = None  # its key in the proxy's journal (`store.journal`): written to history once only

    @property
    def owner(self) -> tuple[str | None, str | None]:
        """Who pays for it as far as the row says: (X-HF-Bill-To, the caller's account). Without X-HF-Bill-To the
        caller's own account pays (None: whose is unknown)."""
        return self.namespace, self.caller

    @property
    def is_error(self) -> bool:
        """Counted as an error: an upstream 4xx/5xx or no usable answer (a caller hanging up is not one)."""
        return self.outcome not in (Outcome.OK, Outcome.CLIENT_DISCONNECTED)

    @property
    def answered(self) -> bool:
        """The router answered 2xx/3xx (what HF bills), whether or not the answer then ended whole."""
        return self.status is not None and 200 <= self.status < 400

    @property
    def priced_as(self) -> str:
        """What its estimate is priced as: the model via its provider (`unpriced:<this>` in a total's missing)."""
        return f"{self.model} via {self.provider or 'an unknown provider'}"


@dataclass(frozen=True, slots=True)
class LedgerGap:
    """Proxy requests the ledger lost for good (the history file refused them past what the proxy keeps to retry):
    only their count, times and whose bill they were on are known."""

    first_at: datetime
    last_at: datetime
    requests: int
    why: str  # the last reason a write failed, in hfmon's words
    run_id: str | None = None  # the `hfmon run` that made them (None: `hfmon proxy`)
    # whose bill they were on, as their rows said (`LedgerRow.owner`); None: unknown (recorded before v15), so every
    # account sharing the history file may have lost them
    owner: tuple[str | None, str | None] | None = None
    entry: str | None = None  # its key in the proxy's journal (`store.journal`): recorded once only


@dataclass(frozen=True, slots=True)
class SessionSettled:
    """What HF reported as settled for one session id (`usage-by-inference-session`, summed over periods)."""

    session_id: str
    requests: int
    settled_usd: Decimal
    read_at: datetime


@dataclass(frozen=True, slots=True)
class UsageFigures:
    """One model's (or provider's) requests through `hfmon proxy` over a window, from its ledger."""

    name: str
    requests: int
    errors: int  # upstream 4xx/5xx and no usable answer (a caller hanging up is not an error)
    error_pct: Decimal | None  # None without requests
    p50_latency_s: float | None  # of the requests answered in full; None without any
    p95_latency_s: float | None
    prompt_tokens: int  # of the requests whose usage is known
    completion_tokens: int
    estimated_usd: Total[Decimal]  # tokens x router price; partial with unpriced or unknown-usage requests
    settled_usd: Total[Decimal]  # what HF settled for the sessions; partial while pending or shared
    requests_trend_pct: Decimal | None = None  # against the previous window of the same length
    estimated_trend_pct: Decimal | None = None
    tokens_unknown: int = 0  # requests HF may bill whose tokens are unknown (in neither token count)
    requests_owner_unknown: int = 0  # requests billed to a namespace not known to be in the scope: in no count above
    requests_lost: int = 0  # requests the ledger lost in the window (`LedgerGap`), which group's unknown: the counts
    # above may miss some of them


@dataclass(frozen=True, slots=True)
class UsageSeries:
    """One model's (or provider's) requests and estimated cost in each step of a window, oldest first."""

    name: str
    requests: tuple[int, ...]
    estimated_usd: tuple[Total[Decimal], ...]  # partial in a step with unpriced or unknown-usage requests


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """The proxy's ledger over one window ending now, per model and per provider (in total and over time)."""

    name: str  # 1h | 24h | 7d | 30d | period
    start: datetime
    end: datetime
    by_model: tuple[UsageFigures, ...]  # the costliest first
    by_provider: tuple[UsageFigures, ...]
    step: timedelta | None = None  # the steps of the series start at `start`; the last one ends at `end`
    models_over_time: tuple[UsageSeries, ...] = ()  # in the order of by_model
    providers_over_time: tuple[UsageSeries, ...] = ()  # in the order of by_provider

    @property
    def step_starts(self) -> tuple[datetime, ...]:
        """When each step of the series begins."""
        return () if self.step is None else step_starts(self.start, self.end, self.step)


@dataclass(frozen=True, slots=True)
class CheaperElsewhere:
    """What one model's tokens this period would have cost on each live provider serving it (router prices)."""

    model: str
    prompt_tokens: int
    completion_tokens: int
    estimated_usd: Total[Decimal]  # what they cost where they were served
    # (provider, the same tokens at its price), the cheapest first; None: the router's prices were not read
    options: tuple[tuple[str, Decimal], ...] | None
    cheapest_policy_requests: int  # requests that asked for `:cheapest`
    cheapest_policy_misses: int | None  # of those, not served by the cheapest at today's prices; None: no prices
    # what those misses cost beyond the same tokens at the cheapest's price; None: no prices, or a miss's cost unknown
    cheapest_policy_excess_usd: Decimal | None = None
    billed_to: tuple[str, ...] = ()  # the namespaces its requests this period were billed to (X-HF-Bill-To placed)
    # the X-HF-Bill-To values of its requests hfmon cannot place in a namespace: (the namespaces it may be, why)
    billed_to_unknown: tuple[tuple[str, str], ...] = ()
    # the same tokens where they were served, at today's prices (what `options` is beside); None: a provider that
    # served them has no price today, or the prices were not read
    served_today_usd: Decimal | None = None

    @property
    def cheapest(self) -> tuple[str, Decimal] | None:
        """The cheapest live provider and what the tokens would have cost there."""
        return self.options[0] if self.options else None


@dataclass(frozen=True, slots=True)
class ProxyUsage:
    """Requests through `hfmon proxy` (its ledger in the history file): windows 1h, 24h, 7d, 30d and the period."""

    windows: tuple[UsageWindow, ...]
    cheaper: tuple[CheaperElsewhere, ...]

    def window(self, name: str) -> UsageWindow | None:
        """One window by name."""
        return next((w for w in self.windows if w.name == name), None)

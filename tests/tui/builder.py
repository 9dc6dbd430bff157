"""A hand-built, realistic Report and a ReportSource over it, for TUI tests, snapshots and the benchmark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from hfmon.advice import advise
from hfmon.alerts.engine import AlertEvent
from hfmon.apihealth import ApiHealth
from hfmon.clock import FrozenClock
from hfmon.errors import Failure
from hfmon.history import History
from hfmon.ledger import ProxyUsage, UsageFigures, UsageSeries, UsageWindow
from hfmon.models import Account, Endpoint, Job, Org, RepoStorage, SourceStatus, Space, ZeroGpuQuota
from hfmon.models_hub import OrgMember
from hfmon.pricing.catalog import build_catalog
from hfmon.provider_spend import ProviderSpendWindow, SpendSeries
from hfmon.report import (
    CheckStatus,
    Credits,
    CrossCheck,
    EndpointRow,
    Flag,
    Inference,
    JobRow,
    MeterRow,
    NamespaceStorage,
    OrgSummary,
    Price,
    PriceSource,
    ProviderRow,
    Report,
    ResourceCost,
    Severity,
    SourceState,
    SpaceRow,
    Spend,
    Storage,
    Total,
)
from hfmon.repositories import OrgMembers, RepoRow, Repositories

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
PERIOD_START = datetime(2026, 11, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 12, 1, tzinfo=UTC)


def cost(per_hour: str | None, billed_min: str | None, billed: str | None, recomputed: str | None,
         uptime: str | None = "40", source: PriceSource = PriceSource.LIVE, running: bool = True) -> ResourceCost:
    """A ResourceCost from short strings (None = unknown)."""
    price = None if per_hour is None else Price(D(per_hour), source)
    now_rate = None if per_hour is None else (D(per_hour) if running else D(0))
    return ResourceCost(
        price=price, cost_per_hour_usd=now_rate,
        billed_minutes=None if billed_min is None else D(billed_min),
        billed_usd=None if billed is None else D(billed),
        recomputed_usd=None if recomputed is None else D(recomputed),
        uptime_pct=None if uptime is None else D(uptime), uptime_24h_pct=None if uptime is None else D(uptime),
        to_period_end_usd=None if now_rate is None else now_rate * 24 * 9,
        replicas=1 if running else 0,
    )


def _endpoint(ns: str, name: str, state: str, acc: str, itype: str, size: str, ready: int, target: int,
              min_r: int, max_r: int, repo: str, stz: int | None = 15) -> Endpoint:
    return Endpoint(namespace=ns, name=name, state=state, vendor="aws", region="us-east-1", accelerator=acc,
                    instance_type=itype, instance_size=size, min_replica=min_r, max_replica=max_r,
                    scale_to_zero_timeout_min=stz, ready_replicas=ready, target_replicas=target,
                    repository=repo, created_at=PERIOD_START - timedelta(days=30), updated_at=NOW)


def endpoints() -> tuple[EndpointRow, ...]:
    """Six endpoints, one in each interesting state."""
    return (
        EndpointRow(_endpoint("acme", "llm-prod", "running", "gpu", "nvidia-a100", "x1", 2, 2, 1, 4,
                              "meta-llama/Llama-3.1-8B-Instruct", None),
                    cost("2.50", "28800", "1200.00", "1200.00", "97")),
        EndpointRow(_endpoint("acme", "embed-batch", "scaledToZero", "gpu", "nvidia-t4", "x1", 0, 0, 0, 1,
                              "BAAI/bge-large-en-v1.5"), cost("0.50", "1320", "11.00", "11.00", "4", running=False)),
        EndpointRow(_endpoint("alice", "sd-xl-demo", "paused", "gpu", "nvidia-l4", "x1", 0, 0, 0, 1,
                              "stabilityai/stable-diffusion-xl-base-1.0"),
                    cost("0.80", "600", "8.00", "8.00", "2", running=False)),
        EndpointRow(_endpoint("acme", "whisper-eu", "initializing", "gpu", "nvidia-a10g", "x1", 0, 1, 1, 1,
                              "openai/whisper-large-v3", None), cost("1.00", "180", "3.00", "3.00", "1")),
        EndpointRow(_endpoint("alice", "qwen-coder", "failed", "gpu", "nvidia-l40s", "x1", 0, 1, 1, 1,
                              "Qwen/Qwen2.5-Coder-7B-Instruct"),
                    cost("1.80", "45", "1.35", "1.35", "0", running=False)),
        EndpointRow(_endpoint("acme", "rerank", "updating", "gpu", "nvidia-h100", "x2", 1, 1, 1, 2,
                              "BAAI/bge-reranker-v2-m3"), cost(None, "2400", "400.00", None, "12")),
    )


def _space(sid: str, stage: str, hw: str | None, sleep: int | None, storage: int = 2_000_000_000) -> Space:
    ns = sid.split("/")[0]
    return Space(id=sid, namespace=ns, stage=stage, hardware=hw, requested_hardware=hw, sleep_time_s=sleep,
                 replicas_requested=1, replicas_current=1 if stage == "RUNNING" else 0, private=ns != "alice",
                 used_storage_bytes=storage, sdk="gradio")


def spaces() -> tuple[SpaceRow, ...]:
    """A dozen Spaces across stages and hardware, one unpriced."""
    s = SpaceRow
    return (
        s(_space("acme/chat-ui", "RUNNING", "a10g-large", None), cost("1.50", "28800", "720.00", "720.00", "100"),
          D("480")),
        s(_space("acme/rag-demo", "RUNNING", "t4-medium", 3600), cost("0.60", "9000", "90.00", "90.00", "31"),
          D("150")),
        s(_space("acme/label-tool", "SLEEPING", "cpu-upgrade", 172800), cost("0.03", "12000", "6.00", "6.00",
                                                                               running=False)),
        s(_space("acme/old-gradio", "PAUSED", "cpu-basic", None), cost("0", "0", "0.00", "0.00", "0",
                                                                       running=False)),
        s(_space("alice/flux-playground", "RUNNING", "l4x1", 900), cost("0.80", "3000", "40.00", "40.00", "10"),
          D("50")),
        s(_space("alice/tts-test", "SLEEPING", "t4-small", 300), cost("0.40", "600", "4.00", "4.00",
                                                                      running=False), D("10")),
        s(_space("alice/notebook", "BUILDING", "cpu-basic", 172800), cost("0", "0", "0.00", "0.00", "0")),
        s(_space("alice/zero-sdxl", "RUNNING", "zero-a10g", 172800),
          replace(cost("0", "0", "0.00", "0.00", "100"), zero_gpu=True), D("0")),
        s(_space("alice/broken-app", "RUNTIME_ERROR", "t4-small", 3600), cost("0.40", "120", "0.80", "0.80", "1",
                                                                              running=False), D("2")),
        s(_space("bigcorp/search", "RUNNING", "a100-large", None), cost("2.50", None, None, None, None), D("400")),
        s(_space("bigcorp/agents", "RUNNING", "h200x2", 3600), cost(None, None, None, None, None), None),
        s(_space("bigcorp/docs-bot", "SLEEPING", "cpu-basic", 172800), cost("0", None, None, None, None,
                                                                            running=False)),
    )


def jobs() -> tuple[JobRow, ...]:
    """Jobs: one running long, one finished, one failed, one scheduling."""
    def job(jid: str, ns: str, stage: str, flavor: str, started_h: float | None, ran_s: int | None) -> Job:
        started = None if started_h is None else NOW - timedelta(hours=started_h)
        finished = None if stage in ("RUNNING", "SCHEDULING") or started is None or ran_s is None \
            else started + timedelta(seconds=ran_s)
        return Job(id=jid, namespace=ns, stage=stage, flavor=flavor, created_at=started, started_at=started,
                   finished_at=finished, running_s=ran_s, docker_image="python:3.12")
    return (
        JobRow(job("68f1c0ffee01", "acme", "RUNNING", "h200", 30, 108000), cost("5.00", "1800", "150.00",
                                                                                "150.00", "6")),
        JobRow(job("68f1c0ffee02", "alice", "COMPLETED", "a10g-small", 50, 5400),
               cost("1.00", "90", "1.50", "1.50", running=False)),
        JobRow(job("68f1c0ffee03", "alice", "ERROR", "t4-small", 5, 120), cost("0.40", "2", "0.01", "0.01",
                                                                                running=False)),
        JobRow(job("68f1c0ffee04", "acme", "SCHEDULING", "l4x1", None, None), cost("0.80", None, None, None, None)),
    )


def repos() -> tuple[RepoStorage, ...]:
    """Repos with their storage, largest first."""
    items = [
        ("acme", "acme/llama-ft-checkpoints", "model", True, 812_000_000_000),
        ("acme", "acme/web-crawl-2026", "dataset", True, 455_000_000_000),
        ("alice", "alice/sd-loras", "model", False, 41_200_000_000),
        ("acme", "acme/eval-results", "dataset", True, 12_400_000_000),
        ("alice", "alice/private-notes", "dataset", True, 3_100_000_000),
        ("acme", "acme/chat-ui", "space", True, 2_000_000_000),
        ("alice", "alice/flux-playground", "space", False, 1_400_000_000),
        ("alice", "alice/tiny-bert", "model", False, 440_000_000),
        ("bigcorp", "bigcorp/search", "space", True, 400_000_000),
        ("alice", "alice/scratch", "bucket", True, 12_000_000),
    ]
    return tuple(RepoStorage(namespace=n, id=i, type=t, private=p, bytes=b) for n, i, t, p, b in items)


def repositories() -> Repositories:
    """The repos above with downloads, likes and last change (Spaces have no downloads, a bucket no listing);
    bigcorp's models listing failed, so its models are unknown; acme's members."""
    downloads = {"acme/llama-ft-checkpoints": 1_204, "acme/web-crawl-2026": 88, "alice/sd-loras": 15_320,
                 "acme/eval-results": 3, "alice/private-notes": 0, "alice/tiny-bert": 120_400}
    likes = {"alice/sd-loras": 212, "alice/tiny-bert": 48, "alice/flux-playground": 31}
    rows = tuple(RepoRow(r.namespace, r.id, r.type, r.private, r.bytes, downloads.get(r.id),
                         None if r.type == "bucket" else likes.get(r.id, 0),
                         None if r.type == "bucket" else PERIOD_START + timedelta(days=len(r.id) % 17))
                 for r in repos())
    members = (OrgMember("alice", "Alice Smith", "admin", True), OrgMember("bob", "Bob Jones", "write", False),
               OrgMember("carol", "Carol Wu", "read", True))
    return Repositories(rows, ("model_repos:bigcorp",), (OrgMembers("acme", members), OrgMembers("bigcorp", None)))


def sources(now: datetime) -> tuple[SourceState, ...]:
    """Every source fresh, except endpoints:acme (stale for 7 min) and billing:bigcorp (no access)."""
    out = []
    names = ["account", "spaces_hardware", "jobs_hardware", "router_prices", "zero_gpu"]
    for ns in ("alice", "acme", "bigcorp"):
        names += [f"{k}:{ns}" for k in ("billing", "statement", "endpoints", "spaces", "jobs", "storage")]
    for name in names:
        if name == "endpoints:acme":
            out.append(SourceState(name, SourceStatus.STALE, now - timedelta(minutes=7), 420,
                                   "503 Service Unavailable from api.endpoints.huggingface.cloud",
                                   "Endpoints API is having trouble; hfmon keeps the last value and retries",
                                   503, Failure.SERVER_ERROR))
        elif name in ("billing:bigcorp", "statement:bigcorp"):
            out.append(SourceState(name, SourceStatus.NO_ACCESS, None, None,
                                   "403 Forbidden: the token cannot read bigcorp's billing",
                                   "Ask a bigcorp admin for billing read access, or use a token with "
                                   "'Read billing usage' for that org", 403, Failure.NO_ACCESS))
        else:
            out.append(SourceState(name, SourceStatus.OK, now - timedelta(seconds=3), 3, None, None))
    return tuple(out)


def build_report(now: datetime = NOW, *, tick: int = 0, spaces_n: int | None = None) -> Report:
    """A rich Report at `now`; `tick` nudges live figures so successive polls differ; `spaces_n` pads Spaces."""
    bump = D(tick) / 10
    account = Account(
        name="alice", type="user", full_name="Alice Example", is_pro=True, can_pay=True,
        billing_mode="postpaid",
        orgs=(Org("acme", "admin", "team"), Org("bigcorp", "read", "enterprise")),
        token_role="fineGrained")
    days_left = D((PERIOD_END - now).total_seconds()) / 86400
    series_alice = tuple((PERIOD_START + timedelta(days=d), D("0.085") * d) for d in range(0, 21))
    alice = Credits(
        namespace="alice", period_start=PERIOD_START, period_end=PERIOD_END, included_usd=D("2.00"),
        used_usd=D("1.74") + bump, remaining_usd=max(D(0), D("0.26") - bump), overage_usd=max(D(0), bump - D("0.26")),
        limit_usd=D("10.00"), burn_rate_usd_per_day=D("0.0838"), burn_rate_24h_usd_per_day=D("0.12"),
        burn_rate_24h_why=None,
        projected_period_usd=D("2.57"), exhausts_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC), limit_hit_at=None,
        days_left=days_left, provisional_usd=D("0.03"),
        series=series_alice + ((now, D("1.74") + bump),), rate_usd_per_day=D("0.12"),
        rate_from=now - timedelta(hours=24, minutes=30), rate_to=now - timedelta(minutes=30), rate_settled=True,
        fell_usd=D(0), fell_since=None, fell_clock_back=False, rate_unknown_why=None)
    series_acme = tuple((PERIOD_START + timedelta(days=d), D("14.5") * d) for d in range(0, 21))
    acme = Credits(
        namespace="acme", period_start=PERIOD_START, period_end=PERIOD_END, included_usd=D("0.00"),
        used_usd=D("301.40") + bump, remaining_usd=D(0), overage_usd=D("301.40") + bump, limit_usd=D("400.00"),
        burn_rate_usd_per_day=D("14.60"), burn_rate_24h_usd_per_day=D("19.30"), burn_rate_24h_why=None,
        projected_period_usd=D("475.10"),
        exhausts_at=None, limit_hit_at=datetime(2026, 11, 26, 23, 0, tzinfo=UTC), days_left=days_left,
        provisional_usd=D("1.10"), series=series_acme + ((now, D("301.40") + bump),), rate_usd_per_day=D("19.30"),
        rate_from=now - timedelta(hours=24, minutes=30), rate_to=now - timedelta(minutes=30), rate_settled=True,
        fell_usd=D(0), fell_since=None, fell_clock_back=False, rate_unknown_why=None)
    inference = Inference(
        # bigcorp's billing is unreadable (no access): its inference is missing from the totals
        cost_usd=Total(D("23.86") + bump, ("billing:bigcorp",)), requests=Total(48_213 + tick, ("billing:bigcorp",)),
        by_provider=(
            ProviderRow("together", 21_004, D("9.80") + bump), ProviderRow("fireworks-ai", 11_220, D("6.12")),
            ProviderRow("sambanova", 6_102, D("3.40")), ProviderRow("nebius", 5_441, D("2.61")),
            ProviderRow("hf-inference", 3_980, D("1.33")), ProviderRow("groq", 466, D("0.60")),
        ))
    space_rows = spaces()
    if spaces_n:
        space_rows = tuple(_padded_space(i, tick) for i in range(spaces_n))
    crosscheck = (
        CrossCheck("endpoint acme/rerank", D("400.00"), None, None, CheckStatus.UNPRICED,
                   "nvidia-h100 x2 has no price in any catalog layer"),
        CrossCheck("total spaces acme", D("826.00"), D("816.00"), D("10.00"), CheckStatus.DRIFT,
                   "billed 10.00 more than 20 h of a10g-large at catalog price"),
        CrossCheck("inference alice", D("1.74"), D("1.61"), D("0.13"), CheckStatus.PENDING,
                   "placeholders from the last 30 min not settled yet"),
        CrossCheck("endpoint acme/llm-prod", D("1200.00"), D("1200.00"), D("0.00"), CheckStatus.OK),
        CrossCheck("total jobs acme", D("150.00"), D("150.00"), D("0.00"), CheckStatus.OK),
        CrossCheck("total spaces alice", D("44.80"), D("44.80"), D("0.00"), CheckStatus.OK),
        CrossCheck("space bigcorp/agents", None, None, None, CheckStatus.UNPRICED,
                   "h200x2 not in the Spaces hardware catalog"),
    )
    flags = (
        Flag("credits_exhausting", "alice", "Included credits run out Nov 24 at the current pace",
             Severity.CRITICAL),
        Flag("limit_soon", "acme", "Spending limit $400.00 reached around Nov 26", Severity.CRITICAL),
        Flag("no_sleep_time", "acme/chat-ui", "a10g-large Space never sleeps: $36.00/day while idle"),
        Flag("cannot_scale_to_zero", "acme/llm-prod", "min replicas 1: never scales to zero"),
        Flag("long_running_job", "68f1c0ffee01", "h200 job running for 30h 00m", Severity.WARNING),
        Flag("idle_gpu", "alice/flux-playground", "l4x1 Space awake with no traffic for 6h", Severity.INFO),
    )
    endpoint_rows, job_rows = endpoints(), jobs()
    meter = meter_of(endpoint_rows, space_rows, job_rows)
    report = Report(
        generated_at=now, account=account,
        orgs=(OrgSummary("acme", "team", "admin", True), OrgSummary("bigcorp", "enterprise", "read", False)),
        billing_access=True, credits=(alice, acme), inference=inference, endpoints=endpoint_rows,
        spaces=space_rows, jobs=job_rows, meter_rows=meter, gpu_hours_missing=("statement:bigcorp",),
        crosscheck_unchecked=("statement:bigcorp", "billing:bigcorp"),
        storage=Storage(private_bytes=Total(1_283_424_000_000), public_bytes=Total(43_052_000_000),
                        private_limit_bytes=None, repos=repos(), by_namespace=(
                            # usage-v2's figures, a little off the listing's sums (as HF's are); no limits per
                            # namespace, so no advice is drawn from them
                            NamespaceStorage("alice", 3_112_000_000, None, 43_052_000_000, "storage:alice"),
                            NamespaceStorage("acme", 1_279_912_000_000, None, 0, "storage:acme"),
                            NamespaceStorage("bigcorp", 400_000_000, None, 0, "storage:bigcorp"))),
        repositories=repositories(),
        api_health=(ApiHealth("Hub", 1204, 2, 118.0, 480.0), ApiHealth("billing", 310, 0, 240.0, 910.0),
                    ApiHealth("Endpoints", 96, 12, 300.0, 2400.0), ApiHealth("router", 4, 0, 95.0, 130.0)),
        zero_gpu=ZeroGpuQuota(base_s=1500, remaining_s=640, resets_at=datetime(2026, 11, 22, 0, 0, tzinfo=UTC)),
        running_cost_per_hour_usd=Total.sum((m.usd_per_hour for m in meter), D(0)), crosscheck=crosscheck,
        unpriced=UNPRICED,
        flags=flags, sources=sources(now),
        gpu_hours_by_hardware=(("a10g-large", D("480")), ("t4-medium", D("150")), ("l4x1", D("50"))),
        spend=(Spend("alice", D("1.74") + bump, D("9.35"), D("44.80"), D("1.51"), None, None,
                     alice.period_start, alice.period_end),
               Spend("acme", D("22.12"), D("1614.00"), D("816.00"), D("150.00"), D("37.50"), D(0),
                     acme.period_start, acme.period_end)),
        proxy=proxy_usage(now),
        provider_spend=(provider_spend(now),),
    )
    return replace(report, advice=advise(report, History(), build_catalog(None)))  # as the Monitor adds it


def proxy_usage(now: datetime) -> ProxyUsage:
    """Requests through `hfmon proxy` this period: one model settled, one with an unpriced provider and errors."""
    llama = UsageFigures("meta-llama/Llama-3.3-70B-Instruct", 1_840, 12, D(12 * 100) / 1_840, 0.62, 1.9, 412_000,
                         958_000, Total(D("1.205040")), Total(D("1.18"), ("pending:sessions not settled yet",)),
                         D("8.2"), D("11.5"))
    gemma = UsageFigures("google/gemma-3-27b-it", 310, 0, D(0), 2.4, 5.1, 61_000, 90_000,
                         Total(None, ("unpriced:google/gemma-3-27b-it via featherless-ai",)),
                         Total(D("0.0412")), None, None)
    step = timedelta(days=1)
    steps = -(-(now - PERIOD_START) // step)
    llama_series = UsageSeries(llama.name, *_spread(1_840, D("1.205040"), steps))
    gemma_series = UsageSeries(gemma.name, _spread(310, D(0), steps)[0],
                               tuple(Total(None, ("unpriced:google/gemma-3-27b-it via featherless-ai",))
                                     for _ in range(steps)))
    groq, featherless = replace(llama, name="groq"), replace(gemma, name="featherless-ai")
    period = UsageWindow("period", PERIOD_START, now, (llama, gemma), (groq, featherless), step,
                         (llama_series, gemma_series),
                         (replace(llama_series, name="groq"), replace(gemma_series, name="featherless-ai")))
    return ProxyUsage((period,), ())


def _spread(requests: int, usd: D, steps: int) -> tuple[tuple[int, ...], tuple[Total[D], ...]]:
    """`requests` and `usd` over `steps` days, rising towards now; the last step takes what rounding left."""
    weights = [i + 1 for i in range(steps)]
    counts = [requests * w // sum(weights) for w in weights[:-1]]
    money = [(usd * w / sum(weights)).quantize(D("0.000001")) for w in weights[:-1]]
    return (tuple(counts) + (requests - sum(counts),),
            tuple(Total(m) for m in money) + (Total(usd - sum(money, D(0))),))


def provider_spend(now: datetime) -> ProviderSpendWindow:
    """Billed spend per provider over the period as the polls saw it: no history for the first three days."""
    step = timedelta(days=1)
    steps = -(-(now - PERIOD_START) // step)
    unknown = Total(None, ("unknown:no history from the step's start for alice",))
    series = []
    for name, usd in (("together", D("6.30")), ("fireworks-ai", D("4.02")), ("sambanova", D("2.10"))):
        _, spread = _spread(0, usd, steps - 3)
        series.append(SpendSeries(name, (unknown,) * 3 + spread, Total(usd, unknown.missing)))
    return ProviderSpendWindow("period", PERIOD_START, now, step, tuple(series))


UNPRICED = ("endpoint acme/rerank (nvidia-h100 x2)", "space bigcorp/agents (h200x2)")  # as Report.unpriced names them


def _label(resource: str) -> str:
    """How the meter names a resource among its missing parts: as Report.unpriced does (`costs.totals`' labels)."""
    return next((u for u in UNPRICED if u.split(" ")[1] == resource), resource)


def meter_of(endpoint_rows: tuple[EndpointRow, ...], space_rows: tuple[SpaceRow, ...],
             job_rows: tuple[JobRow, ...]) -> tuple[MeterRow, ...]:
    """The meter of hand-built rows: $/h now per namespace and kind, an unpriced resource billed now missing."""
    groups: dict[tuple[str, str], list[tuple[str, ResourceCost]]] = {}
    for e in endpoint_rows:
        groups.setdefault((e.endpoint.namespace, "endpoints"), []).append((e.endpoint.id, e.cost))
    for sp in space_rows:
        groups.setdefault((sp.space.namespace, "spaces"), []).append((sp.space.id, sp.cost))
    for j in job_rows:
        groups.setdefault((j.job.namespace, "jobs"), []).append((j.job.id, j.cost))
    return tuple(MeterRow(ns, kind, Total.of(((f"unpriced:{_label(name)}", c.cost_per_hour_usd)
                                              for name, c in rows if c.billed_now), D(0)),
                          sum(1 for _, c in rows if c.billed_now))
                 for (ns, kind), rows in groups.items())


def _padded_space(i: int, tick: int) -> SpaceRow:
    stage = ("RUNNING", "SLEEPING", "PAUSED")[(i + tick) % 3] if i % 7 == 0 else ("RUNNING", "SLEEPING")[i % 2]
    billed = D(i % 50) + D(tick) / 100
    return SpaceRow(_space(f"org{i % 5}/space-{i:04d}", stage, "t4-small", 3600),
                    cost("0.40", str(i * 10), str(billed), str(billed), running=stage == "RUNNING"), D(i % 40))


class FakeSource:
    """A ReportSource over hand-built Reports: each poll advances the clock and returns `make(now, tick)`."""

    def __init__(self, make: Callable[[datetime, int], Report] | None = None, *, start: datetime = NOW,
                 step_s: float = 0.0) -> None:
        self.clock = FrozenClock(start)
        self.make = make or (lambda now, tick: build_report(now, tick=tick))
        self.step_s = step_s
        self.polls = 0
        self.error: Exception | None = None
        self.wait_s = 0.0  # what next_delay asks for at least, as a rate limit running out would
        self.warnings: list[str] = []
        self.alert_events: list[AlertEvent] = []  # what the next poll fires (tests set it)
        self.alerts: list[AlertEvent] = []  # the alert history, newest first
        self.alerts_configured = False

    async def poll(self) -> Report:
        """Return the next Report, or raise the injected error."""
        if self.error is not None:
            raise self.error
        if self.polls:
            self.clock.advance(self.step_s)
        report = self.make(self.clock.now(), self.polls)
        self.polls += 1
        return report

    def now(self) -> datetime:
        """The frozen clock."""
        return self.clock.now()

    def next_delay(self, base_s: float) -> float:
        """`base_s`, or `wait_s` when that is longer."""
        return max(base_s, self.wait_s)

    def alert_history(self, limit: int = 100) -> list[AlertEvent]:
        """The alert history set by the test."""
        return self.alerts[:limit]


def with_sources(report: Report, **changes: SourceState) -> Report:
    """The report with some sources replaced by name (keys use `__` for `:`)."""
    by_name = {k.replace("__", ":"): v for k, v in changes.items()}
    return replace(report, sources=tuple(by_name.get(s.name, s) for s in report.sources))

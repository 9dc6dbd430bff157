"""The default demo account: a PRO user, two Enterprise orgs (one with resource groups), things that run and bill."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hfmon.fakehub.catalog import ENDPOINT_COMPUTES, Compute
from hfmon.fakehub.groups import demo_groups
from hfmon.fakehub.scenario import (
    Discrepancy,
    EndpointDef,
    Faults,
    JobDef,
    Org,
    RepoDef,
    Scenario,
    ScheduledJobDef,
    SpaceDef,
    TrafficPhase,
    User,
)
from hfmon.fakehub.timeline import Interval, Step, build, fixed

START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
PERIOD_START = datetime(2026, 11, 1, tzinfo=UTC)
HORIZON = datetime(2027, 1, 1, tzinfo=UTC)
GB = 1_000_000_000


def entity_id(seed: int, name: str) -> str:
    """A stable 24-hex id for anything named `name` in scenario `seed`."""
    return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()[:24]


def _at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _cyc(created: datetime, steps: list[Step], hw: str, step: int, into: int,
         prefix: tuple[Step, ...] = ()) -> tuple[Interval, ...]:
    return build(created, steps, anchor=START, anchor_step=step, anchor_into_min=into, horizon=HORIZON,
                 hardware=hw, prefix=prefix)


def _mins(a: datetime, b: datetime) -> int:
    return int((b - a).total_seconds()) // 60


S, R = Step, "RUNNING"
_BOOT = (S("BUILDING", 9), S("APP_STARTING", 3))


def _spaces(user: str, team: str, ent: str, odd: bool) -> list[tuple[str, str, str, int | None,
                                                                                  tuple[Interval, ...]]]:
    """(id, sdk, requested hardware, sleep time, timeline) of the hand-made demo Spaces."""
    video_hw = "h100" if odd else "l40sx1"
    old = _at(12, 8, month=10)
    return [
        (f"{user}/chat-demo", "gradio", "zero-a10g", None,
         _cyc(_at(2, 10), [S(R, 120), S("SLEEPING", 240)], "zero-a10g", 0, 30, _BOOT)),
        (f"{user}/forgotten-finetune", "gradio", "a10g-large", None,
         fixed(_at(3, 9), [S("BUILDING", 12), S("APP_STARTING", 3), S(R, 0)], "a10g-large")),
        (f"{user}/portfolio", "static", "cpu-basic", 172800,
         _cyc(_at(1, 12, month=10), [S(R, 2880), S("SLEEPING", 600)], "cpu-basic", 0, 500)),
        (f"{user}/whisper-api", "gradio", "t4-small", 3600,
         _cyc(_at(6, 14), [S("APP_STARTING", 3), S(R, 90), S("SLEEPING", 267)], "t4-small", 2, 200, _BOOT)),
        (f"{user}/old-experiment", "docker", "t4-medium", 7200,
         fixed(old, [*_BOOT, S(R, _mins(old, _at(20, 18, month=10)) - 12), S("PAUSED", 0)], "t4-medium")),
        (f"{user}/broken-app", "docker", "cpu-upgrade", None,
         fixed(_at(14, 9), [*_BOOT, S(R, 1500), S("RUNTIME_ERROR", 0)], "cpu-upgrade")),
        (f"{team}/rag-service", "docker", "l4x1", None,  # scaling 1 -> 2 replicas at the start instant
         _cyc(_at(28, 9, month=10), [S(R, 6, 1, other=2), S(R, 474, 2), S("RUNNING_BUILDING", 10, 2), S(R, 470, 1)],
              "l4x1", 0, 3, _BOOT)),
        (f"{team}/vision-demo", "gradio", "a10g-small", 1800,
         _cyc(_at(9, 11), [S("BUILDING", 8), S("APP_STARTING", 4), S(R, 60), S("SLEEPING", 160)], "a10g-small",
              0, 3)),
        (f"{team}/internal-dashboard", "streamlit", "cpu-upgrade", None,
         fixed(_at(5, 7, month=10), [*_BOOT, S(R, 0)], "cpu-upgrade")),
        (f"{team}/video-gen", "gradio", video_hw, 900,
         _cyc(_at(12, 16), [S(R, 45), S("SLEEPING", 75)], video_hw, 0, 10, _BOOT)),
        (f"{ent}/search-ui", "gradio", "cpu-basic", 172800,
         _cyc(_at(20, 8, month=10), [S(R, 2880), S("STOPPED", 1440)], "cpu-basic", 1, 300)),
        (f"{ent}/llm-eval", "docker", "a100-large", 3600,
         fixed(_at(16, 13), [S("BUILDING", 14), S("BUILD_ERROR", 0)], "a100-large")),
        (f"{user}/community-gpu", "gradio", "a10g-small", None,  # on a community GPU grant (GRANTED)
         fixed(_at(10, 12), [*_BOOT, S(R, 0)], "a10g-small")),
    ]


GRANTED = frozenset({"community-gpu"})  # Spaces (by name) whose hardware is a grant: freeGrant lines, $0
PROTECTED = frozenset({"internal-dashboard"})  # Spaces (by name) with visibility "protected"
# Spaces (by name) that used ZeroGPU past the daily quota: (start, GPU-minutes); chat-demo, 12 + 18 = 30 min, $3.00
ZERO_GPU_OVERAGE = {"chat-demo": ((_at(6, 10), 12), (_at(13, 16, 30), 18))}


def _compute(vendor: str, itype: str, size: str) -> Compute:
    return next(c for c in ENDPOINT_COMPUTES if (c.vendor, c.instance_type, c.instance_size) == (vendor, itype, size))


def _endpoints(user: str, team: str, ent: str) -> list[tuple[str, str, Compute, int, int, int | None, str, str,
                                                              datetime, tuple[Interval, ...]]]:
    """(namespace, name, compute, min, max, scale-to-zero minutes, repository, task, created, timeline)."""
    E = Step
    # each Endpoint's compute, which its timeline runs on
    aws_l4 = _compute("aws", "nvidia-l4", "x1")
    gcp_spr2 = _compute("gcp", "intel-spr", "x2")
    aws_t4 = _compute("aws", "nvidia-t4", "x1")
    aws_a100 = _compute("aws", "nvidia-a100", "x1")
    gcp_l4 = _compute("gcp", "nvidia-l4", "x1")
    aws_a10g = _compute("aws", "nvidia-a10g", "x1")
    gcp_a100 = _compute("gcp", "nvidia-a100", "x1")
    aws_spr = _compute("aws", "intel-spr", "x1")
    old_sd = _at(25, 10, month=10)
    nw = _at(8, 9)
    cls = START - timedelta(minutes=4)
    return [
        (user, "llama-chat", aws_l4, 1, 2, None, "meta-llama/Llama-3.1-8B-Instruct",
         "text-generation", _at(2, 9),  # scaling up at the start instant: initializing, 1 of 2 replicas ready
         _cyc(_at(2, 9), [E("running", 300, 1), E("initializing", 4, 2, other=1), E("running", 56, 2)], aws_l4.id, 1, 2,
              (E("pending", 3, 0), E("initializing", 7, 1)))),
        (user, "embedder", gcp_spr2, 0, 1, 15, "BAAI/bge-small-en-v1.5",
         "sentence-embeddings", _at(4, 12),
         _cyc(_at(4, 12), [E("initializing", 5, 1), E("running", 40, 1), E("scaledToZero", 175, 0)], gcp_spr2.id,
              2, 100)),
        (user, "old-sd", aws_t4, 1, 1, None, "stabilityai/sd-turbo",
         "text-to-image", old_sd,
         fixed(old_sd, [E("initializing", 8, 1), E("running", _mins(old_sd, _at(5, 12)) - 8, 1),
                        E("paused", 0, 0)], aws_t4.id)),
        (team, "qwen-prod", aws_a100, 2, 4, None, "Qwen/Qwen2.5-32B-Instruct",
         "text-generation", _at(29, 8, month=10),
         _cyc(_at(29, 8, month=10), [E("running", 600, 2), E("running", 120, 3)], aws_a100.id, 0, 200,
              (E("pending", 4, 0), E("initializing", 11, 2)))),
        (team, "reranker", gcp_l4, 0, 1, 30, "BAAI/bge-reranker-v2-m3",
         "sentence-ranking", _at(7, 15),
         _cyc(_at(7, 15), [E("initializing", 6, 1), E("running", 50, 1), E("scaledToZero", 120, 0)], gcp_l4.id, 0, 2)),
        (team, "broken-deploy", aws_a10g, 1, 1, None, "ada-labs/qwen-finetune-v2",
         "text-generation", _at(17, 10),
         fixed(_at(17, 10), [E("pending", 2, 0), E("initializing", 25, 1), E("failed", 0, 0)], aws_a10g.id)),
        (ent, "summarizer", gcp_a100, 1, 1, None, "facebook/bart-large-cnn",
         "summarization", nw,
         fixed(nw, [E("initializing", 10, 1), E("running", _mins(nw, START) - 25, 1), E("updating", 25, 0),
                    E("updateFailed", 0, 0)], gcp_a100.id)),
        (ent, "classifier", aws_spr, 1, 1, None,
         "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "text-classification", cls,
         fixed(cls, [E("pending", 9, 0), E("initializing", 6, 1), E("running", 0, 1)], aws_spr.id)),
    ]


def _jobs(user: str, team: str) -> list[tuple[str, str, datetime, list[Step]]]:
    """(namespace, flavor, created, steps) of the demo Jobs."""
    sch, run = "SCHEDULING", "RUNNING"
    return [
        (user, "cpu-upgrade", _at(28, 10, month=10), [S(sch, 1), S(run, 30), S("COMPLETED", 0)]),
        (user, "cpu-basic", _at(10, 8), [S(sch, 1), S(run, 12), S("COMPLETED", 0)]),
        (user, "a10g-small", _at(15, 20), [S(sch, 2), S(run, 45), S("COMPLETED", 0)]),
        (user, "t4-small", _at(17, 11, 30), [S(sch, 1), S(run, 3), S("ERROR", 0)]),
        (user, "l4x1", START - timedelta(minutes=37), [S(sch, 2), S(run, 85), S("COMPLETED", 0)]),
        (team, "a100-large", START - timedelta(minutes=2), [S(sch, 8), S(run, 90), S("COMPLETED", 0)]),
        (team, "h200", _at(12, 14), [S(sch, 3), S(run, 20), S("CANCELED", 0)]),
    ]


JOB_TIMEOUTS = {2: 45 * 60}  # the a10g-small job ran its whole 45-minute timeout (by index in `_jobs`)
JOB_PORTS = {2: ((7860,), ()), 6: ((8888, 6006), (6006,))}
"""(exposed ports, public ones) by index in `_jobs`: a Gradio app, and Jupyter with a public TensorBoard (each job
bills $0.01 an hour more for them)."""


def _job_timeout(n: int, steps: list[Step]) -> int | None:
    """The timeout Job `n` sets: its own in JOB_TIMEOUTS; else none (HF's 30 min default) when it runs no longer
    than that, or whole hours covering its run (HF stops a Job at its timeout, so a longer run must have set one)."""
    if n in JOB_TIMEOUTS:
        return JOB_TIMEOUTS[n]
    running = sum(s.minutes for s in steps if s.state == "RUNNING")
    return None if running <= 30 else -(-running // 60) * 3600


def _repos(user: str, team: str, ent: str) -> list[tuple[str, str, bool, float]]:
    """(id, kind, private, GB) of the demo model and dataset repos."""
    return [
        (f"{user}/llama-3-8b-sft", "model", True, 16.1), (f"{user}/tiny-classifier", "model", False, 0.27),
        (f"{user}/whisper-small-fr", "model", False, 0.97), (f"{user}/lora-adapters", "model", True, 0.34),
        (f"{user}/support-tickets", "dataset", True, 2.3), (f"{user}/eval-prompts", "dataset", False, 0.012),
        (f"{team}/rag-embedder", "model", True, 1.3), (f"{team}/qwen-finetune-v2", "model", True, 145.0),
        (f"{team}/vision-ckpt", "model", False, 5.6), (f"{team}/docs-corpus", "dataset", True, 48.0),
        (f"{ent}/classifier-v3", "model", True, 0.5), (f"{ent}/transactions", "dataset", True, 512.0),
    ]


_FLAVOR_POOL = ("cpu-basic", "cpu-upgrade", "t4-small", "l4x1", "a10g-small", "zero-a10g")
_USER_MIX = (("meta-llama/Llama-3.3-70B-Instruct", "groq", 4), ("Qwen/Qwen3-235B-A22B-Instruct-2507", "novita", 3),
             ("deepseek-ai/DeepSeek-V3.1", "fireworks-ai", 3), ("openai/gpt-oss-120b", "cerebras", 3),
             ("google/gemma-3-27b-it", "featherless-ai", 1), ("meta-llama/Llama-3.3-70B-Instruct", "together", 2))
_TEAM_MIX = (("meta-llama/Llama-3.3-70B-Instruct", "together", 3), ("Qwen/Qwen3-235B-A22B-Instruct-2507",
                                                                    "together", 2),
             ("openai/gpt-oss-120b", "groq", 2))


def demo_scenario(seed: int = 0, *, spaces: int = 13, endpoints: int = 8, jobs: int = 7, repos: int = 12,
                  orgs: int = 2, requests_per_minute: float = 0.7, plan: str = "pro", page_size: int = 5,
                  latency_ms: float = 0.0, jitter_ms: float = 0.0, faults: Faults | None = None,
                  discrepancies: bool = True, settle_delay_s: int = 120,
                  rate_limit_quota: int | None = None, spending_limit_usd: float = 0.0) -> Scenario:
    """The demo account: at 2026-11-18T15:00Z most of the PRO user's $2.00 is used and spend continues.

    `spending_limit_usd` sets the user's Inference Providers spending limit (0 = none; reaching it gives 402).
    Scale knobs cut the hand-made lists or extend them with seeded generated resources; `orgs` is 1
    (ada-labs, Enterprise unless `plan` is team), 2 (+ Enterprise without billing access) or more (+ Team orgs
    where the user has the write role).
    """
    rng = random.Random(f"{seed}/demo")
    user = User("ada", entity_id(seed, "user"), "Ada Demo", "ada@example.com",
                "free" if plan == "free" else "pro", int(spending_limit_usd * 1_000_000_000))
    org_list = [Org("ada-labs", entity_id(seed, "ada-labs"), "Ada Labs", "team" if plan == "team"
                    else "enterprise", "admin", 5, True, usage_v2_period=False)]
    if orgs >= 2:
        org_list.append(Org("northwind", entity_id(seed, "northwind"), "Northwind Traders", "enterprise",
                            "write", 40, False))
    for i in range(2, orgs):
        org_list.append(Org(f"guild-{i}", entity_id(seed, f"guild-{i}"), f"Guild {i}", "team", "write", 3, False))
    names = [o.name for o in org_list]
    team = names[0]
    ent = names[1] if len(names) > 1 else team
    odd = discrepancies

    def storage(gb: float) -> int:
        return int(gb * GB * (1 + rng.uniform(-0.05, 0.05)))

    space_rows = _spaces(user.name, team, ent, odd)[:spaces]
    for i in range(len(space_rows), spaces):
        ns = (user.name, *names)[i % (1 + len(names))]
        hw = rng.choice(_FLAVOR_POOL)
        run, sleep = rng.randint(20, 600), rng.randint(30, 900)
        tl_ = _cyc(_at(1, 0, month=10), [S(R, run), S("SLEEPING", sleep)], hw, rng.randint(0, 1), rng.randint(0, 19))
        space_rows.append((f"{ns}/space-{i:04d}", "gradio", hw, sleep * 60, tl_))
    space_defs = tuple(SpaceDef(sid, entity_id(seed, sid), sdk, hw, sleep, n % 3 == 1, tl_[0].start,
                                storage(0.05 + (n * 7 % 11) * 0.4), n * 3 % 17, tl_,
                                granted=sid.split("/")[1] in GRANTED, protected=sid.split("/")[1] in PROTECTED,
                                zero_gpu_overage=ZERO_GPU_OVERAGE.get(sid.split("/")[1], ()))
                       for n, (sid, sdk, hw, sleep, tl_) in enumerate(space_rows))

    ep_rows = _endpoints(user.name, team, ent)[:endpoints]
    for i in range(len(ep_rows), endpoints):
        c = rng.choice(ENDPOINT_COMPUTES)
        ns = (user.name, *names)[i % (1 + len(names))]
        tl_ = _cyc(_at(1, 0, month=10), [Step("running", rng.randint(30, 300), 1),
                                          Step("scaledToZero", rng.randint(30, 300), 0)], c.id, 0, rng.randint(0, 29))
        ep_rows.append((ns, f"endpoint-{i:04d}", c, 0, 1, 15, "openai-community/gpt2", "text-generation",
                        tl_[0].start, tl_))
    ep_defs = tuple(EndpointDef(name, ns, entity_id(seed, f"{ns}/{name}"), c, lo, hi, stz, repo, task, "pytorch",
                                hashlib.sha1(repo.encode()).hexdigest(), "protected" if False else "authenticated",
                                created, tl_)
                    for ns, name, c, lo, hi, stz, repo, task, created, tl_ in ep_rows)

    job_rows = _jobs(user.name, team)[:jobs]
    for i in range(len(job_rows), jobs):
        job_rows.append((user.name if i % 2 else team, rng.choice(_FLAVOR_POOL[:5]),
                         PERIOD_START + timedelta(minutes=rng.randint(0, 25000)),
                         [S("SCHEDULING", rng.randint(1, 5)), S("RUNNING", rng.randint(1, 240)), S("COMPLETED", 0)]))
    job_defs = tuple(JobDef(entity_id(seed, f"job/{n}"), ns, fl, "python:3.12" if n % 2 else
                            "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime", ("python", "train.py"), created,
                            fixed(created, steps, fl), _job_timeout(n, steps), *JOB_PORTS.get(n, ((), ())))
                     for n, (ns, fl, created, steps) in enumerate(job_rows))

    repo_rows = _repos(user.name, team, ent)[:repos]
    for i in range(len(repo_rows), repos):
        ns = (user.name, *names)[i % (1 + len(names))]
        repo_rows.append((f"{ns}/{'model' if i % 3 else 'dataset'}-{i:04d}", "model" if i % 3 else "dataset",
                          i % 2 == 0, rng.uniform(0.01, 20)))
    repo_defs = tuple(RepoDef(rid, entity_id(seed, rid), kind, priv, storage(gb),
                              _at(1 + n % 27, 9, month=10 if n % 2 else 9), _at(1 + n % 17, 12),
                              rng.randint(0, 5000), rng.randint(0, 40))
                      for n, (rid, kind, priv, gb) in enumerate(repo_rows))

    scale = Fraction(1, 20) if plan == "free" else Fraction(1)
    rpm = Fraction(requests_per_minute).limit_denominator(1000)
    traffic = (
        TrafficPhase(PERIOD_START, START - timedelta(hours=1), user.name, Fraction(7, 100) * scale, _USER_MIX,
                     (200, 2400), (50, 900)),
        TrafficPhase(START - timedelta(hours=1), HORIZON, user.name, rpm * scale, _USER_MIX, (200, 2400),
                     (50, 900)),
        TrafficPhase(PERIOD_START, HORIZON, team, Fraction(1, 5), _TEAM_MIX, (300, 3000), (100, 1200)),
    )
    found = [
        Discrepancy("unit_price", f"{user.name}/whisper-api", 7000),
        Discrepancy("minutes", f"{team}/qwen-prod", 37),
        Discrepancy("uncataloged", f"{team}/video-gen", 75000),
    ] if discrepancies else []
    known = {s.id for s in space_defs} | {e.id for e in ep_defs}
    scheduled = (
        ScheduledJobDef(entity_id(seed, "scheduled/nightly-eval"), user.name, "nightly-eval", "cpu-upgrade",
                        "python:3.12", 0, 3, None, 1800, False, _at(2, 9)),
        ScheduledJobDef(entity_id(seed, "scheduled/weekly-train"), team, "weekly-train", "a100-large",
                        "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime", 0, 22, 5, 4 * 3600, False, _at(3, 10)),
        ScheduledJobDef(entity_id(seed, "scheduled/old-sweep"), team, "old-sweep", "a10g-small", "python:3.12",
                        30, 12, None, None, True, _at(2, 12, month=10)),
    )
    scn = Scenario(seed=seed, start=START, user=user, orgs=tuple(org_list), spaces=space_defs, endpoints=ep_defs,
                    jobs=job_defs, repos=repo_defs, traffic=traffic,
                    discrepancies=tuple(d for d in found if d.resource in known), page_size=page_size,
                    latency_ms=latency_ms, jitter_ms=jitter_ms, settle_delay_s=settle_delay_s,
                    rate_limit_quota=rate_limit_quota, faults=faults or Faults(),
                    scheduled_jobs=tuple(j for j in scheduled if j.namespace in (user.name, team)))
    return _with_groups(scn, seed, team)  # Team or Enterprise: both may have groups (groups.PLANS_WITH_GROUPS)


def _with_groups(scn: Scenario, seed: int, team: str) -> Scenario:
    """The first org's resource groups (Team or Enterprise): `research` just under its total spend limit at the start
    (93%), `production` with room under its total, Endpoints and Inference Providers limits; the rest in no group."""
    team_jobs = {j.id for j in scn.jobs if j.namespace == team}
    plan = {"research": ("near", frozenset({f"{team}/video-gen", f"{team}/qwen-finetune-v2", *team_jobs})),
            "production": ("roomy", frozenset({f"{team}/qwen-prod", f"{team}/reranker", f"{team}/rag-service",
                                               f"{team}/rag-embedder"}))}
    ids = {name: entity_id(seed, f"resource-group/{name}") for name in plan}
    return replace(scn, resource_groups=demo_groups(scn, team, ids, plan))

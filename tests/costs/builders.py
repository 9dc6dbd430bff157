"""Small builders of hand-made Snapshots for the cost tests (no fake hub, no HTTP)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hfmon.errors import Failure
from hfmon.models import (
    Account,
    BillingUsage,
    Endpoint,
    EndpointCompute,
    HardwareFlavor,
    InferenceUsage,
    Job,
    JobCharge,
    NamespaceData,
    Org,
    PeriodStatement,
    ProviderSpend,
    RepoStorage,
    RouterPrice,
    SessionCost,
    Snapshot,
    SourceResult,
    SourceStatus,
    Space,
    StorageListing,
    UsageLine,
    ZeroGpuQuota,
)

D = Decimal
PERIOD_START = datetime(2026, 11, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 12, 1, tzinfo=UTC)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    """A UTC moment in November 2026 (the test period)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def ok(name: str, value: Any, fetched_at: datetime | None = None) -> SourceResult[Any]:
    """A fresh source."""
    return SourceResult(name, SourceStatus.OK, value, fetched_at or at(20))


def missing(name: str, status: SourceStatus = SourceStatus.ERROR,
            failure: Failure = Failure.UNREACHABLE) -> SourceResult[Any]:
    """A source with no value: no access (403), or an error (unreachable unless `failure` says otherwise)."""
    denied = status is SourceStatus.NO_ACCESS
    return SourceResult(name, status, None, None, "HTTP 403" if denied else "boom",
                        http_status=403 if denied else None, failure=Failure.NO_ACCESS if denied else failure)


def account(name: str = "alice", orgs: tuple[str, ...] = ("acme",), pro: bool = True) -> Account:
    """A PRO user in some orgs."""
    return Account(name=name, type="user", full_name=None, is_pro=pro, can_pay=True,
                   billing_mode="prepaid", orgs=tuple(Org(o, "admin", "team") for o in orgs),
                   token_role="read")


def inference(used: str = "0", included: str = "2", limit: str | None = None, requests: int = 0) -> InferenceUsage:
    """usage-v2's inference block for the test period."""
    return InferenceUsage(D(used), D(included), None if limit is None else D(limit), requests,
                          PERIOD_START, PERIOD_END)


def billing(ns: str, used: str = "0", included: str = "2", limit: str | None = None,
            providers: tuple[tuple[str, int, str], ...] = (), **kw: Any) -> BillingUsage:
    """One namespace's billing usage."""
    return BillingUsage(ns, inference(used, included, limit, sum(p[1] for p in providers)), None,
                        tuple(ProviderSpend(p, n, D(c)) for p, n, c in providers), **kw)


def line(product: str, label: str, minutes: str, total: str, unit: str = "0",
         started: datetime | None = None, stopped: datetime | None = None, active: bool = False) -> UsageLine:
    """A statement line."""
    return UsageLine(product, label, None, D(minutes), D(unit), D(total), started, stopped, active)


def statement(ns: str, *lines: UsageLine) -> PeriodStatement:
    """The test period's statement."""
    return PeriodStatement(ns, "p1", PERIOD_START, PERIOD_END, tuple(lines))


def paid(ns: str, *spaces: Space, minutes: str = "0", total: str = "0") -> PeriodStatement:
    """The test period's statement with a line, not granted, for each Space on the hardware it runs on (so its
    hardware is known to be paid: without a line, whether it is granted is unknown)."""
    return statement(ns, *(line(f"spaces/{s.hardware}/minutes", s.id, minutes, total) for s in spaces if s.hardware))


def space(sid: str, stage: str = "RUNNING", hardware: str | None = "t4-small", sleep: int | None = 3600,
          replicas: int | None = 1) -> Space:
    """A Space."""
    return Space(sid, sid.split("/")[0], stage, hardware, hardware, sleep, replicas, replicas, True, 0)


def endpoint(ns: str, name: str, state: str = "running", itype: str = "nvidia-l4", size: str = "x1",
             vendor: str = "aws", region: str = "us-east-1", ready: int = 1, min_replica: int = 0,
             max_replica: int = 2) -> Endpoint:
    """An Endpoint."""
    return Endpoint(ns, name, state, vendor, region, "gpu", itype, size, min_replica, max_replica, 15, ready,
                    ready, "gpt2", at(1), at(1))


def job(jid: str, ns: str = "alice", stage: str = "RUNNING", flavor: str = "cpu-basic",
        started: datetime | None = None, finished: datetime | None = None) -> Job:
    """A Job."""
    return Job(jid, ns, stage, flavor, started, started, finished, None)


def flavor(name: str, per_minute: str, gpu: bool = False) -> HardwareFlavor:
    """A live hardware flavor priced per minute."""
    return HardwareFlavor(name, name, D(per_minute), "minute", "gpu" if gpu else None)


def compute(itype: str, size: str, per_hour: str, vendor: str = "aws", region: str = "us-east-1") -> EndpointCompute:
    """A live Endpoints catalog entry."""
    return EndpointCompute(vendor, region, itype, size, "gpu", D(per_hour), "available")


def namespace(name: str, kind: str = "user", **values: Any) -> NamespaceData:
    """A namespace; each keyword (billing=, statement=, spaces=, ...) is a value or a SourceResult."""
    fields = ["billing", "statement", "job_charges", "sessions", "endpoints", "endpoint_catalog", "spaces",
              "jobs", "storage"]
    made: dict[str, SourceResult[Any]] = {}
    for f in fields:
        v = values.get(f)
        if isinstance(v, SourceResult):
            made[f] = v
        elif v is None:
            made[f] = missing(f"{f}:{name}") if f in ("billing", "statement") else ok(f"{f}:{name}", ())
        else:
            made[f] = ok(f"{f}:{name}", StorageListing(tuple(v)) if f == "storage" else v)
    if isinstance(made["storage"].value, tuple):  # a listing given as its repos: a whole answer
        made["storage"] = replace(made["storage"], value=StorageListing(made["storage"].value))
    return NamespaceData(name, kind, **made)


def snapshot(*namespaces: NamespaceData, acct: Account | None = None, spaces_hw: tuple[HardwareFlavor, ...] = (),
             jobs_hw: tuple[HardwareFlavor, ...] = (), router: tuple[RouterPrice, ...] = (),
             taken_at: datetime | None = None, zero_gpu: ZeroGpuQuota | None = None) -> Snapshot:
    """A Snapshot of the given namespaces."""
    return Snapshot(
        taken_at=taken_at or at(20),
        account=ok("account", acct or account()),
        namespaces=namespaces,
        spaces_hardware=ok("spaces_hardware", spaces_hw),
        jobs_hardware=ok("jobs_hardware", jobs_hw),
        router_prices=ok("router_prices", router),
        zero_gpu=ok("zero_gpu", zero_gpu) if zero_gpu else missing("zero_gpu"),
    )


__all__ = ["D", "JobCharge", "PERIOD_END", "PERIOD_START", "RepoStorage", "SessionCost", "account", "at",
           "billing", "compute", "endpoint", "flavor", "inference", "job", "line", "missing", "namespace", "ok",
           "replace", "snapshot", "space", "statement"]

"""Small builders of hfmon.models values for the history store tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hfmon.models import (
    Account,
    BillingUsage,
    Endpoint,
    HardwareFlavor,
    InferenceUsage,
    Job,
    JobsSpend,
    NamespaceData,
    Snapshot,
    SourceResult,
    SourceStatus,
    Space,
)
from hfmon.report import Report, ResourceCost

T0 = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)
PERIOD_START = datetime(2026, 11, 1, tzinfo=UTC)
T4 = HardwareFlavor("t4-small", "T4", Decimal("0.01"), "minute", "gpu")


def minutes(n: float) -> datetime:
    """T0 plus n minutes."""
    return T0 + timedelta(minutes=n)


def source(name: str, value: Any, status: SourceStatus = SourceStatus.OK) -> SourceResult[Any]:
    """A source result holding `value` (None means the source failed)."""
    if value is None:
        return SourceResult(name, SourceStatus.ERROR, error="boom")
    return SourceResult(name, status, value, fetched_at=T0)


def billing(namespace: str, used: str, jobs: str | None = None,
            period_start: datetime = PERIOD_START) -> BillingUsage:
    """A namespace's usage-v2 totals."""
    return BillingUsage(
        namespace=namespace,
        inference=InferenceUsage(Decimal(used), Decimal("2"), None, 7, period_start,
                                 period_start + timedelta(days=30)),
        jobs=None if jobs is None else JobsSpend(Decimal(jobs), Decimal("12.5")),
    )


def endpoint(namespace: str, name: str, state: str = "running", ready: int = 1, target: int = 1,
             vendor: str | None = "aws", instance_type: str | None = "nvidia-a10g",
             size: str | None = "x1", url: str | None = None) -> Endpoint:
    """An Inference Endpoint."""
    return Endpoint(namespace, name, state, vendor, "us-east-1", "gpu", instance_type, size, 0, 2, 15,
                    ready, target, "org/model", T0, T0, url)


def space(space_id: str, stage: str = "RUNNING", hardware: str | None = "t4-small",
          requested: str | None = None, current: int | None = None, wanted: int | None = 1) -> Space:
    """A Space with its runtime."""
    return Space(space_id, space_id.split("/")[0], stage, hardware, requested, None, wanted, current,
                 False, None)


def job(job_id: str, stage: str = "RUNNING", flavor: str | None = "cpu-basic", *, started: datetime | None = T0,
        finished: datetime | None = None) -> Job:
    """A Job (created at T0); it ran 60 s unless it says when it finished."""
    ran = 60 if finished is None or started is None else int((finished - started).total_seconds())
    return Job(job_id, "alice", stage, flavor, T0, started, finished, ran)


def namespace(name: str, *, usage: BillingUsage | None = None, endpoints: Any = None, spaces: Any = None,
              jobs: Any = None, stale: tuple[str, ...] = ()) -> NamespaceData:
    """A namespace's poll; sources named in `stale` are marked stale (their values are old)."""
    def src(kind: str, value: Any) -> SourceResult[Any]:
        status = SourceStatus.STALE if kind in stale else SourceStatus.OK
        return source(f"{kind}:{name}", value, status)

    return NamespaceData(
        namespace=name, kind="user",
        billing=src("billing", usage), statement=src("statement", None), job_charges=src("job_charges", None),
        sessions=src("sessions", None),
        endpoints=src("endpoints", None if endpoints is None else tuple(endpoints)),
        endpoint_catalog=src("endpoint_catalog", None),
        spaces=src("spaces", None if spaces is None else tuple(spaces)),
        jobs=src("jobs", None if jobs is None else tuple(jobs)),
        storage=src("storage", None),
    )


def snapshot(at: datetime, *namespaces: NamespaceData, account_name: str = "alice") -> Snapshot:
    """A Snapshot taken at `at`."""
    account = Account(account_name, "user", None, True, True, "prepaid", (), "read")
    return Snapshot(
        taken_at=at,
        account=source("account", account),
        namespaces=namespaces,
        spaces_hardware=source("spaces_hardware", (T4,)),
        jobs_hardware=source("jobs_hardware", None),
        router_prices=source("router_prices", None),
        zero_gpu=source("zero_gpu", None),
    )


def busy_snapshot(at: datetime, name: str, i: int, resources: int) -> Snapshot:
    """Snapshot number `i` of namespace `name`: usage total i and every endpoint at i replicas (all change)."""
    endpoints = [endpoint(name, f"ep{n}", ready=i, target=i) for n in range(resources)]
    return snapshot(at, namespace(name, usage=billing(name, f"{i}.000000001"), endpoints=endpoints))


def without_series(report: Report) -> Report:
    """The Report without what a `Figures` load leaves out: the credits' series of points (it holds the recent
    points only) and the hourly figures (`hfmon once` shows none)."""
    def hourly(cost: ResourceCost) -> ResourceCost:
        return replace(cost, hourly_usd=())

    return replace(report, credits=tuple(replace(c, series=()) for c in report.credits),
                   endpoints=tuple(replace(r, cost=hourly(r.cost)) for r in report.endpoints),
                   spaces=tuple(replace(r, cost=hourly(r.cost)) for r in report.spaces),
                   jobs=tuple(replace(r, cost=hourly(r.cost)) for r in report.jobs))

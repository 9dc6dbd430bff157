"""Scheduled Jobs: spend still to come. One attempt costs at most its price (its flavor's, and exposed ports') for its
timeout; one run makes up to `attempts` of them (`jobSpec.retry`), the rule a running Job's cost ahead follows too
(`billing_rules.job_run_time`). Pure."""

from __future__ import annotations

from collections.abc import Sequence

from hfmon.costs.billing_rules import job_price, job_run_time, job_timeout, seconds
from hfmon.costs.totals import read_rows
from hfmon.models import NamespaceData
from hfmon.pricing.catalog import Catalog
from hfmon.report import ScheduledJobRow


def scheduled_rows(namespaces: Sequence[NamespaceData], catalog: Catalog,
                   unknown: Sequence[str]) -> tuple[tuple[ScheduledJobRow, ...] | None, tuple[str, ...]]:
    """Every readable scheduled Job with its price per hour and the most one run (every attempt) can cost, next run
    first; and the
    listings not read (None instead of rows when none was: see `read_rows`)."""
    out = []
    for ns in namespaces:
        source = ns.scheduled_jobs
        for job in source.value or () if source is not None else ():
            price = job_price(catalog.job(job.flavor), bool(job.exposed_ports)) if job.flavor else None
            run = job_run_time(job.timeout_s, job.attempts)
            attempt = None if price is None else price.usd_per_hour * seconds(job_timeout(job.timeout_s)) / 3600
            most = None if price is None or run is None else price.usd_per_hour * seconds(run) / 3600
            out.append(ScheduledJobRow(job, price, most, attempt))
    out.sort(key=lambda r: (r.job.suspended, r.job.next_run_at is None, r.job.next_run_at or 0, r.job.id))
    return read_rows(tuple(out), [ns.scheduled_jobs for ns in namespaces], unknown)

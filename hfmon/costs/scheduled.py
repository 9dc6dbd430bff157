"""Scheduled Jobs: spend still to come. One attempt costs at most its price (its flavor's, and exposed ports') for its
timeout; one run makes up to `attempts` of them (`jobSpec.retry`: a failed attempt is tried again). Whether HF's
timeout is per attempt or for all of them is not documented: per attempt is the bound that holds either way. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hfmon.costs.billing_rules import DEFAULT_JOB_TIMEOUT_S, job_price
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
            timeout = job.timeout_s if job.timeout_s is not None else DEFAULT_JOB_TIMEOUT_S
            attempt = None if price is None else price.usd_per_hour * Decimal(timeout) / 3600
            most = None if attempt is None or job.attempts is None else attempt * job.attempts
            out.append(ScheduledJobRow(job, price, most, attempt))
    out.sort(key=lambda r: (r.job.suspended, r.job.next_run_at is None, r.job.next_run_at or 0, r.job.id))
    return read_rows(tuple(out), [ns.scheduled_jobs for ns in namespaces], unknown)

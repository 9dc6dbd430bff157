"""Findings on Jobs: a run that went to its timeout, and a run far longer than the others of its command. Pure.

Both are about one past run, not a monthly bill (`Finding.recurring` False): `one_off_usd` is what the run cost
beyond what it needed (all of it for a run stopped by its timeout, whose work is presumably lost; for a long run,
the part past twice the median of its command's other runs, which a timeout there would have saved).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from statistics import median

from hfmon.advice.model import Confidence, Finding, HowToApply, priced_by
from hfmon.format import duration, money, shell_command
from hfmon.report import JobRow

TIMEOUT_SLACK_S = 60  # a run within a minute of its timeout ran into it
LONG_FACTOR = 2  # "far longer": more than twice the median of the same command's other runs
MIN_OTHERS = 2  # runs of the same command it takes to say what is usual
HUB_API = "https://huggingface.co/api"


def _ran_s(row: JobRow) -> int | None:
    job = row.job
    if job.running_s is not None:
        return job.running_s
    if job.started_at is not None and job.finished_at is not None:
        return int((job.finished_at - job.started_at).total_seconds())
    return None


def _per_hour(row: JobRow) -> Decimal | None:
    return None if row.cost.price is None else row.cost.price.usd_per_hour


def _rerun(row: JobRow, timeout_s: int) -> HowToApply:
    job = row.job
    argv = job.command or ("COMMAND",)
    image = job.docker_image or "IMAGE"
    minutes = -(-timeout_s // 60)
    flavor = job.flavor or "FLAVOR"
    return HowToApply(
        shell_command("hf", "jobs", "run", "--namespace", job.namespace, "--flavor", flavor, "--timeout",
                      f"{minutes}m", image, *argv),
        "a Job's timeout is set when it starts (the Jobs page of the namespace lists its runs)",
        f"POST {HUB_API}/jobs/{job.namespace} {{\"dockerImage\": \"{image}\", \"command\": [...], "
        f"\"flavor\": \"{job.flavor}\", \"timeout\": {minutes * 60}}}")


def job_findings(rows: Sequence[JobRow]) -> list[Finding]:
    """A finding for each finished run that hit its timeout or ran far longer than its command usually does."""
    out: list[Finding] = []
    ran = {row.job.id: _ran_s(row) for row in rows}
    finished = [r for r in rows if r.job.finished_at is not None and ran[r.job.id] is not None]
    for row in finished:
        job, seconds = row.job, ran[row.job.id] or 0
        per_hour = _per_hour(row)
        if job.timeout_s and seconds >= job.timeout_s - TIMEOUT_SLACK_S:
            cost = None if per_hour is None else per_hour * seconds / 3600
            out.append(Finding(
                "job_hit_timeout", job.namespace, f"job {job.id}",
                "find out why it ran into its timeout before running it again (its logs), or give it the time it "
                "needs", None,
                f"it ran {duration(seconds)} of a {duration(job.timeout_s)} timeout and was stopped: its "
                f"{money(cost, missing='unpriced')} run is presumably lost" if cost is not None else
                "saving unknown: its flavor has no price in any catalog layer",
                Confidence.MEASURED, (f"{job.flavor} job, {job.stage}, ran {duration(seconds)}; timeout "
                                      f"{duration(job.timeout_s)}",),
                HowToApply(shell_command("hf", "jobs", "logs", job.id, "--namespace", job.namespace),
                           "the Jobs page of the namespace: the run's logs",
                           f"GET {HUB_API}/jobs/{job.namespace}/{job.id}/logs"),
                recurring=False, one_off_usd=None if cost is None else cost.quantize(Decimal("0.000001")),
                **priced_by(row.cost.price)))
            continue
        same = [ran[o.job.id] or 0 for o in finished if o is not row and o.job.namespace == job.namespace
                and o.job.command == job.command and o.job.docker_image == job.docker_image and job.command]
        if len(same) < MIN_OTHERS:
            continue
        usual = Decimal(str(median(same)))
        cap = usual * LONG_FACTOR
        if seconds <= cap:
            continue
        extra = None if per_hour is None else (per_hour * (seconds - cap) / 3600).quantize(Decimal("0.000001"))
        out.append(Finding(
            "job_ran_long", job.namespace, f"job {job.id}",
            f"give runs of `{shell_command(*job.command)}` a timeout of {duration(int(cap))} (twice its usual run)",
            None,
            f"it ran {duration(seconds)}; {len(same)} other runs of its command took {duration(int(usual))} "
            "(median): a timeout at twice that would have stopped it " + (
                f"{money(extra)} earlier" if extra is not None else "sooner (saving unknown: its flavor is unpriced)"),
            Confidence.MEASURED, (f"{job.flavor} job ran {duration(seconds)}", f"median of {len(same)} other runs of "
                                  f"{shell_command(job.docker_image or 'IMAGE', *job.command)}: "
                                  f"{duration(int(usual))}"),
            _rerun(row, int(cap)), recurring=False, one_off_usd=extra, **priced_by(row.cost.price)))
    return out

"""Why a figure is partial or unchecked, in a user's words: the missing parts of a total, what the cross-check could
not compare, what the statement has not billed yet. Pure; `hfmon.format` re-exports it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hfmon.figures import (
    BETWEEN_POLLS,
    INFERENCE_PERIOD,
    JOBS_CUT,
    JOBS_PERIOD,
    SETTLED,
    STATEMENT_BEHIND,
    STORAGE_UNSIZED,
    UNLISTED_JOBS,
    UNPLACED_JOBS,
    UNSEEN_PERIOD_TAIL,
    WINDOW_REFUSED,
    ZERO_GPU,
)
from hfmon.report import Total

SOURCE_WORDS = {"billing": "usage", "live": "live usage", "job_charges": "job charges",
                "scheduled_jobs": "scheduled jobs", "resource_groups": "group list",
                "resource_group_usage": "group usage", "request_count": "request count",
                "ended_jobs": "list of ended Jobs", "billing_day_ago": "usage a day ago",
                "usage_windows": "usage per window",
                "storage_cut": "repos past HF's one answer"}
"""How a per-namespace source is named to a user where its key would puzzle."""


# Missing parts counted (`3 unpriced`) and missing parts named by namespace (`… (ada, bob)`), each with its words, in
# the order they are said after the unread sources
_COUNTED = {"unpriced": "{} unpriced", "unknown": "{} in an unknown state",
            "grant": "{} maybe granted (no statement line for it)",
            "billed_at_zero": "{} billed now at a price hfmon has as $0/h", "unlisted": "{} billed now, not listed",
            BETWEEN_POLLS: "{} started or stopped between two polls (when: unknown)",
            ZERO_GPU: "{} on ZeroGPU (GPU time over the quota is billed, when: unknown)"}
_SCOPED = {
    SETTLED: "inference: usage settled lower in it, counted as its rises ({})",  # the window's rises, at least
    UNPLACED_JOBS: "jobs: a Job no listing places in a namespace ({})",
    INFERENCE_PERIOD: "inference, counted over another period: see Credits ({})",  # usage-v2's own period
    WINDOW_REFUSED: "inference: HF refused usage-v2's ask for this window ({})",  # `UsageIn.refused`
    UNLISTED_JOBS: "jobs: a Job may have run between polls; whole listing hourly ({})",  # `SpendIn.part`
    JOBS_CUT: "ended Jobs past what hfmon reads of a long listing ({})",  # `NamespaceData.jobs_cut`
    STORAGE_UNSIZED: "a repo whose size HF sent with a fraction of a byte ({})",  # `RepoStorage.bytes`
    UNSEEN_PERIOD_TAIL: "inference: the last period's spend after hfmon's last poll of it ({})",
    JOBS_PERIOD: "jobs: a job charge spans two billing periods, this one's share unknown ({})",
    STATEMENT_BEHIND: "what the statement has not billed yet ({})",  # `Spend.behind`
}


def missing_note(total: Total[Decimal] | Total[int], namespaces: int) -> str:
    """Why a total is partial, in a few words: `statement unread (acme) · usage unread (ada, bob) · 1 unpriced`,
    the namespaces past three counted (`… (a, b, c and 4 more)`); "" if complete."""
    scopes: dict[str, list[str]] = {}
    counted = dict.fromkeys(_COUNTED, 0)
    scoped: dict[str, list[str]] = {kind: [] for kind in _SCOPED}
    words: list[str] = []
    for name in dict.fromkeys(total.missing):
        kind, _, scope = name.partition(":")
        if kind in counted:
            counted[kind] += 1
        elif kind in scoped:
            scoped[kind].append(scope)
        elif scope:
            scopes.setdefault(scope, []).append(SOURCE_WORDS.get(kind, kind))
        else:
            words.append(f"{name} unknown")
    groups: dict[str, list[str]] = {}  # what was unread -> whose
    for scope, kinds in scopes.items():
        groups.setdefault(", ".join(dict.fromkeys(kinds)), []).append(scope)
    for unread, whose in groups.items():
        more = f" and {len(whose) - 3} more" if len(whose) > 3 else ""
        every = " in every namespace" if len(whose) == namespaces > 1 else ""
        words.append(f"{unread} unread{every} ({', '.join(whose[:3])}{more})")
    words += [_COUNTED[kind].format(n) for kind, n in counted.items() if n]
    words += [_SCOPED[kind].format(", ".join(whose)) for kind, whose in scoped.items() if whose]
    return " · ".join(words)


def not_compared(sources: Sequence[str]) -> str:
    """What the cross-check could not compare, in a few words: `northwind (statement, usage unread)`,
    `every namespace (account unknown)`; "" when it compared everything."""
    unknown = [name for name in sources if ":" not in name]
    if unknown:
        return f"every namespace ({', '.join(unknown)} unknown)"
    kinds: dict[str, list[str]] = {}
    for name in sources:
        kind, _, scope = name.partition(":")
        kinds.setdefault(scope, []).append(SOURCE_WORDS.get(kind, kind))
    return "; ".join(f"{scope} ({', '.join(words)} unread)" for scope, words in kinds.items())

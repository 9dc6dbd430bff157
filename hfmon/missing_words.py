"""Why a figure is partial or unchecked, in a user's words: the missing parts of a total, what the cross-check could
not compare, what the statement has not billed yet. Pure; `hfmon.format` re-exports it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hfmon.figures import (
    BETWEEN_POLLS,
    SETTLED,
    STATEMENT_BEHIND,
    UNLISTED_JOBS,
    UNPLACED_JOBS,
    UNSEEN_PERIOD_TAIL,
)
from hfmon.report import Total

SOURCE_WORDS = {"billing": "usage", "live": "live usage", "job_charges": "job charges",
                "scheduled_jobs": "scheduled jobs", "resource_groups": "group list",
                "resource_group_usage": "group usage", "request_count": "request count",
                "ended_jobs": "list of ended Jobs", "billing_day_ago": "usage a day ago",
                "storage_cut": "repos past HF's one answer"}
"""How a per-namespace source is named to a user where its key would puzzle."""


def missing_note(total: Total[Decimal] | Total[int], namespaces: int) -> str:
    """Why a total is partial, in a few words: `statement unread (acme) · usage unread (ada, bob) · 1 unpriced`,
    the namespaces past three counted (`… (a, b, c and 4 more)`); "" if complete."""
    scopes: dict[str, list[str]] = {}
    unpriced = unknown = grant = unlisted = billed_at_zero = 0
    words: list[str] = []
    elsewhen: list[str] = []  # usage-v2 counts their inference over another period than the total's
    astride: list[str] = []  # a job charge ran across the period's bounds (usage/jobs' own period anchor)
    between: list[str] = []  # Jobs listed whole hourly: one that ran only since may be missing (`SpendIn.part`)
    tail: list[str] = []  # a period ended in the window after its last poll: its last spend is unseen
    behind: list[str] = []  # the statement is behind another HF figure of the period (`Spend.behind`)
    settled: list[str] = []  # usage-v2 settled lower in the window: its inference is the total's rises, at least
    unplaced: list[str] = []  # a billed Job in history that no listing places in a namespace
    changed = 0  # resources that began or stopped billing between two polls, at a time no source gives
    for name in dict.fromkeys(total.missing):
        kind, _, scope = name.partition(":")
        if kind == "unpriced":
            unpriced += 1
        elif kind == "unknown":
            unknown += 1
        elif kind == "grant":
            grant += 1
        elif kind == "billed_at_zero":
            billed_at_zero += 1
        elif kind == "unlisted":
            unlisted += 1
        elif kind == "inference_period":
            elsewhen.append(scope)
        elif kind == "jobs_period":
            astride.append(scope)
        elif kind == UNLISTED_JOBS:
            between.append(scope)
        elif kind == UNSEEN_PERIOD_TAIL:
            tail.append(scope)
        elif kind == STATEMENT_BEHIND:
            behind.append(scope)
        elif kind == SETTLED:
            settled.append(scope)
        elif kind == UNPLACED_JOBS:
            unplaced.append(scope)
        elif kind == BETWEEN_POLLS:
            changed += 1
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
    if unpriced:
        words.append(f"{unpriced} unpriced")
    if unknown:
        words.append(f"{unknown} in an unknown state")
    if grant:
        words.append(f"{grant} maybe granted (no statement line for it)")
    if billed_at_zero:
        words.append(f"{billed_at_zero} billed now at a price hfmon has as $0/h")
    if unlisted:
        words.append(f"{unlisted} billed now, not listed")
    if changed:
        words.append(f"{changed} started or stopped between two polls (when: unknown)")
    if settled:
        words.append(f"inference: usage settled lower in it, counted as its rises ({', '.join(settled)})")
    if unplaced:
        words.append(f"jobs: a Job no listing places in a namespace ({', '.join(unplaced)})")
    if elsewhen:
        words.append(f"inference, counted over another period: see Credits ({', '.join(elsewhen)})")
    if between:
        words.append(f"jobs: a Job may have run between polls; whole listing hourly ({', '.join(between)})")
    if tail:
        words.append(f"inference: the last period's spend after hfmon's last poll of it ({', '.join(tail)})")
    if astride:
        words.append(f"jobs: a job charge spans two billing periods, this one's share unknown ({', '.join(astride)})")
    if behind:
        words.append(f"what the statement has not billed yet ({', '.join(behind)})")
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

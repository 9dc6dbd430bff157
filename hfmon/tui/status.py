"""Pure text of the top and status bars, error descriptions, and the toasts a new Report warrants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Literal

from rich.text import Text

from hfmon import format as fmt
from hfmon.errors import FAILURE_WORDS, Failure, HfmonError
from hfmon.models import SourceStatus
from hfmon.report import Report

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Toast:
    """A notification to show."""

    title: str
    message: str
    severity: Severity = "warning"
    timeout: float = 8.0


def describe(error: BaseException) -> tuple[str, str, str | None]:
    """Title, message and hint of an error (a bug shows its type and says it is one)."""
    if isinstance(error, HfmonError):
        return error.title, error.message, error.hint
    return ("Unexpected error", f"{type(error).__name__}: {error}",
            "This is a bug in hfmon; polling continues. Please report it with the steps that led here.")


def source_changes(previous: Report | None, report: Report) -> list[Toast]:
    """Toasts for sources that turned bad (or recovered) since the previous Report.

    A source the token has no permission for is not a failure: those are told once, briefly, per namespace,
    so that a token without org billing does not greet the user with an error-sized toast over the tables.
    """
    before = {s.name: s.status for s in previous.sources} if previous else {}
    changed = [s for s in report.sources if s.status is not SourceStatus.OK and before.get(s.name) != s.status]
    denied = [s for s in changed if s.status is SourceStatus.NO_ACCESS]
    bad = [s for s in changed if s.status is not SourceStatus.NO_ACCESS]
    recovered = [s.name for s in report.sources if s.status is SourceStatus.OK
                 and before.get(s.name) not in (None, SourceStatus.OK)]
    toasts: list[Toast] = []
    if denied:
        where = ", ".join(dict.fromkeys(s.scope or s.name for s in denied))
        what = ", ".join(dict.fromkeys(s.kind for s in denied))
        toasts.append(Toast(f"No access: {where}", f"The token cannot read {what}: shown as unknown, never $0. "
                            "See Overview › Sources for what to do.", "information", 5.0))
    if len(bad) > 2:
        names = ", ".join(s.name for s in bad[:4]) + (" …" if len(bad) > 4 else "")
        toasts.append(Toast(f"{len(bad)} sources need attention", f"{names}\nSee Overview › Sources for what "
                            "to do.", "error" if any(s.status is SourceStatus.ERROR for s in bad) else "warning"))
    else:
        for s in bad:
            label = {SourceStatus.STALE: "showing the last good value", SourceStatus.ERROR: "failed"}.get(
                s.status, s.status.value)
            body = "\n".join(x for x in (s.error, s.hint) if x) or s.status.value
            toasts.append(Toast(f"{s.name}: {label}", body,
                                "error" if s.status is SourceStatus.ERROR else "warning"))
    if recovered:
        toasts.append(Toast("Back to normal", ", ".join(recovered), "information", 4.0))
    return toasts


def banner(report: Report | None) -> Text | None:
    """The banner under the top bar while sources fail: what happened, in words, until it is fixed (None: all
    answered, or only permissions are missing, which the Sources panel and the cards already say)."""
    if report is None:
        return None
    failed = [s for s in report.sources if s.failure is not None and s.status is not SourceStatus.NO_ACCESS]
    if not failed:
        return None
    text = Text("⚠ ", style="bold")
    account = report.source("account")
    if account is not None and account.failure is Failure.REJECTED_TOKEN:
        text.append("Token rejected", style="bold")
        text.append(": every figure is unknown. Check HF_TOKEN or run `hf auth login`, then press r.")
        return text
    if report.nothing_read:
        words = ", ".join(dict.fromkeys(FAILURE_WORDS[s.failure] for s in failed if s.failure))
        text.append(f"Nothing answered ({words})", style="bold")
        hint = failed[0].hint
        held = any(s.stale for s in report.sources)
        text.append(": every figure is " + ("its last good value (a STALE badge gives its age) or unknown."
                                           if held else "unknown."))
        text.append(f" {hint[0].upper()}{hint[1:]}." if hint else "")
        return text
    groups: dict[str, list[str]] = {}
    for s in failed:
        if s.failure is not None:
            groups.setdefault(FAILURE_WORDS[s.failure], []).append(s.name)
    text.append(" · ".join(f"{what}: {named(names)}" for what, names in groups.items()), style="bold")
    text.append(" — their figures are stale or unknown")
    return text


def named(names: list[str], shown: int = 3) -> str:
    """A few names and how many more (the Overview's Sources panel lists them all): a banner stays a line or two."""
    if len(names) <= shown + 1:  # "and 1 more" would take the room of the name
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"


def topbar(report: Report | None, namespace: str | None, demo: bool, variables: Mapping[str, str],
           window: str = "period") -> Text:
    """Who is being watched, which namespace is shown, the meter, and the spend in the chosen window."""
    text = Text()
    text.append(" hfmon ", style=f"bold reverse {variables.get('primary', '')}")
    if demo:
        text.append(" DEMO ", style=f"bold reverse {variables.get('secondary', '')}")
    if report is None:
        text.append("  connecting…")
        return text
    if report.account is not None:
        text.append(f"  {report.account.name}", style="bold")
        text.append(f" {report.account.plan.upper()}")
    text.append(f"  ns: {namespace or 'all'}")
    text.append("  now ")
    text.append(fmt.money_total(report.running_in(namespace), unit="/h"), style="bold")  # as the Overview's meter
    # the period's figures are on the Overview; another window (w) says so here, on every screen, in few cells
    spent = None if window == "period" else report.window_total(window, namespace)
    if spent is not None:
        text.append(f"  {window} ")
        text.append(fmt.money_total(spent.spend_usd), style="bold")
        if spent.trend_pct is not None:
            text.append(f" {fmt.trend(spent.trend_pct)}")
    return text


def data_time(seconds: float, data_speed: float = 1.0) -> str:
    """A real-time span in the data's time: "5s", or in the demo, whose clock runs `data_speed` times fast,
    "5m of demo time"."""
    return fmt.duration(seconds * data_speed) + (" of demo time" if data_speed != 1 else "")


def every(interval_s: float, data_speed: float = 1.0) -> str:
    """"every 5s", or in the demo "every 5m of demo time"."""
    return f"every {data_time(interval_s, data_speed)}"


def statusbar(report: Report | None, now: datetime, *, interval_s: float, paused: bool, polling: bool,
              error: BaseException | None, rate_limit_s: float | None = None, notes: int = 0,
              data_speed: float = 1.0, width: int = 0) -> Text:
    """Freshness: when the data was made, when the next poll is, and how many sources are in trouble.

    `rate_limit_s`: seconds left of a wait for the rate-limit window, which outlasts the plain interval.
    `notes`: how many warnings about how hfmon runs (history off, …) the Overview's Sources panel lists.
    `data_speed`: data-time seconds per real second (the demo's clock runs fast). Every time on the line is data
    time, so the interval and the rate-limit wait are scaled to it and, in the demo, say so.
    `width`: the cells the line has (0: no limit). Too narrow, the clock time goes first (the age stays), then
    "(Overview)": the count of sources in trouble is never cut.
    """
    parts: list[tuple[str, str, int]] = []  # text, style, rank: the highest rank is left out first
    waiting = rate_limit_s is not None and rate_limit_s > 0 and not (polling or paused)
    unanswered = report is not None and report.nothing_read
    if polling:
        parts.append((" ⟳ polling… ", "", 0))
    elif paused:
        parts.append((" ⏸ paused ", "reverse", 0))
    elif waiting:
        assert rate_limit_s is not None
        until = now + timedelta(seconds=rate_limit_s * data_speed)
        parts.append((f" ⏳ waiting for the rate limit until {until:%H:%M:%S} UTC ", "reverse", 0))
    elif unanswered:
        parts.append((" ⚠ no answer ", "reverse", 0))
    else:
        parts.append((" ● live ", "", 0))
    if report is None:
        parts.append((" waiting for the first poll", "", 0))
    else:  # a poll nothing answered updated nothing: it was only tried
        age = max(0.0, (now - report.generated_at).total_seconds())
        parts.append((f" {'tried' if unanswered else 'updated'} {fmt.ago(age)}", "", 0))
        parts.append((f" · {fmt.stamp(report.generated_at)}", "", 2))
    if waiting:
        assert rate_limit_s is not None
        parts.append((f" · next poll in {data_time(rate_limit_s, data_speed)}", "bold", 0))
    else:
        parts.append((f" · {every(interval_s, data_speed)}", "", 0))
    bad = [s for s in report.sources if s.status is not SourceStatus.OK] if report is not None else []
    for count, what in ((len(bad), "source"), (notes, "warning")):
        if count:
            parts += [(f" · ⚠ {count} {what}{'s' if count != 1 else ''}", "bold", 0), (" (Overview)", "bold", 1)]
    if error is not None:
        title, _, hint = describe(error)
        parts.append((f" · {title}" + (f": {hint}" if hint and paused else ""), "bold", 0))
    for rank in (2, 1, 0):
        kept = [(part, style) for part, style, part_rank in parts if part_rank <= rank]
        text = Text()
        for style, same in groupby(kept, key=lambda p: p[1]):  # one span per style, as a terminal draws it
            text.append("".join(part for part, _ in same), style=style)
        if not width or text.cell_len <= width:
            break
    return text

"""Pure text of the detail views (Enter on a row): one resource, provider or namespace, from the Report alone.

Every figure is the Report's (costs/Report compute them once); the only thing worked out here is the state
timeline, by `costs.timeline` over the history the Report was evaluated from, priced by the resource's own
price (a state on other hardware than today's has no price here: unknown, never $0).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from rich.text import Text

from hfmon import format as fmt
from hfmon.costs.billing_rules import expose_usd_per_hour
from hfmon.costs.timeline import HardwarePrice, StateSpan, recent_rated_spans
from hfmon.report import CrossCheck, EndpointRow, JobRow, Report, ResourceCost, SpaceRow, Total
from hfmon.tui.rows import ENDPOINT_TONES, JOB_TONES, SPACE_TONES, Tones
from hfmon.tui.widgets.cells import Cell, Column

TIMELINE_ROWS = 12  # the most recent states; the rest are summed in one line


def section(text: Text, title: str) -> None:
    """A bold section heading (a blank line before all but the first)."""
    text.append(("\n\n" if len(text) else "") + title, style="bold underline")


def line(text: Text, label: str, value: str, style: str = "") -> None:
    """One `label  value` line."""
    text.append(f"\n  {label:<22}", style="")
    text.append(value, style=style)


def current_hardware(row: EndpointRow | SpaceRow | JobRow) -> str | None:
    """The hardware history records the resource on today (as `store.extract` writes it)."""
    if isinstance(row, EndpointRow):
        e = row.endpoint
        parts = (e.vendor, e.instance_type, e.instance_size)
        return None if parts == (None, None, None) else "/".join(p or "?" for p in parts)
    if isinstance(row, SpaceRow):
        return row.space.hardware or row.space.requested_hardware
    return row.job.flavor


def own_price(kind: str, hardware: str | None, cost: ResourceCost) -> HardwarePrice:
    """The resource's price on its hardware today; other hardware has no price here."""
    def price_of(recorded: str | None) -> Decimal | None:
        if kind == "space" and not recorded:
            return Decimal(0)  # a Space without hardware is free
        if recorded != hardware:
            return None
        if cost.granted:
            return Decimal(0)
        if cost.price is None or (cost.granted is None and cost.price.usd_per_hour > 0):
            return None  # unpriced, or maybe granted (no statement line for it)
        return cost.price.usd_per_hour
    return price_of


def timeline(report: Report, kind: str, key: str, row: EndpointRow | SpaceRow | JobRow,
             since: datetime) -> tuple[int, tuple[StateSpan, ...]]:
    """The resource's recorded states from `since` to the Report's time: how many there are, and the last
    TIMELINE_ROWS of them with their $/h (only those shown are priced: 30 days of history hold hundreds)."""
    return recent_rated_spans(kind, report.changes_of(kind, key), own_price(kind, current_hardware(row), row.cost),
                              since, report.generated_at, TIMELINE_ROWS)


def timeline_text(text: Text, states: tuple[int, Sequence[StateSpan]], tones: Tones,
                  state_tones: dict[str, str]) -> None:
    """The state timeline, newest last; older states than TIMELINE_ROWS are counted, not listed."""
    count, spans = states
    if not count:
        text.append("\n  no states recorded yet (history begins when hfmon first polls)", style=tones.get("muted", ""))
        return
    older = count - len(spans)
    if older > 0:
        text.append(f"\n  … {older} earlier state{'s' if older != 1 else ''}", style=tones.get("muted", ""))
    for s in spans:
        lasted = fmt.duration((s.end - s.start).total_seconds())
        text.append(f"\n  {fmt.stamp(s.start).removesuffix(' UTC'):<13} {lasted:>7}  ")
        text.append(f"{s.state:<14}", style=tones.get(state_tones.get(s.state, ""), ""))
        text.append(f" ×{s.replicas:<2} {s.hardware or fmt.MISSING:<22} ")
        rate = fmt.per_hour(s.usd_per_hour, missing="$/h unknown")
        text.append(rate, style="" if s.usd_per_hour else tones.get("muted", ""))


REPLICA_HOURS = " replica-hours"
"""What a statement's quantity is for an Endpoint or a Space (replica-minutes: 2 replicas for an hour are 2)."""


HOURS_UNKNOWN = ("unknown hours: history has no polls of them",)
"""Why some hours of the $/h over 24 h sparkline are unknown (a line each: 80 columns show each whole)."""
HOURS_UNKNOWN_ZERO_GPU = ("unknown hours: history has no polls of them, or", "ZeroGPU time past the quota bills in "
                          "them", "and the statement does not say how much")
"""The same for a ZeroGPU Space (`zero_gpu_windows.with_overage`)."""


def cost_text(text: Text, cost: ResourceCost, checks: Sequence[CrossCheck], tones: Tones,
              unit: str = REPLICA_HOURS, attempts: int | None = 1,
              hours_unknown: tuple[str, ...] = HOURS_UNKNOWN, unread: str = "") -> None:
    """Now, this period (billed, recomputed, the difference and why), and ahead; `unit`: what billed hours are;
    `attempts`: the most a Job's run makes (its cost ahead counts each one after this for its whole timeout);
    `hours_unknown`: why an hour of its $/h over 24 h can be unknown; `unread`: its namespace's statement unread
    (`statement_unread`), why its billed figures are unknown."""
    section(text, "Cost")
    line(text, "$/h now", fmt.rate_now(cost.cost_per_hour_usd, cost.granted, cost.price is not None), "bold")
    if cost.granted is None and cost.cost_per_hour_usd is None and cost.price is not None:
        line(text, "", "no statement line for its hardware was read: whether it is granted is unknown",
             tones.get("warn", ""))
    line(text, "price per replica",
         f"{fmt.per_hour(cost.price.usd_per_hour)} ({cost.price.source.value} catalog)" if cost.price
         else fmt.UNPRICED, "" if cost.price else tones.get("warn", ""))
    line(text, "$/h over 24 h", fmt.spark(cost.hourly_usd) or fmt.MISSING)
    if cost.hourly_usd:
        known = [v for v in cost.hourly_usd if v is not None]
        if known:
            text.append(f"  peak {fmt.per_hour(max(known))}", style=tones.get("muted", ""))
        if len(known) < len(cost.hourly_usd):  # on a line of its own: a narrow screen broke it at its first column
            for why in hours_unknown:
                line(text, "", why, tones.get("muted", ""))
    line(text, "billed this period", f"{fmt.money(cost.billed_usd, missing=fmt.MISSING)}"
         f" for {fmt.hours(cost.billed_hours, unit=unit)}")
    if cost.billed_why:
        line(text, "", cost.billed_why, tones.get("warn", ""))
    elif cost.billed_usd is None and unread:  # billed, recomputed and their difference are its statement's lines
        line(text, "", f"unknown: {unread}", tones.get("warn", ""))
    line(text, "recomputed", fmt.money(cost.recomputed_usd, missing=fmt.MISSING if cost.price else fmt.UNPRICED))
    delta = None if cost.billed_usd is None or cost.recomputed_usd is None else cost.billed_usd - cost.recomputed_usd
    line(text, "difference", fmt.money_delta(delta),
         tones.get("bad", "") if delta is not None and abs(delta) >= Decimal("0.01") else "")
    line(text, "uptime", fmt.uptime_share(cost.uptime_pct, cost.uptime_at_least_pct, cost.uptime_unwatched_pct,
                                          "the period", cost.uptime_state_unknown_pct) + " · " + fmt.uptime_share(
        cost.uptime_24h_pct, cost.uptime_24h_at_least_pct, cost.uptime_24h_unwatched_pct, "the last 24 h",
        cost.uptime_24h_state_unknown_pct))
    if cost.uptime_why:  # nothing says when it billed, or too little of the period
        line(text, "", f"unknown: {cost.uptime_why}" + (", no statement" if unread else ""), tones.get("warn", ""))
    ahead = fmt.money(cost.to_period_end_usd, missing=fmt.MISSING if cost.price else fmt.UNPRICED)
    last = "its last attempt stops" if attempts is not None and attempts > 1 else "it stops"
    until = f"until {last} at its timeout, {fmt.stamp(cost.ends_by)}" if cost.ends_by else "until the period ends"
    line(text, "left as it is", f"{ahead} more {until}", "bold")
    if cost.to_period_end_why:
        line(text, "", cost.to_period_end_why, tones.get("warn", ""))
    if checks:
        section(text, "Billing lines: billed vs recomputed")
        for c in checks:
            text.append(f"\n  {c.status.value.upper():<9}", style=tones.get(
                {"drift": "bad", "unpriced": "warn", "ok": "good"}.get(c.status.value, "muted"), ""))
            text.append(f"{c.item}\n  {'':<9}billed {fmt.money(c.billed_usd, missing=fmt.MISSING)} · recomputed "
                        f"{fmt.money(c.recomputed_usd)} · Δ {fmt.money_delta(c.delta_usd)}")
            if c.note:
                text.append(f"\n  {'':<9}{c.note}", style=tones.get("muted", ""))


def statement_unread(report: Report, product: str, namespace: str) -> str:
    """Why a resource's billed figures are unknown when its namespace's statement was not read (`statement unread
    (northwind)`, as the Report's bill for its product names it); "" when it was read."""
    billed = report.billed_for(product, namespace)
    unread = tuple(m for m in billed.missing if m.startswith("statement:"))
    return fmt.missing_note(Total(None, unread), len(report.namespaces)) if unread else ""


def checks_of(report: Report, kind: str, key: str) -> list[CrossCheck]:
    """The cross-check rows of one resource (its billing products, and minutes against history)."""
    item = f"{kind} {key}"
    return [c for c in report.crosscheck if c.item == item or c.item.startswith(item + " ")]


def command_text(text: Text, commands: Sequence[tuple[str, str]], tones: Tones) -> None:
    """The `hf` commands that would act on the resource: shown, never run."""
    section(text, "To act on it (shown, not run)")
    for what, command in commands:
        text.append(f"\n  {what}: ", style=tones.get("muted", ""))
        text.append(command, style="bold")


def endpoint_detail(report: Report, row: EndpointRow, since: datetime, tones: Tones) -> Text:
    """An Endpoint: state and scaling, cost, billing lines, its timeline and the commands to pause it."""
    e, text = row.endpoint, Text()
    section(text, f"Endpoint {e.id}")
    line(text, "state", e.state, tones.get(ENDPOINT_TONES.get(e.state, ""), ""))
    line(text, "replicas", f"{_maybe(e.ready_replicas)} ready of {_maybe(e.target_replicas)} wanted · min "
         f"{_maybe(e.min_replica)}, max {_maybe(e.max_replica)}")
    stz = e.scale_to_zero_timeout_min
    line(text, "scale to zero after", "never (min replicas > 0)" if e.min_replica else
         fmt.MISSING if stz is None else fmt.duration(stz * 60) + " idle")
    line(text, "instance", " ".join(x for x in (e.vendor, e.region, e.instance_type, e.instance_size) if x)
         or fmt.MISSING)
    line(text, "model", e.repository or fmt.MISSING)
    cost_text(text, row.cost, checks_of(report, "endpoint", e.id), tones,
              unread=statement_unread(report, "endpoints", e.namespace))
    section(text, f"States since {fmt.stamp(since)}")
    timeline_text(text, timeline(report, "endpoint", e.id, row, since), tones, ENDPOINT_TONES)
    command_text(text, (("pause (stops billing; resume by hand)",
                         fmt.shell_command("hf", "endpoints", "pause", e.name, "--namespace", e.namespace)),
                        ("scale to zero (wakes on the next request)",
                         fmt.shell_command("hf", "endpoints", "scale-to-zero", e.name, "--namespace", e.namespace))),
                 tones)
    return text


def space_detail(report: Report, row: SpaceRow, since: datetime, tones: Tones) -> Text:
    """A Space: stage, hardware, sleep time, GPU hours, storage, cost, timeline and the command to pause it."""
    s, text = row.space, Text()
    section(text, f"Space {s.id}")
    line(text, "stage", s.stage, tones.get(SPACE_TONES.get(s.stage, ""), ""))
    hardware = s.hardware or fmt.MISSING
    if s.requested_hardware and s.requested_hardware != s.hardware:
        hardware += f" (requested {s.requested_hardware})"
    line(text, "hardware", hardware + (" · granted: the account pays nothing" if row.cost.granted else ""))
    line(text, "sleeps after", "unknown (its runtime did not say)" if s.sleep_time_unsent else
         fmt.sleep_time(s.sleep_time_s))
    line(text, "replicas", f"{_maybe(s.replicas_current)} running of {_maybe(s.replicas_requested)} requested")
    line(text, "GPU hours this period", fmt.hours(row.gpu_hours))
    line(text, "storage", fmt.size(s.used_storage_bytes))
    cost_text(text, row.cost, checks_of(report, "space", s.id), tones,
              hours_unknown=HOURS_UNKNOWN_ZERO_GPU if row.cost.zero_gpu else HOURS_UNKNOWN,
              unread=statement_unread(report, "spaces", s.namespace))
    section(text, f"Stages since {fmt.stamp(since)}")
    timeline_text(text, timeline(report, "space", s.id, row, since), tones, SPACE_TONES)
    command_text(text, (("pause (stops billing until restarted)", fmt.shell_command("hf", "spaces", "pause", s.id)),
                        ("sleep sooner when idle", fmt.shell_command("hf", "spaces", "settings", s.id, "--sleep-time",
                                                                     3600))), tones)
    return text


def job_detail(report: Report, row: JobRow, since: datetime, tones: Tones) -> Text:
    """A Job: flavor, how long it has run, its cost so far and the command to cancel it."""
    j, text = row.job, Text()
    section(text, f"Job {j.namespace}/{j.id}")
    line(text, "stage", j.stage, tones.get(JOB_TONES.get(j.stage, ""), ""))
    line(text, "flavor", j.flavor or fmt.MISSING)
    if j.exposed:  # HF bills them per job, not per port: a part of its price, said where the price is
        ports = ", ".join(map(_maybe, j.exposed_ports))
        odd = f"; {fmt.MISSING}: a port number HF sent with a fraction" if None in j.exposed_ports else ""
        line(text, "exposed ports",
             f"{ports}: {fmt.per_hour(expose_usd_per_hour(True))} of its price (per job){odd}")
    line(text, "started", fmt.stamp(j.started_at))
    line(text, "finished", fmt.stamp(j.finished_at, missing="not yet"))
    line(text, "ran", f"{fmt.duration(j.running_s)} (its timeout is not in the Jobs listing)")
    if j.attempts != 1:
        line(text, "attempts", f"up to {j.attempts}: a failed attempt is tried again, each for up to its timeout"
             if j.attempts is not None else "unknown (HF's retry is no whole number from 1)")
    if j.docker_image or j.space_id:
        line(text, "runs", j.docker_image or f"Space {j.space_id}")
    cost_text(text, row.cost, checks_of(report, "job", j.id), tones, unit=" h",  # one replica: its wall hours
              attempts=j.attempts, unread=statement_unread(report, "jobs", j.namespace))
    section(text, f"Stages since {fmt.stamp(since)}")
    timeline_text(text, timeline(report, "job", j.id, row, since), tones, JOB_TONES)
    if j.stage in ("RUNNING", "SCHEDULING"):
        command_text(text, (("cancel", fmt.shell_command("hf", "jobs", "cancel", j.id, "--namespace", j.namespace)),),
                     tones)
    return text


def generic_detail(title: str, columns: Sequence[Column], cells: Sequence[Cell]) -> Text:
    """Any other row: every column with its whole text (nothing cut)."""
    text = Text()
    section(text, title)
    for column, c in zip(columns, cells, strict=False):
        if column.label:
            line(text, column.label, c.plain or fmt.MISSING, c.style)
    return text


def _maybe(value: int | None) -> str:
    return fmt.MISSING if value is None else str(value)


def since_for(report: Report, namespace: str) -> datetime:
    """Where a resource's timeline starts: its namespace's period start (else 30 days back)."""
    period = next((w.current.start for w in report.windows if w.namespace == namespace and w.window == "period"),
                  None)
    return period or report.generated_at - timedelta(days=30)

"""Pure view code: the columns of each table and the rows a Report gives them (no widgets, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from hfmon import format as fmt
from hfmon.models import SourceStatus
from hfmon.report import CheckStatus, EndpointRow, Report, ResourceCost, SourceState, SpaceRow
from hfmon.tui.row_cache import CellBuilder, RowCache
from hfmon.tui.rows_time import spark_cell
from hfmon.tui.widgets.cells import Cell, Column, Row, Styled, cell

Tones = Mapping[str, str]
"""Tone name (good, warn, bad, muted, accent) -> Rich style, taken from the current theme."""

ENDPOINT_TONES = {"running": "good", "scaledToZero": "muted", "paused": "muted", "initializing": "warn",
                  "pending": "warn", "updating": "warn", "failed": "bad", "updateFailed": "bad"}
SPACE_TONES = {"RUNNING": "good", "SLEEPING": "muted", "PAUSED": "muted", "STOPPED": "muted", "BUILDING": "warn",
               "APP_STARTING": "warn", "RUNNING_BUILDING": "good", "RUNNING_APP_STARTING": "warn",
               "BUILD_ERROR": "bad", "RUNTIME_ERROR": "bad", "CONFIG_ERROR": "bad", "NO_APP_FILE": "bad"}
JOB_TONES = {"RUNNING": "good", "SCHEDULING": "warn", "ERROR": "bad", "COMPLETED": "muted", "CANCELED": "muted",
             "DELETED": "muted"}
CHECK_TONES = {CheckStatus.DRIFT: "bad", CheckStatus.UNPRICED: "warn", CheckStatus.PENDING: "muted",
               CheckStatus.OK: "good"}
CHECK_ORDER = {CheckStatus.DRIFT: 0, CheckStatus.UNPRICED: 1, CheckStatus.PENDING: 2, CheckStatus.OK: 3}
SOURCE_TONES = {SourceStatus.OK: "good", SourceStatus.STALE: "warn", SourceStatus.ERROR: "bad",
                SourceStatus.NO_ACCESS: "warn"}
CACHED_DETAIL = "not asked this poll: hfmon's cached answer, as old as its age"
IN_PART = "IN PART"
"""A source's label when it answered only part of what it lists (`SourceState.read_in_part`)."""
WHOLE_IF_CUT = frozenset({"running", "spenders"})
"""Panels whose figures a listing read in part leaves whole: the meter (a cut Jobs listing holds every running one)."""
SOURCE_LABELS = {SourceStatus.OK: "ok", SourceStatus.STALE: "STALE", SourceStatus.ERROR: "ERROR",
                 SourceStatus.NO_ACCESS: "NO ACCESS"}

# Most important first: at 80 columns the name gives way (flex) so the figures a user acts on stay on screen;
# the `extra` columns follow, as far as the width allows, and the rest are reached by scrolling right.
ENDPOINT_COLUMNS = (
    Column("name", "Endpoint", flex=True), Column("state", "State"), Column("rate", "$/h now", True, total=True),
    Column("billed", "Billed", True, total=True), Column("recomputed", "Recomputed", True, total=True),
    Column("delta", "Δ", True),
    Column("replicas", "Replicas", extra=True), Column("uptime", "Uptime", True, extra=True),
    Column("hours", "Billed replica-h", True, extra=True), Column("instance", "Instance", extra=True),
    Column("price", "Priced by", extra=True), Column("spark", "$/h, 24 h", extra=True),
)
SPACE_COLUMNS = (
    Column("name", "Space", flex=True), Column("stage", "Stage"), Column("hardware", "Hardware"),
    Column("rate", "$/h now", True, total=True), Column("billed", "Billed", True, total=True),
    Column("sleep", "Sleeps after", extra=True), Column("recomputed", "Recomputed", True, extra=True, total=True),
    Column("gpu", "GPU h", True, extra=True),
    Column("storage", "Storage", True, extra=True), Column("spark", "$/h, 24 h", extra=True),
)
JOB_COLUMNS = (
    Column("id", "Job", flex=True), Column("stage", "Stage"), Column("rate", "$/h now", True, total=True),
    Column("billed", "Billed", True, total=True), Column("ran", "Ran", True, extra=True),
    Column("flavor", "Flavor", extra=True), Column("recomputed", "Recomputed", True, extra=True, total=True),
    Column("started", "Started", extra=True),
)
PROVIDER_COLUMNS = (
    Column("name", "Provider", flex=True), Column("requests", "Requests", True),
    Column("cost", "Cost", True, total=True),
    Column("share", "Share", True), Column("bar", "", extra=True),
)
CHECK_COLUMNS = (
    Column("status", "Status"), Column("kind", "Kind"), Column("subject", "Subject", flex=True),
    Column("billed", "Billed", True),
    Column("recomputed", "Recomputed", True), Column("delta", "Δ", True), Column("note", "Note", extra=True),
)
SOURCE_COLUMNS = (
    Column("name", "Source"), Column("status", "Status"), Column("age", "Age", True),
    Column("detail", "What to do", flex=True, wrap=True),
)
def toned(text: str, tone: str | None, tones: Tones) -> Styled:
    """Text in a tone's style (plain when the tone is unknown)."""
    return Styled(text, tones.get(tone or "", ""))


def money_cell(value: Decimal | None, *, missing: str = fmt.UNPRICED, tones: Tones | None = None) -> Cell:
    """A right-aligned money cell sorting by amount; missing amounts say so instead of $0."""
    if value is None:
        return cell(missing, right=True, style=(tones or {}).get("warn", "") if missing == fmt.UNPRICED else "")
    return cell(fmt.money(value), value, right=True)


def num_cell(text: str, value: Decimal | int | float | None) -> Cell:
    """A right-aligned numeric cell."""
    return cell(text, value, right=True)


def hours_cell(value: Decimal | None) -> Cell:
    """Hours with one decimal, in a column whose header says `h`."""
    return num_cell(fmt.hours(value, unit=""), value)


def in_namespace(name: str, ns: str | None) -> bool:
    """Whether an `owner/name` (or `owner`) belongs to the namespace (None: all namespaces)."""
    return ns is None or name == ns or name.startswith(ns + "/")


def rate_cell(rate: Decimal | None, granted: bool | None, tones: Tones, priced: bool = False) -> Cell:
    """$/h now: unpriced when no catalog prices it, unknown when its stage or grant is, `granted` for granted
    hardware, muted when $0."""
    if rate is None and priced and not granted:
        return cell(fmt.UNKNOWN, None, right=True, style=tones.get("warn", ""))
    if rate is None:
        return money_cell(None, tones=tones)
    if granted:
        return cell(fmt.GRANTED, rate, right=True, style=tones.get("good", ""))
    return cell(fmt.per_hour(rate), rate, right=True, style="" if rate else tones.get("muted", ""))


def stale_rate_cell(cost: ResourceCost, tones: Tones) -> Cell | None:
    """$/h now of a row from a failed listing (`ResourceCost.stale`): its last value marked `?`, sorted and totalled
    as unknown (never a known part of a sum); None for a row read this poll."""
    if not cost.stale or cost.last_cost_per_hour_usd is None:
        return None if not cost.stale else cell(fmt.UNKNOWN, None, right=True, style=tones.get("warn", ""))
    text = fmt.per_hour(cost.last_cost_per_hour_usd) + "?"
    return cell(text, right=True, style=tones.get("warn", ""))._replace(sort=(1, text))


def recomputed_cell(value: Decimal | None, unpriced: bool, tones: Tones) -> Cell:
    """The recomputed cost: `unpriced` (in the warning tone) when no catalog priced it, else — when unknown."""
    return money_cell(value, tones=tones) if unpriced else money_cell(value, missing=fmt.MISSING)


def cost_cells(cost: ResourceCost, tones: Tones) -> tuple[Cell, Cell, Cell]:
    """$/h now, billed and recomputed."""
    return (stale_rate_cell(cost, tones) or rate_cell(cost.cost_per_hour_usd, cost.granted, tones,
                                                      cost.price is not None),
            money_cell(cost.billed_usd, missing=fmt.MISSING),
            recomputed_cell(cost.recomputed_usd, cost.price is None, tones))


def endpoint_rows(report: Report, ns: str | None, tones: Tones) -> list[Row]:
    """One row per endpoint."""
    return [(r.endpoint.id, _endpoint_cells(r, tones)) for r in report.endpoints
            if in_namespace(r.endpoint.namespace, ns)]


def _endpoint_cells(r: EndpointRow, tones: Tones) -> tuple[Cell, ...]:
    e, c = r.endpoint, r.cost
    rate, billed, recomputed = cost_cells(c, tones)
    delta = None if c.billed_usd is None or c.recomputed_usd is None else c.billed_usd - c.recomputed_usd
    ready, target = (n if n is not None else "?" for n in (e.ready_replicas, e.target_replicas))
    replicas = f"{ready}/{target} ({e.min_replica if e.min_replica is not None else '?'}–" \
               f"{e.max_replica if e.max_replica is not None else '?'})"
    instance = " ".join(x for x in (e.vendor, e.region, e.instance_type, e.instance_size) if x)
    uptime = num_cell(fmt.percent_at_least(c.uptime_pct, c.uptime_at_least_pct),  # sorted by what is known
                      c.uptime_pct if c.uptime_pct is not None else c.uptime_at_least_pct)
    return (
        cell(e.id), cell(toned(e.state, ENDPOINT_TONES.get(e.state), tones)), rate, billed, recomputed,
        delta_cell(delta, tones), cell(replicas), uptime,
        hours_cell(c.billed_hours), cell(instance or fmt.MISSING),
        cell(c.price.source.value if c.price else toned(fmt.UNPRICED, "warn", tones)),
        spark_cell(c.hourly_usd, tones),
    )


def delta_cell(delta: Decimal | None, tones: Tones, loud: bool | None = None) -> Cell:
    """A signed difference: loud when `loud` says so (the cross-check's verdict), else when a cent or more."""
    if delta is None:
        return cell(fmt.MISSING, right=True)
    tone = "bad" if (abs(delta) >= Decimal("0.01") if loud is None else loud) else "muted"
    return cell(fmt.money_delta(delta), delta, right=True, style=tones.get(tone, ""))


def _space_inputs(r: SpaceRow) -> tuple[object, ...]:
    """What each cell of a Space's row shows, in SPACE_COLUMNS order (see SPACE_CELLS)."""
    s, c = r.space, r.cost
    return (s.id, s.stage, s.hardware, (c.cost_per_hour_usd, c.granted, c.price is not None), c.billed_usd,
            None if s.sleep_time_unsent else s.sleep_time_s if s.sleep_time_s is not None else -1,
            (c.recomputed_usd, c.price is None), r.gpu_hours, s.used_storage_bytes, c.hourly_usd)


def _sleep_cell(seconds: int | None) -> Cell:
    """None: HF did not send the sleep time (unknown); negative: it never sleeps."""
    if seconds is None:
        return cell(fmt.MISSING, -2)
    return cell(fmt.sleep_time(seconds), -1 if seconds < 0 else seconds)


SPACE_CELLS: tuple[CellBuilder, ...] = (
    lambda name, _t: cell(name),
    lambda stage, t: cell(toned(stage, SPACE_TONES.get(stage), t)),
    lambda hardware, _t: cell(hardware or fmt.MISSING),
    lambda rate, t: rate_cell(rate[0], rate[1], t, rate[2]),
    lambda billed, _t: money_cell(billed, missing=fmt.MISSING),
    lambda sleep, _t: _sleep_cell(sleep),
    lambda recomputed, t: recomputed_cell(recomputed[0], recomputed[1], t),
    lambda gpu, _t: hours_cell(gpu),
    lambda size, _t: num_cell(fmt.size(size), size),
    spark_cell,
)
"""How each cell of a Space's row is made from its input (`_space_inputs`)."""


def space_cache() -> RowCache:
    """A cache for the Spaces table (the largest: only the cells that changed are rebuilt at each poll)."""
    return RowCache(SPACE_CELLS)


def space_rows(report: Report, ns: str | None, tones: Tones, cache: RowCache | None = None) -> list[Row]:
    """One row per Space (with a cache, only the cells that changed since the last poll are built)."""
    cache = cache or space_cache()
    with cache.lock:
        cache.begin(tones)
        return [(r.space.id, cache.get(r.space.id, _space_inputs(r))) for r in report.spaces
                if in_namespace(r.space.id, ns)]


def job_rows(report: Report, ns: str | None, tones: Tones) -> list[Row]:
    """One row per Job."""
    rows: list[Row] = []
    for r in report.jobs:
        j = r.job
        if not in_namespace(j.namespace, ns):
            continue
        rate, billed, recomputed = cost_cells(r.cost, tones)
        rows.append((j.id, (
            cell(f"{j.namespace}/{j.id[:12]}"), cell(toned(j.stage, JOB_TONES.get(j.stage), tones)), rate, billed,
            num_cell(fmt.duration(j.running_s), j.running_s), cell(j.flavor or fmt.MISSING), recomputed,
            cell(fmt.stamp(j.started_at), j.started_at.timestamp() if j.started_at else None),
        )))
    return rows


def share_rows(items: Iterable[tuple[str, int | None, Decimal | None]], tones: Tones) -> list[Row]:
    """Provider rows with their share of the total and a bar; an unknown count or cost shows "—", without a share."""
    items = list(items)
    total = sum((c for _, _, c in items if c is not None), Decimal(0))
    rows: list[Row] = []
    for name, requests, cost in items:
        share = None if cost is None else Decimal(0) if not total else cost * 100 / total
        bar = "" if share is None else "█" * int(share / 5) + ("▌" if share % 5 >= 2.5 else "")
        count = num_cell(fmt.MISSING if requests is None else f"{requests:,}", requests)
        rows.append((name, (cell(name), count, money_cell(cost, missing=fmt.MISSING),
                            num_cell(fmt.MISSING if share is None else fmt.percent(share), share),
                            cell(toned(bar, "accent", tones), share))))
    return rows


def check_rows(report: Report, ns: str | None, tones: Tones) -> list[Row]:
    """Cross-check rows, drift and unpriced first, then the largest differences."""
    rows: list[Row] = []
    for c in report.crosscheck:
        if not c.of(ns):
            continue
        order = (CHECK_ORDER.get(c.status, 9), -abs(c.delta_usd or Decimal(0)), c.item)
        kind, subject = check_kind(c.item)
        rows.append((c.item, (
            cell(toned(c.status.value.upper(), CHECK_TONES.get(c.status), tones), order), cell(kind), cell(subject),
            money_cell(c.billed_usd, missing=fmt.MISSING), money_cell(c.recomputed_usd, tones=tones),
            delta_cell(c.delta_usd, tones, loud=c.status is CheckStatus.DRIFT), cell(c.note or ""),
        )))
    return rows


HISTORY_CHECK = " minutes vs history"


def check_kind(item: str) -> tuple[str, str]:
    """A cross-check item split into its kind (`space`, `total`, …) and its subject (the rest).

    Billed minutes checked against recorded history are of kind `history` (their subject starts with what was
    checked), so cut subjects still tell them apart from the same resource's price check.
    """
    if item.endswith(HISTORY_CHECK):
        return "history", item.removesuffix(HISTORY_CHECK)
    kind, _, subject = item.partition(" ")
    return kind, subject


def source_age(state: SourceState, report: Report, now: datetime) -> int | None:
    """How old a source's value is at `now` (its age when the report was made, plus the time since)."""
    if state.age_s is None:
        return None
    return state.age_s + max(0, int((now - report.generated_at).total_seconds()))


def source_rows(report: Report, now: datetime, tones: Tones) -> list[Row]:
    """One row per source, problems first."""
    order = {SourceStatus.ERROR: 0, SourceStatus.NO_ACCESS: 1, SourceStatus.STALE: 2, SourceStatus.OK: 4}
    rows: list[Row] = []
    for s in report.sources:
        age = source_age(s, report, now)
        # the advice, wrapped to the width; the raw error repeats it at length (its toast and --json keep it)
        detail = s.error or ""
        if s.hint:
            detail = s.hint + (f" (HTTP {s.http_status})" if s.http_status else "")
        # a cached answer is good data this poll did not ask for again: "ok" would say HF answered now
        label, tone = SOURCE_LABELS.get(s.status, s.status.value), SOURCE_TONES.get(s.status)
        rank = order.get(s.status, 9)
        if s.from_cache and s.status is SourceStatus.OK:
            label, tone, rank, detail = "cached", "muted", 3, detail or CACHED_DETAIL
        if s.read_in_part is not None and s.status is SourceStatus.OK:  # a listing cut where hfmon stops reading
            label, tone, rank, detail = IN_PART, "warn", 3, s.read_in_part
        rows.append((s.name, (
            cell(s.name), cell(toned(label, tone, tones), (rank, s.name)),
            num_cell(fmt.duration(age), age), cell(detail or "—"),
        )))
    return rows


SOURCE_KINDS = {
    "credits": ("billing", "statement"), "inference": ("billing", "live", "router_prices"),
    "endpoints": ("endpoints", "endpoint_catalog"), "spaces": ("spaces", "spaces_hardware"),
    "jobs": ("jobs", "job_charges", "jobs_hardware"), "storage": ("storage", "live"),
    "repos": ("storage", "models", "datasets", "spaces"), "zero_gpu": ("zero_gpu",),
    "crosscheck": ("statement", "job_charges", "sessions"), "account": ("account",),
    "groups": ("resource_groups", "resource_group_usage"), "scheduled": ("scheduled_jobs",),
    "running": ("endpoints", "spaces", "jobs"),  # the meter: what runs now
    "spenders": ("endpoints", "spaces", "jobs"),  # what runs now; what it cost is in OLD_IF_STALE
    "advisor": ("endpoints", "spaces", "jobs", "storage"),  # findings on what a listing (or usage) last said
}
OLD_IF_STALE = {
    "endpoints": ("statement",), "spaces": ("statement",), "jobs": ("statement",),
    "spenders": ("statement", "job_charges", "billing"),
}
"""Sources of a panel's billed costs, badged when kept from an earlier poll (STALE): their last good lines read as
current otherwise. Unread (no figure at all), the table's own remainder row and "+" totals say so already."""


def panel_badge(report: Report, panel: str, ns: str | None, now: datetime) -> str:
    """The badge a panel wears when one of its sources is not fresh, e.g. `STALE 7m: endpoints:acme`."""
    kinds, old_if_stale = SOURCE_KINDS.get(panel, ()), OLD_IF_STALE.get(panel, ())
    grouped: dict[str, list[str]] = {}
    for s in report.sources:
        kind, space = s.kind, s.scope
        ok = s.status is SourceStatus.OK and (s.read_in_part is None or panel in WHOLE_IF_CUT)
        shown = kind in kinds or (kind in old_if_stale and s.status is SourceStatus.STALE)
        if not shown or ok or (ns is not None and space and space != ns):
            continue
        label = SOURCE_LABELS.get(s.status, s.status.value) if s.status is not SourceStatus.OK else IN_PART
        if s.status is SourceStatus.STALE:
            label += " " + fmt.duration(source_age(s, report, now))
        grouped.setdefault(f"{label} {space}".strip(), []).append(kind)
    parts = [f"{head} ({', '.join(kinds_)})" for head, kinds_ in grouped.items()]
    if len(parts) > 2:
        return f"{parts[0]} +{len(parts) - 1} more"
    return " · ".join(parts)

"""Pure view code of the Overview's money tables: spend per namespace, resource groups, scheduled Jobs and the
top spenders, from the Report alone (no widgets, no I/O)."""

from __future__ import annotations

from decimal import Decimal

from hfmon import format as fmt
from hfmon import phrases
from hfmon.figures import Spend, Total
from hfmon.report import Report, ResourceCost
from hfmon.tui.rows import Tones, in_namespace, money_cell, num_cell
from hfmon.tui.rows_time import total_cell, window_rows
from hfmon.tui.widgets.cells import PINNED, Cell, Column, Row, blank_cell, cell

# The total next to the name, so it is on screen at 80 columns however wide "at least $…" makes it; storage and
# the remainder (monthly, and not in a time window) after the compute products.
SPEND_COLUMNS = (
    Column("name", "Namespace", flex=True), Column("total", "Total", True), Column("inference", "Inference", True),
    Column("endpoints", "Endpoints", True), Column("spaces", "Spaces", True), Column("jobs", "Jobs", True),
    Column("storage", "Storage", True, extra=True), Column("other", "Other", True, extra=True),
    Column("invoice", "Invoice", extra=True),
)
GROUP_COLUMNS = (
    Column("name", "Resource group", flex=True), Column("spent", "This month", True),
    Column("limit", "Tightest limit", True), Column("used", "Used", True),
)
SCHEDULED_COLUMNS = (
    Column("name", "Scheduled job", flex=True), Column("schedule", "Schedule"), Column("next", "Next run"),
    Column("flavor", "Flavor"), Column("most", "Up to /run", True),
)
LIMIT_TONES = {"over": ("over", "bad"), "near": ("near", "warn"), "closed": ("closed", "muted")}
SPENDER_COLUMNS = (
    Column("name", "Resource", flex=True), Column("kind", "Kind"), Column("cost", "Cost", True),
    Column("rate", "$/h now", True),
)


def spender_rows(report: Report, ns: str | None, limit: int = 6) -> list[Row]:
    """The resources (and Inference Providers) that cost the most this period."""
    items: list[tuple[str, str, Decimal | None, Decimal | None]] = []
    for e in report.endpoints:
        items.append((e.endpoint.id, "endpoint", _spent(e.cost),
                      e.cost.cost_per_hour_usd))
    for s in report.spaces:
        items.append((s.space.id, "space", _spent(s.cost), s.cost.cost_per_hour_usd))
    for j in report.jobs:
        items.append((f"{j.job.namespace}/{j.job.id[:12]}", "job", _spent(j.cost), j.cost.cost_per_hour_usd))
    items = [i for i in items if in_namespace(i[0], ns) and i[2]]
    inference = report.billed_for("inference", None)  # this period's, as the spend table has it
    if ns is None and inference.known:
        items.append(("Inference Providers" + ("" if inference.complete else " (at least)"), "inference",
                      inference.known, None))
    items.sort(key=lambda i: i[2] or Decimal(0), reverse=True)
    return [(name, (cell(name), cell(kind), money_cell(spent),
                    num_cell(fmt.per_hour(rate), rate)))
            for name, kind, spent, rate in items[:limit]]


def spenders_remainder(report: Report, ns: str | None, tones: Tones) -> tuple[Cell, ...] | None:
    """The spenders table's last row when the ranking is partial: what is not in it (a statement or a listing
    unread), its cost an unknown part; None when every resource's spend could be read."""
    unranked = report.spend_unranked(ns)
    if unranked.complete:
        return None
    warn = tones.get("warn", "")
    note = fmt.missing_note(Total(None, unranked.missing), len(report.namespaces))
    return (Cell(f"not in it: {note}", (PINNED,), warn), blank_cell(),
            Cell(fmt.UNKNOWN, (1, fmt.UNKNOWN), warn, True), blank_cell(True))


def spend_rows(report: Report, ns: str | None, window: str = "period", tones: Tones | None = None) -> list[Row]:
    """What each namespace has been billed this period, by product (— where the source is unreadable), and the
    period's invoice; for another window, what history shows it spent in it (storage is billed monthly)."""
    if window != "period":
        return window_rows(report, ns, window, tones or {})
    invoices = {i.namespace: fmt.invoice_text(i) for i in report.invoices or ()}
    return [(s.namespace, (
        cell(s.namespace), total_cell(s.total_usd), *(_part_cell(s.part(p)) for p in Spend.PRODUCTS),
        cell(invoices.get(s.namespace, fmt.MISSING)),
    )) for s in report.spend if ns is None or s.namespace == ns]


def _part_cell(part: Total[Decimal]) -> Cell:
    """A product's part of the period's spend: `at least $X` when it is a lower bound (the statement is behind
    another HF figure on it), — when unknown (the Total column and the line under the table say why)."""
    return money_cell(None, missing=fmt.MISSING) if part.known is None else total_cell(part)


def group_rows(report: Report, ns: str | None, tones: Tones) -> list[Row]:
    """Each resource group's spend this month against its most used limit (orgs on a Team plan or higher)."""
    out: list[Row] = []
    for g in report.resource_groups or ():
        if ns is not None and g.namespace != ns:
            continue
        worst = max(g.limits or (), key=lambda lim: lim.used_order, default=None)
        limit = cell(f"{worst.product} {fmt.money(worst.limit_usd)}", worst.limit_usd, right=True) if worst else cell(
            ("unknown" if g.limits is None else "none") if g.id is not None else "", right=True)
        used = cell("", right=True)
        if worst is not None:
            word, tone = LIMIT_TONES.get(worst.state, ("", ""))
            order = worst.used_order if worst.spent_usd is not None else None  # unknown: sorts last
            used = cell(f"{phrases.limit_used(worst)} {word}".strip(), order, right=True,
                        style=tones.get(tone, ""))
        name = f"{g.namespace}/{g.name}" if g.id is not None else f"{g.namespace} {g.name}"
        out.append((f"{g.namespace}/{g.id or ''}", (cell(name), money_cell(g.total_usd, missing=fmt.MISSING),
                                                      limit, used)))
    return out


def groups_unread(report: Report, ns: str | None, tones: Tones) -> tuple[Cell, ...] | None:
    """The groups table's last row when the resource groups of an org (of `ns`) were not read: whose, and why; None
    when every org's were."""
    note = phrases.groups_unknown(report, ns)
    if not note:
        return None
    warn = tones.get("warn", "")
    return (Cell(note, (PINNED,), warn), Cell(fmt.UNKNOWN, (1, fmt.UNKNOWN), warn, True), blank_cell(True),
            blank_cell(True))


def scheduled_rows(report: Report, ns: str | None, tones: Tones) -> list[Row]:
    """Scheduled Jobs: when each runs next and the most one run can cost (suspended ones say so)."""
    out: list[Row] = []
    for row in report.scheduled_jobs or ():
        job = row.job
        if ns is not None and job.namespace != ns:
            continue
        # Suspended (or no next run) sorts after every time, in both directions.
        nxt = (Cell("suspended" if job.suspended else fmt.MISSING, (1, ""), tones.get("muted", ""), False)
               if job.suspended or job.next_run_at is None
               else cell(fmt.stamp(job.next_run_at).removesuffix(" UTC"), job.next_run_at))
        out.append((f"{job.namespace}/{job.id}", (cell(f"{job.namespace}/{job.id}"), cell(job.schedule), nxt,
                                                  cell(job.flavor or fmt.MISSING),
                                                  money_cell(row.max_run_usd, tones=tones))))
    return out


def scheduled_unread(report: Report, ns: str | None, tones: Tones) -> tuple[Cell, ...] | None:
    """The scheduled-Jobs table's last row when a listing (of `ns`) was not read: whose; None when every one was."""
    missing = tuple(m for m in report.scheduled_jobs_missing if ns is None or m.partition(":")[2] in ("", ns))
    if not missing:
        return None
    warn = tones.get("warn", "")
    return (Cell(f"not in it: {fmt.missing_note(Total(None, missing), len(report.namespaces))}", (PINNED,), warn),
            blank_cell(), blank_cell(), blank_cell(), Cell(fmt.UNKNOWN, (1, fmt.UNKNOWN), warn, True))


def _spent(cost: ResourceCost) -> Decimal | None:
    return cost.billed_usd if cost.billed_usd is not None else cost.recomputed_usd

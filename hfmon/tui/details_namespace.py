"""Pure text of a namespace's detail view: spend by product this period and over time windows, credits, limits,
resource groups, the invoice and what runs now. Every figure is the Report's."""

from __future__ import annotations

from rich.text import Text

from hfmon import format as fmt
from hfmon import phrases
from hfmon.costs.windows import WINDOWS
from hfmon.report import Report
from hfmon.repositories import LISTINGS
from hfmon.tui.details import line, section
from hfmon.tui.rows import Tones

MEMBERS_SHOWN = 12


def namespace_detail(report: Report, namespace: str, tones: Tones) -> Text:
    """One namespace: what it was billed, over which windows, against which credits and limits."""
    text = Text()
    org = next((o for o in report.orgs if o.name == namespace), None)
    plan = org.plan if org else (report.account.plan if report.account else None)
    section(text, f"Namespace {namespace}" + (f" · {plan}" if plan else ""))
    rate = report.running_in(namespace)
    line(text, "running now", fmt.money_total(rate, unit="/h"), "bold")
    spend = next((s for s in report.spend if s.namespace == namespace), None)
    section(text, "Billed this period")
    if spend is None:
        text.append("\n  unknown: the token cannot read this namespace's billing", style=tones.get("warn", ""))
    else:
        for label, value in (("Inference Providers", spend.inference_usd), ("Endpoints", spend.endpoints_usd),
                             ("Spaces", spend.spaces_usd), ("Jobs", spend.jobs_usd), ("Storage", spend.storage_usd),
                             ("Other", spend.other_usd)):
            line(text, label, fmt.money(value, missing=fmt.MISSING))
        line(text, "total", fmt.money_total(spend.total_usd), "bold")
    windows_text(text, report, namespace, tones)
    credits = next((c for c in report.credits if c.namespace == namespace), None)
    section(text, "Inference credits")
    if credits is None:
        text.append("\n  unknown (no billing access)", style=tones.get("warn", ""))
    else:
        line(text, "used", f"{fmt.money(credits.used_usd)} of {fmt.money(credits.included_usd)} included")
        line(text, "spending limit", fmt.money(credits.limit_usd, missing="none"))
        line(text, "projected this period", fmt.money(credits.projected_period_usd, missing=fmt.UNKNOWN))
        line(text, "period", f"{fmt.day(credits.period_start)} – {fmt.day(credits.period_end)}")
    groups = [g for g in report.resource_groups or () if g.namespace == namespace]
    unread = phrases.groups_unknown(report, namespace)
    if groups or unread:
        section(text, "Resource groups this month")
        if unread:
            text.append(f"\n  {unread}", style=tones.get("warn", ""))
        for g in groups:
            limits = ", ".join(f"{lim.product} {fmt.money(lim.limit_usd)} ({phrases.limit_used(lim)})"
                               for lim in g.limits or ()) or ("limits unknown (not read)" if g.limits is None
                                                              else "no limit")
            line(text, g.name, f"{fmt.money(g.total_usd, missing=fmt.MISSING)} · {limits}")
    invoice = next((i for i in report.invoices or () if i.namespace == namespace), None)
    if invoice is not None:
        section(text, "Invoice")
        line(text, "this period", fmt.invoice_text(invoice))
    repos_text(text, report, namespace, tones)
    members_text(text, report, namespace, tones)
    return text


def repos_text(text: Text, report: Report, namespace: str, tones: Tones) -> None:
    """How many repos of each type, their storage, and the most downloaded (the Storage screen lists them all)."""
    section(text, "Repositories")
    repos = report.repositories.of(namespace)
    missing = report.repositories.missing_in(namespace)
    for (source, label), kind in zip(LISTINGS.items(), ("model", "dataset", "space"), strict=True):
        if f"{source}:{namespace}" in missing:
            line(text, label, "unknown: the listing could not be read", tones.get("warn", ""))
            continue
        stored = report.repositories.stored_bytes(namespace, kind)
        line(text, label, f"{sum(r.type == kind for r in repos):,} · "
                          f"{fmt.size_total(stored) if stored.known is not None else 'size unknown'}")
    counted = [r for r in repos if r.downloads is not None]
    if counted:
        top = max(counted, key=lambda r: (r.downloads or 0, r.id))
        line(text, "most downloaded", f"{top.id} ({top.downloads:,} in 30 days)")


def members_text(text: Text, report: Report, namespace: str, tones: Tones) -> None:
    """An org's members with their roles (the first MEMBERS_SHOWN; the rest counted)."""
    org = report.repositories.members_of(namespace)
    if org is None:
        return
    section(text, "Members")
    if org.members is None:
        text.append("\n  unknown: the members listing could not be read (see Sources)", style=tones.get("warn", ""))
        return
    roles: dict[str, int] = {}
    for m in org.members:
        roles[m.role or "role not shown"] = roles.get(m.role or "role not shown", 0) + 1
    line(text, fmt.counted(len(org.members), "members"), ", ".join(f"{n} {r}" for r, n in roles.items()))
    for m in org.members[:MEMBERS_SHOWN]:
        line(text, m.user, f"{m.role or fmt.MISSING}{' · PRO' if m.is_pro else ''}  {m.fullname}")
    if len(org.members) > MEMBERS_SHOWN:
        text.append(f"\n  … {len(org.members) - MEMBERS_SHOWN} more", style=tones.get("muted", ""))


def windows_text(text: Text, report: Report, namespace: str | None, tones: Tones) -> None:
    """Spend in each window against the window before, from history (unknown where it does not reach)."""
    section(text, "Spend over time (storage not included)")
    text.append(f"\n  {'':<14}{'spend':>14}{'window before':>16}{'trend':>9}", style=tones.get("muted", ""))
    for name, _ in WINDOWS:
        whole = report.window_total(name, namespace)
        if whole is None:
            continue
        text.append(f"\n  {fmt.window_label(name):<14}{fmt.money_total(whole.spend_usd):>14}"
                    f"{fmt.money_total(whole.previous_usd):>16}{fmt.trend(whole.trend_pct):>9}")

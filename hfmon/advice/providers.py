"""Inference Providers findings from the proxy's ledger: a cheaper provider for the same model, and `:cheapest`
requests a dearer provider served. Pure.

The figures are the ledger's own (`Report.proxy.cheaper`, computed once in `hfmon.costs.ledger`): this period's
tokens through `hfmon proxy` priced at each live provider's router price today. A saving is what the period so far
would have cost less, scaled to a month (`AdvisorSettings.hours_per_month`) at the pace of the period's hours
elapsed (measured: the tokens are counted; the prices are today's). Requests hfmon cannot price leave the
saving unknown, never $0.
"""

from __future__ import annotations

from decimal import Decimal

from hfmon.advice.model import AdvisorSettings, Confidence, Finding, HowToApply
from hfmon.costs.billing_rules import seconds
from hfmon.costs.credits import MIN_PROJECTION_SPAN, TOO_EARLY
from hfmon.format import money
from hfmon.ledger import CheaperElsewhere
from hfmon.report import Report

MICRO = Decimal("0.000001")
ROUTER_API = "https://router.huggingface.co/v1"
PROVIDER_SETTINGS = "https://huggingface.co/settings/inference-providers"


def _month(so_far: Decimal, hours: Decimal, month_h: Decimal) -> Decimal:
    return (so_far * month_h / hours).quantize(MICRO)


def _pin(model: str, provider: str) -> HowToApply:
    """How to send a model's requests to one provider: hfmon shows it and changes nothing."""
    return HowToApply(
        "",  # no `hf` command sets it: it is the model id your code sends
        f"{PROVIDER_SETTINGS}: put {provider} first in your provider order (requests without a suffix follow it)",
        f"POST {ROUTER_API}/chat/completions {{\"model\": \"{model}:{provider}\", ...}} (the same suffix on "
        "embeddings)")


def _judged(report: Report) -> tuple[Decimal, list[tuple[CheaperElsewhere, str]], list[tuple[str, str]]]:
    """(hours of the period so far, each model requested through `hfmon proxy` with the namespace its requests were
    billed to, the models left out: (namespace, why)); none without a period to judge in. Several namespaces are
    joined with `+` (then no single bill holds its saving); a model with requests billed to what hfmon cannot place
    in a namespace (a resource group id of an org whose groups it did not read) is left out, saying why."""
    proxy = report.proxy
    period = proxy.window("period") if proxy is not None else None
    if proxy is None or period is None:
        return Decimal(0), [], []
    hours = seconds(period.end - period.start) / 3600
    if hours <= 0:
        return hours, [], []
    user = report.account.name if report.account is not None else "your account"
    judged: list[tuple[CheaperElsewhere, str]] = []
    left_out: list[tuple[str, str]] = []
    early = hours * 3600 < int(MIN_PROJECTION_SPAN.total_seconds())  # minutes of traffic are no month's pace
    for c in proxy.cheaper:
        if early:
            why = f"model {c.model}: provider choice not judged: {TOO_EARLY}"
            left_out.append(("+".join(c.billed_to) or user, why))
        elif c.billed_to_unknown:
            left_out += [(may_be, f"model {c.model}: provider choice not judged: whose bill part of its requests "
                                  f"are on is unknown ({why})") for may_be, why in c.billed_to_unknown]
        else:
            judged.append((c, "+".join(c.billed_to) or user))
    return hours, judged, left_out


def provider_findings(report: Report, settings: AdvisorSettings) -> tuple[
        list[Finding], list[tuple[str, str]], list[str]]:
    """(findings, not judged, the namespace of each model judged) of the models requested through `hfmon proxy`
    this period."""
    hours, models, notes = _judged(report)
    findings: list[Finding] = []
    for c, ns in models:
        found = _cheaper_provider(c, ns, hours, settings.hours_per_month, notes)
        findings += [found] if found is not None else []
        missed = _cheapest_missed(c, ns, hours, settings.hours_per_month)
        findings += [missed] if missed is not None else []
    return findings, notes, [ns for _, ns in models]


def _tokens(c: CheaperElsewhere, hours: Decimal) -> str:
    return (f"{c.prompt_tokens:,} prompt + {c.completion_tokens:,} completion tokens through hfmon proxy in the "
            f"{hours.quantize(Decimal('0.1')):f} h of this period so far")


def _cheaper_provider(c: CheaperElsewhere, ns: str, hours: Decimal, month_h: Decimal,
                      notes: list[tuple[str, str]]) -> Finding | None:
    cheapest = c.cheapest
    if cheapest is None:
        return None
    provider, there = cheapest
    paid = c.estimated_usd.value
    if paid is None:
        why = "; ".join(m.partition(":")[2] or m for m in c.estimated_usd.missing)
        notes.append((ns, f"model {c.model}: provider choice not judged: part of its cost is unknown ({why})"))
        return None
    if c.served_today_usd is None:
        notes.append((ns, f"model {c.model}: provider choice not judged: a provider that served it has no price "
                          "today to compare with"))
        return None
    saved = c.served_today_usd - there  # today's prices on both sides: a price cut where they went is no saving
    if saved.quantize(MICRO) <= 0:
        return None
    return Finding(
        "cheaper_provider", ns, f"model {c.model}", f"send its requests to {provider} (\"{c.model}:{provider}\")",
        _month(saved, hours, month_h),
        f"at this period's pace through hfmon proxy, at today's router prices; if {provider} serves it as well "
        "for you "
        "(speed, context length, errors: see the Inference screen)",
        Confidence.MEASURED,
        (_tokens(c, hours),
         f"they cost {money(paid)} where they were served ({money(c.served_today_usd)} there at today's prices), "
         f"{money(there)} at {provider}",
         "the same tokens elsewhere: " + ", ".join(f"{p} {money(v)}" for p, v in c.options or ())),
        _pin(c.model, provider), _month(paid, hours, month_h), paid)


def _cheapest_missed(c: CheaperElsewhere, ns: str, hours: Decimal, month_h: Decimal) -> Finding | None:
    if not c.cheapest_policy_misses:
        return None
    excess = c.cheapest_policy_excess_usd
    if excess is not None and excess.quantize(MICRO) <= 0:
        return None
    cheapest = c.cheapest[0] if c.cheapest else "the cheapest provider"
    saving = None if excess is None else _month(excess, hours, month_h)
    assumption = ("at this period's pace, at today's router prices (the router chose by the prices of the moment: "
                  "they may have differed)")
    if saving is None:
        assumption = "saving unknown: some of those requests are unpriced or their usage unknown; " + assumption
    return Finding(
        "cheapest_policy_miss", ns, f"model {c.model}",
        f"pin the provider (\"{c.model}:{cheapest}\", the cheapest for your tokens) instead of `:cheapest`",
        saving, assumption, Confidence.MEASURED,
        (f"{c.cheapest_policy_misses} of {c.cheapest_policy_requests} `:cheapest` requests this period were served "
         "by another provider than the one with the lowest output price today"
         + ("" if excess is None else f", {money(excess)} more than there"),),
        _pin(c.model, cheapest), so_far_usd=c.estimated_usd.value)

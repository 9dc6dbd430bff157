"""`hfmon advise --json`: the advice as one versioned JSON document. Pure; formats only.

Money is USD as numbers (micro-dollar), `null` when unknown (never 0); totals are objects as in `hfmon once --json`.
`outcome` says whether anything was found, or nothing in all or part of what was read, or nothing could be checked;
`checked` counts what the rules judged, `not_checked` names the listings not read, `not_judged` the resources read
but not judged. A finding's `price_source` is the catalog layer its figures were priced from (the least sure
of its prices), `price_as_of` a bundled table's date, `price_note` the same in words (null when live).
(Version 1 with fields added: `outcome`, `checked`, `price_source`, `price_as_of`, `price_note`.)
"""

from __future__ import annotations

from typing import Any

from hfmon.advice.model import Advice, Finding
from hfmon.advice.whatif import BillWhatIf
from hfmon.jsonout import number, total, usd, when

ADVICE_SCHEMA_VERSION = 1


def _finding(f: Finding) -> dict[str, Any]:
    return {"kind": f.kind, "namespace": f.namespace, "resource": f.resource, "change": f.change,
            "saving_usd_month": usd(f.saving_usd_month), "assumption": f.assumption,
            "confidence": f.confidence.value, "evidence": list(f.evidence),
            "apply": {"cli": f.apply.cli, "web": f.apply.web, "api": f.apply.api},
            "cost_usd_month": usd(f.cost_usd_month), "so_far_usd": usd(f.so_far_usd), "recurring": f.recurring,
            "one_off_usd": usd(f.one_off_usd),
            "price_source": f.price_source.value if f.price_source else None, "price_as_of": f.price_as_of or None,
            "price_note": f.price_note}


def _bill(b: BillWhatIf) -> dict[str, Any]:
    return {"namespace": b.namespace, "period_start": when(b.period_start), "elapsed_hours": number(b.elapsed_hours),
            "so_far_usd": usd(b.so_far_usd), "month_usd": usd(b.month_usd), "note": b.note,
            "at_least": b.at_least,
            "lines": [{"label": line.label, "saving_so_far_usd": usd(line.saving_so_far_usd),
                       "saving_month_usd": usd(line.saving_month_usd), "so_far_usd": usd(line.so_far_usd),
                       "month_usd": usd(line.month_usd), "note": line.note} for line in b.lines]}


def advice_document(advice: Advice, bills: tuple[BillWhatIf, ...]) -> dict[str, Any]:
    """The advice and the what-if bill as a JSON-ready dict."""
    return {"advice_schema_version": ADVICE_SCHEMA_VERSION, "generated_at": when(advice.generated_at),
            "hours_per_month": number(advice.hours_per_month), "outcome": advice.outcome.value,
            "total_saving_usd_month": total(advice.total_usd_month),
            "findings": [_finding(f) for f in advice.findings],
            "what_if": [_bill(b) for b in bills],
            "scheduled_next_month": [{"namespace": s.namespace, "job_id": s.job_id, "schedule": s.schedule,
                                      "month": when(s.month), "runs": s.runs, "max_usd": usd(s.max_usd),
                                      "price_source": s.price_source.value if s.price_source else None,
                                      "price_as_of": s.price_as_of or None, "price_note": s.price_note}
                                     for s in advice.scheduled],
            "scheduled_next_month_missing": list(advice.scheduled_missing),
            "pace": [{"namespace": w.namespace, "budget": w.budget, "limit_usd": usd(w.limit_usd),
                      "spent_usd": usd(w.spent_usd), "projected_usd": usd(w.projected_usd),
                      "breaks_at": when(w.breaks_at), "within_usd_per_day": usd(w.within_usd_per_day),
                      "rate_basis": w.rate_basis}
                     for w in advice.pace],
            "checked": [{"namespace": ns, "kind": kind, "count": n} for ns, kind, n in advice.checked],
            "not_checked": list(advice.unchecked),
            "not_judged": [{"namespace": ns, "note": note} for ns, note in advice.not_judged]}

"""Pure view code for the metering proxy's figures: the Inference screen's per-model table (no widgets, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from hfmon import format as fmt
from hfmon.ledger import UsageFigures
from hfmon.report import Total
from hfmon.tui.rows import Tones, num_cell
from hfmon.tui.widgets.cells import Cell, Column, Row, cell

PROXY_MODEL_COLUMNS = (
    Column("name", "Model", flex=True), Column("requests", "Requests", True), Column("errors", "Errors", True),
    Column("p50", "p50", True), Column("estimated", "Estimated", True), Column("settled", "Settled", True),
    Column("p95", "p95", True, extra=True), Column("tokens", "Tokens in/out", True, extra=True),
    Column("trend", "vs before", True, extra=True),
)


def proxy_model_rows(models: Iterable[UsageFigures], tones: Tones) -> list[Row]:
    """One row per model: requests, error share, latency, estimated and settled cost (partial ones say so)."""
    out: list[Row] = []
    for m in models:
        settled = _settled(m)
        error_style = tones.get("bad", "") if m.errors else ""
        out.append((m.name, (
            cell(m.name), _requests_cell(m, tones),
            cell(fmt.percent(m.error_pct), m.error_pct, right=True, style=error_style),
            num_cell(fmt.latency(m.p50_latency_s), m.p50_latency_s),
            cell(money_or_unpriced(m.estimated_usd), m.estimated_usd.known, right=True,
                 style="" if m.estimated_usd.complete else tones.get("warn", "")),
            cell(settled, m.settled_usd.known, right=True,
                 style="" if m.settled_usd.complete else tones.get("muted", "")),
            num_cell(fmt.latency(m.p95_latency_s), m.p95_latency_s),
            _tokens_cell(m),
            num_cell(_signed(fmt.percent(m.estimated_trend_pct)), m.estimated_trend_pct),
        )))
    return out


def _requests_cell(m: UsageFigures, tones: Tones) -> Cell:
    """Requests: `1,204`, or `1,204–1,210` while some requests' namespace is unknown (they may be in the scope),
    `1,204+` while the ledger lost requests of an unknown model and provider in the window."""
    if m.requests_lost:
        return cell(f"{m.requests:,}+", m.requests, right=True, style=tones.get("warn", ""))
    if not m.requests_owner_unknown:
        return num_cell(f"{m.requests:,}", m.requests)
    return cell(f"{m.requests:,}–{m.requests + m.requests_owner_unknown:,}", m.requests, right=True,
                style=tones.get("warn", ""))


def _tokens_cell(m: UsageFigures) -> Cell:
    """Tokens in/out: `—` where none is known, `N+` where some requests' usage is unknown (never 0 for unknown)."""
    known = m.prompt_tokens + m.completion_tokens
    text = "/".join(fmt.token_count(n, m.tokens_unknown) for n in (m.prompt_tokens, m.completion_tokens))
    return num_cell(text, None if m.tokens_unknown and not known else known)


def _settled(m: UsageFigures) -> str:
    """What HF settled; nothing settled yet reads `pending` (or `unknown`), never `at least $0.00`."""
    total = m.settled_usd
    if total.complete or total.known:
        return fmt.money_total(total, fine=True)
    waiting = all(name.startswith("pending:") for name in total.missing)
    return "pending" if waiting and m.requests > m.errors else fmt.UNKNOWN


def _signed(text: str) -> str:
    return text if text.startswith(("-", fmt.MISSING)) or text == "0%" else "+" + text


def money_or_unpriced(usd: Total[Decimal]) -> str:
    """A cost to the fraction of a cent, or `unpriced` when nothing is known because no price is."""
    if usd.known is None and usd.missing and all(x.startswith("unpriced:") for x in usd.missing):
        return fmt.UNPRICED
    return fmt.money_total(usd, fine=True)

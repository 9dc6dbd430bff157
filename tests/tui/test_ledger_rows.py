"""The Inference screen's charts over time, as view code: which series are drawn (never an unpriced one as $0),
their values, the axis labels, and a legend that names what is not drawn."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from hfmon.ledger import UsageFigures, UsageSeries, UsageWindow
from hfmon.provider_spend import ProviderSpendWindow, SpendSeries
from hfmon.report import Total
from hfmon.tui.ledger_rows import proxy_model_rows
from hfmon.tui.over_time import TOP_LINES, model_lines, provider_lines, spend_legend, spend_plot
from hfmon.tui.widgets.series_chart import nice_ticks, segments, tick_label

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
UNPRICED = Total(None, ("unpriced:m/free via p",))


def figures(name: str, usd: Total[D], requests: int) -> UsageFigures:
    return UsageFigures(name, requests, 0, D(0), 0.5, 0.9, 10, 20, usd, Total(None, ("pending:x",)))


def hour_window(models: list[tuple[str, tuple[Total[D], ...], int]]) -> UsageWindow:
    series = tuple(UsageSeries(name, (requests,) + (0,) * 11, steps) for name, steps, requests in models)
    totals = tuple(figures(name, UNPRICED if UNPRICED in steps else Total.sum(steps, D(0)), requests)
                   for name, steps, requests in models)  # as the ledger adds up: nothing priced is unknown
    return UsageWindow("1h", NOW - timedelta(hours=1), NOW, totals, (), timedelta(minutes=5), series)


def test_priced_models_are_drawn_with_their_spend_per_step_and_an_unpriced_one_is_named_not_drawn() -> None:
    cheap = (Total(D("0.0004")),) + (Total(D(0)),) * 10 + (Total(D("0.0002")),)
    window = hour_window([("m/a", cheap, 3), ("m/free", (UNPRICED,) + (Total(D(0)),) * 11, 2)])
    plot = spend_plot(window.step_starts, timedelta(minutes=5), model_lines(window))
    assert plot.lines == (("m/a", (0.0004,) + (0.0,) * 10 + (0.0002,)),)
    assert plot.y_ticks[0] == 0 and 0.0004 <= plot.y_ticks[-1] < 0.0008 and len(plot.y_ticks) <= 5
    assert plot.x_labels[0] == (0, "14:00") and all(label.endswith("0") or label.endswith("5")
                                                     for _, label in plot.x_labels)
    legend = spend_legend(plot, model_lines(window), ["#ff0000"], {}, "none").plain
    assert "m/a $0.000600 · 3 requests" in legend and "not drawn, no price: m/free" in legend


def test_at_most_five_lines_and_the_legend_says_how_many_more() -> None:
    models = [(f"m/{i}", (Total(D(10 - i)),) + (Total(D(0)),) * 11, 1) for i in range(7)]
    window = hour_window(models)
    plot = spend_plot(window.step_starts, timedelta(minutes=5), model_lines(window))
    assert [name for name, _ in plot.lines] == [f"m/{i}" for i in range(TOP_LINES)]
    assert "2 more in the table" in spend_legend(plot, model_lines(window), [], {}, "none").plain


def test_a_partial_step_draws_its_known_part_and_the_legend_marks_the_total_partial() -> None:
    partial = Total(D("1.5"), ("unknown:requests without usage",))
    window = hour_window([("m/a", (partial,) + (Total(D(0)),) * 11, 4)])
    plot = spend_plot(window.step_starts, timedelta(minutes=5), model_lines(window))
    assert plot.lines[0][1][0] == 1.5
    assert "at least $1.50" in spend_legend(plot, model_lines(window), [], {}, "none").plain


def test_ticks_and_labels_reach_below_a_cent() -> None:
    assert nice_ticks(0.00042) == (0.0, 0.0002, 0.0004, 0.0006)  # 1 x 10^-4 would take 5 steps: 2 x 10^-4
    assert nice_ticks(3.2) == (0.0, 1.0, 2.0, 3.0, 4.0)
    assert [tick_label(v, True) for v in (0, 0.0005, 0.05, 2.5, 1500)] == ["$0", "$0.0005", "$0.05", "$2.50",
                                                                           "$1.5k"]
    assert tick_label(12, False) == "12" and tick_label(2500, False) == "2.5k"
    assert replace(hour_window([]), step=None).step_starts == ()


def test_billed_spend_with_no_history_at_first_is_a_gap_and_a_provider_never_known_is_named() -> None:
    unknown = Total(None, ("unknown:no history from the step's start for alice",))
    steps = (unknown, unknown, Total(D("0.5")), Total(D("0.25")))
    billed = ProviderSpendWindow("24h", NOW - timedelta(hours=4), NOW, timedelta(hours=1), (
        SpendSeries("together", steps, Total(D("0.75"), unknown.missing)),
        SpendSeries("groq", (unknown,) * 4, Total(None, unknown.missing))))
    lines = provider_lines(billed)
    plot = spend_plot(billed.step_starts, billed.step, lines)
    assert plot.lines == (("together", (None, None, 0.5, 0.25)),)
    assert segments(plot.lines[0][1]) == [([2.0, 3.0], [0.5, 0.25])]
    legend = spend_legend(plot, lines, [], {}, "none").plain
    assert "together at least $0.75" in legend and "not drawn, unknown: groq" in legend
    assert "requests" not in legend  # billing gives no requests per step here
    empty = ProviderSpendWindow("1h", NOW - timedelta(hours=1), NOW, timedelta(minutes=5), ())
    assert spend_legend(spend_plot(empty.step_starts, empty.step, []), [], [], {}, "nothing").plain == "nothing"


def _settled_cell(settled: Total[D], requests: int = 3, errors: int = 0) -> str:
    from hfmon.tui.ledger_rows import proxy_model_rows

    m = UsageFigures("m/a", requests, errors, D(0), 0.5, 0.9, 10, 20, Total(D("0.0006")), settled)
    [(_, cells)] = proxy_model_rows([m], {})
    return cells[5].plain  # the Settled column


def test_a_settled_cost_nothing_of_which_is_known_reads_pending_or_unknown_never_at_least_zero() -> None:
    assert _settled_cell(Total(D(0), ("pending:sessions not settled yet",))) == "pending"
    assert _settled_cell(Total(None, ("pending:sessions not settled yet",))) == "pending"
    assert _settled_cell(Total(D(0), ("unknown:sessions shared with other requests",))) == "unknown"
    assert _settled_cell(Total(None, ("pending:x",)), requests=2, errors=2) == "unknown"  # only errors: none to settle
    assert _settled_cell(Total(D("0.0003"), ("pending:sessions not settled yet",))) == "at least $0.000300"
    assert _settled_cell(Total(D("0.0006"))) == "$0.000600"
    assert _settled_cell(Total(D(0))) == "$0.00"  # settled, and truly nothing


def test_the_tokens_cell_shows_unknown_counts_as_unknown_never_zero() -> None:
    from hfmon.tui.ledger_rows import proxy_model_rows
    from hfmon.tui.rows import num_cell

    def tokens(prompt: int, completion: int, unknown: int) -> object:
        m = UsageFigures("m/a", 2, 1, D(50), 0.5, 0.9, prompt, completion, Total(None, ("unknown:x",)),
                         Total(None, ("pending:x",)), tokens_unknown=unknown)
        [(_, cells)] = proxy_model_rows([m], {})
        return cells[7]  # the Tokens in/out column

    assert tokens(0, 0, 1) == num_cell("—/—", None)  # a stream the router broke off: unknown tokens, not 0/0
    assert tokens(1000, 2000, 1) == num_cell("1,000+/2,000+", 3000)  # sorted by what is known
    assert tokens(1000, 2000, 0) == num_cell("1,000/2,000", 3000)


def test_a_models_requests_read_as_a_range_while_some_namespace_is_unknown() -> None:
    known = figures("m/a", Total(D("0.0004")), 3)
    unsure = replace(figures("m/b", Total(None, ("unknown:requests billed to g",)), 2), requests_owner_unknown=1)
    [(_, a_cells), (_, b_cells)] = proxy_model_rows([known, unsure], {"warn": "yellow"})
    assert a_cells[1].plain == "3"
    assert (b_cells[1].plain, b_cells[1].style) == ("2–3", "yellow")  # 2 its, 1 that may be: never just "2"

"""HfmonApp: polls a ReportSource without overlap and renders each Report; no HTTP and no pricing here."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane, Tabs
from textual.worker import Worker, WorkerState

from hfmon import format as fmt
from hfmon.errors import AuthError, NoTokenError
from hfmon.report import Health, Report
from hfmon.tui import bindings, commands, status
from hfmon.tui.heap import LongLived, pause_collection
from hfmon.tui.literal import literal
from hfmon.tui.messages import PollFailed, ReportReady
from hfmon.tui.prepared import off_the_loop
from hfmon.tui.scope import ViewScope
from hfmon.tui.screens.advisor import AdvisorView
from hfmon.tui.screens.alerts import AlertsScreen, announce
from hfmon.tui.screens.base import View
from hfmon.tui.screens.compute import ComputeView
from hfmon.tui.screens.crosscheck import CrossCheckView
from hfmon.tui.screens.detail import DetailScreen, detail_for
from hfmon.tui.screens.endpoints import EndpointsView
from hfmon.tui.screens.help import HelpScreen
from hfmon.tui.screens.inference import InferenceView
from hfmon.tui.screens.overview import OverviewView
from hfmon.tui.screens.storage import StorageView
from hfmon.tui.state import ViewState
from hfmon.tui.themes import THEMES, tones
from hfmon.tui.widgets.cells import PINNED_KEYS
from hfmon.tui.widgets.footer import ScreenFooter
from hfmon.tui.widgets.table import KeyedTable

if TYPE_CHECKING:
    from hfmon.monitor import ReportSource

VIEWS: dict[str, type[View]] = {
    "overview": OverviewView, "inference": InferenceView, "endpoints": EndpointsView,
    "compute": ComputeView, "storage": StorageView, "crosscheck": CrossCheckView, "advisor": AdvisorView,
}
OBSERVED_POINTS = 500  # per namespace; bounds memory over a day of polling
log = logging.getLogger("hfmon.tui")  # reaches a file only when hfmon.logfile set one up


class HfmonApp(ViewScope):
    """The live dashboard. Data arrives only through `ReportSource.poll()`; times only from `source.now()`."""

    CSS_PATH = Path(__file__).with_name("hfmon.tcss")  # absolute, so subclasses elsewhere find it
    TITLE = "hfmon"
    BINDINGS: ClassVar[list[BindingType]] = [*bindings.BINDINGS]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide"), (160, "-xwide")]

    def __init__(self, source: ReportSource, *, interval_s: float = 60.0, demo: bool = False,
                 namespaces: Sequence[str] | None = None, theme: str | None = None,
                 tick_s: float = 1.0, monotonic: Callable[[], float] = time.monotonic, data_speed: float = 1.0) -> None:
        super().__init__()
        self.monotonic = monotonic  # the clock rate-limit waits are measured on (tests pass their own)
        self.source = source
        self.interval_s = interval_s
        self.data_speed = data_speed  # data-time seconds per real second: the demo's clock runs fast
        self.demo = demo
        self.allowed_namespaces = tuple(namespaces or ())
        self.tick_s = tick_s
        self.report: Report | None = None
        self.paused = False
        self.polling = False
        self.polls_done = 0
        self.last_error: BaseException | None = None
        self.notes: tuple[str, ...] = ()  # the source's warnings seen so far
        self._timer: Timer | None = None
        self.armed_s: float | None = None  # the delay the next poll was armed with (None: none is armed)
        self._limit_until: float | None = None  # monotonic time a rate-limit wait ends, while one is armed
        self._filtering: KeyedTable | None = None  # the table the filter box applies to
        self._detail: DetailScreen | None = None  # built at the first Enter on a row, then opened again
        self._ticks = 0
        self.long_lived = LongLived()  # frozen after the first Report is painted
        self._observed: dict[str, deque[tuple[datetime, Decimal]]] = {}
        for th in THEMES:
            self.register_theme(th)
        self.theme = theme or "hfmon-dark"

    # --- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield Static(id="banner")
        with TabbedContent(initial="tab-overview", id="tabs"):
            for i, (sid, title) in enumerate(bindings.SCREENS, start=1):
                with TabPane(f"{i} {title}", id=f"tab-{sid}"):
                    yield VIEWS[sid](id=f"view-{sid}")
        yield Input(placeholder="filter rows (Enter keeps it, Esc clears it)", id="filter", disabled=True)
        yield Static(id="statusbar")
        yield ScreenFooter()

    def on_mount(self) -> None:
        self.screen.add_class("-loading")
        self.theme_changed_signal.subscribe(self, lambda _theme: self.render_report(force=True))
        self._update_bars()
        self.set_interval(self.tick_s, self._tick)
        self.start_poll()

    def view(self, sid: str) -> View:
        """The view of one screen id."""
        return self.query_one(f"#view-{sid}", View)

    @property
    def active_screen_id(self) -> str:
        """The id of the screen on show."""
        return (self.query_one("#tabs", TabbedContent).active or "tab-overview").removeprefix("tab-")

    # --- polling ----------------------------------------------------------------------------------

    def start_poll(self) -> None:
        """Poll now (cancelling the armed timer); polls never overlap."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
            self.armed_s = None
        self._limit_until = None
        self.polling = True
        self._update_bars()
        self.poll()

    @work(exclusive=True, exit_on_error=False, group="poll")
    async def poll(self) -> None:
        """Ask the source for a Report and post it (or the failure), with the rows of the screen on show built
        in a thread, so that applying the Report holds up the event loop (keys, scrolling) as little as it can."""
        try:
            report = await self.source.poll()
        except Exception as exc:  # shown to the user, never fatal: the loop goes on
            self.post_message(PollFailed(exc))
            return
        state = self.view_state(report)
        prepared = None if state is None else await off_the_loop(self.view(self.active_screen_id).prepare, state)
        self.post_message(ReportReady(report, prepared))

    def _arm(self, delay_s: float | None = None) -> None:
        """Arm the next poll; a delay longer than the interval is a rate-limit wait, remembered so that
        changing the interval or resuming cannot cut it short."""
        if self._timer is not None:
            self._timer.stop()
        delay = delay_s or self.interval_s
        self._limit_until = self.monotonic() + delay if delay > self.interval_s else None
        self._timer = None if self.paused else self.set_timer(delay, self.start_poll)
        self.armed_s = None if self.paused else delay

    def rate_limit_left(self) -> float | None:
        """Seconds left of an armed rate-limit wait (None: the next poll follows the plain interval)."""
        if self._limit_until is None:
            return None
        left = self._limit_until - self.monotonic()
        return left if left > 0 else None

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "poll" and event.state is WorkerState.CANCELLED and self.polling:
            self.polling = False
            self._arm()

    def on_report_ready(self, message: ReportReady) -> None:
        """Render the new Report, tell about sources that changed, and arm the next poll."""
        previous, report = self.report, message.report
        self.report = report
        self.polls_done += 1
        self.last_error = None
        for c in report.credits:
            points = self._observed.setdefault(c.namespace, deque(maxlen=OBSERVED_POINTS))
            points.append((report.generated_at, c.used_usd))
        fresh_warnings = self.source.warnings[len(self.notes):]
        self.notes = tuple(self.source.warnings)
        if self.screen.has_class("-loading"):  # removing a class restyles the whole DOM (~100 ms), even if absent
            self.screen.remove_class("-loading")
        self.polling = False
        rejected = report.rejected_by
        if report.health is Health.TOKEN_REJECTED and rejected is not None:
            self._stop_for_token(rejected.error or "401 Unauthorized", rejected.hint)
        if message.prepared is not None:
            self.query_one(f"#{message.prepared.view}", View).prepared = message.prepared
        self.render_report()
        if isinstance(self.screen, DetailScreen):
            self.screen.show(report, tones(self.theme_variables))
        if previous is None and self.focused is None:
            self.view(self.active_screen_id).focus_main()
        if previous is None:
            self.call_after_refresh(self.long_lived.freeze)
        self._arm(self.source.next_delay(self.interval_s))  # waits out a rate-limit window the poll used up
        self._update_bars()  # at once: the bar must not say "live" while a rate-limit wait is armed
        # the toasts last: whatever they carry, the report above is already on screen
        for note in status.source_changes(previous, report):
            self.notify(note.message, title=note.title, severity=note.severity, timeout=note.timeout)
        announce(self, self.source.alert_events)  # each alert once (across every hfmon on this history file)
        for warning in fresh_warnings:  # each once as a toast; the Overview keeps them
            self.notify(warning, title="hfmon", severity="warning", timeout=12)

    def on_unmount(self) -> None:
        """Hand the frozen heap back to the garbage collector."""
        self.long_lived.thaw()

    def on_poll_failed(self, message: PollFailed) -> None:
        """Show the failure; a rejected or missing token stops polling until `r`."""
        err = message.error
        self.polling = False
        self.last_error = err
        title, text, hint = status.describe(err)
        log.warning("poll failed: %s: %s%s", title, text, f" ({hint})" if hint else "")
        self.notify(text + (f"\n{hint}" if hint else ""), title=title, severity="error", timeout=12)
        if isinstance(err, AuthError | NoTokenError):
            self.paused = True
        if self.report is None:
            note = f"First poll failed. {title}: {text}" + (f"\n{hint}" if hint else "") + "\nPress r to retry."
            for widget in self.query(".loading-note").results(Static):
                widget.update(literal(note))
        self._update_bars()
        self._arm()

    def _stop_for_token(self, error: str, hint: str | None) -> None:
        """A rejected token: stop polling (every poll would fail the same way) until the user presses r."""
        self.paused = True
        self.last_error = AuthError(error, hint or "Check the token (hf auth login, or HF_TOKEN); r retries.",
                                    status=401)
        self.notify(f"{error}\n{hint or ''}\nPolling stopped; press r to retry.".strip(), title=AuthError.title,
                    severity="error", timeout=15)

    # --- rendering --------------------------------------------------------------------------------

    def view_state(self, report: Report | None = None) -> ViewState | None:
        """What the views render now (with `report`: what they will render once it arrives)."""
        report = report or self.report
        if report is None:
            return None
        return ViewState(report, self.namespace, self.source.now(), tones(self.theme_variables),
                         {ns: tuple(p) for ns, p in self._observed.items()}, self.notes, self.window)

    def render_report(self, force: bool = False) -> None:
        """Render the active view (others render when shown)."""
        state = self.view_state()
        self._update_bars()
        if state is None:
            return
        view = self.view(self.active_screen_id)
        if force:
            view.state = None
        view.show(state)

    def _update_bars(self) -> None:
        now = self.source.now()
        self.query_one("#topbar", Static).update(status.topbar(self.report, self.namespace, self.demo,
                                                              self.theme_variables, self.window))
        banner = self.query_one("#banner", Static)
        text = status.banner(self.report)
        banner.display = text is not None
        banner.update(text or "")
        self.query_one("#statusbar", Static).update(status.statusbar(
            self.report, now, interval_s=self.interval_s, paused=self.paused, polling=self.polling,
            error=self.last_error, rate_limit_s=self.rate_limit_left(), notes=len(self.notes),
            data_speed=self.data_speed, width=self.size.width))

    def _tick(self) -> None:
        self._ticks += 1
        self._update_bars()
        if self._ticks % 15 == 0:
            self.render_report()

    @on(DataTable.RowSelected)
    def _open_detail(self, event: DataTable.RowSelected) -> None:
        """Enter (or a click) on a row opens its detail; Esc comes back to the same row."""
        table, key = event.data_table, event.row_key.value
        if self.report is None or not isinstance(table, KeyedTable) or key is None or key in PINNED_KEYS:
            return
        pause_collection(self.call_after_refresh)
        if self._detail is None:
            self._detail = DetailScreen()
            self.install_screen(self._detail, "detail")  # kept when closed, to open again without composing
        self._detail.open(detail_for(table, key, self.report), self.report, tones(self.theme_variables))
        self.push_screen(self._detail)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.render_report()
        if isinstance(self.focused, Tabs):  # a click on a tab: the keys go to the screen, not the tab bar
            self.view(self.active_screen_id).focus_main()

    # --- actions ----------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Poll now (once, if polling is paused)."""
        if self.polling:
            self.notify("A poll is already running.", timeout=3)
            return
        if isinstance(self.last_error, AuthError | NoTokenError):
            self.paused = False  # retrying after a token problem resumes polling; a manual pause stays
        self.start_poll()

    def action_toggle_pause(self) -> None:
        """Pause or resume polling."""
        self.paused = not self.paused
        if self.paused:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
                self.armed_s = None
            self.notify("Polling paused; r polls once, p resumes.", timeout=4)
            self._update_bars()
        else:
            left = self.rate_limit_left()
            self.notify("Polling resumed." + (f" Next poll in {fmt.duration(left)} (rate limit)." if left else ""),
                        timeout=3)
            if left:
                self._arm(left)
                self._update_bars()  # the bar said "paused": say "waiting" at once, not at the next tick
            elif not self.polling:
                self.start_poll()

    def action_show_screen(self, sid: str) -> None:
        """Switch to a screen by id."""
        self.query_one("#tabs", TabbedContent).active = f"tab-{sid}"
        self.view(sid).focus_main()

    def action_help(self) -> None:
        """Show the keys."""
        self.push_screen(HelpScreen())

    def action_alerts(self) -> None:
        """Show the alert history."""
        configured = self.report is not None and self.source.alerts_configured
        self.push_screen(AlertsScreen(self.source.alert_history(), configured))

    def set_interval_s(self, seconds: float) -> None:
        """Change the gap between polls (takes effect now)."""
        self.interval_s = seconds
        left = self.rate_limit_left()
        if self._timer is not None:
            self._arm(max(seconds, left or 0))
        note = (f" The next poll waits {status.data_time(left, self.data_speed)} for the rate limit."
                if left and left > seconds else "")
        self.notify(f"Polling {status.every(seconds, self.data_speed)}.{note}", timeout=4)
        self._update_bars()

    def action_next_interval(self) -> None:
        """Cycle through the interval presets."""
        presets = bindings.INTERVALS_S
        later = [s for s in presets if s > self.interval_s]
        self.set_interval_s(later[0] if later else presets[0])

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands, then every hfmon action."""
        yield from super().get_system_commands(screen)
        yield from commands.system_commands(self)

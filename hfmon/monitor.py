"""The one data path every front end uses: collect a Snapshot, record it in history, evaluate a Report."""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from hfmon.api.token import profile_token
from hfmon.clock import Clock, iso
from hfmon.collect import Collector, make_collector
from hfmon.config import Config, Profile, load_config
from hfmon.costs import evaluate, history_since
from hfmon.costs.credits import user_period
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.costs.ledger import ledger_since
from hfmon.costs.provider_time import provider_times
from hfmon.errors import ConfigError, HfmonError
from hfmon.history import History
from hfmon.modelinfo import ModelWeights
from hfmon.models import Snapshot, SourceStatus
from hfmon.poll_timing import next_poll_delay
from hfmon.pricing.catalog import build_catalog
from hfmon.report import Report

if TYPE_CHECKING:  # imported when history is on: --no-history skips SQLite
    from hfmon.store import HistoryStore

if TYPE_CHECKING:
    from hfmon.alerts.engine import AlertEvent, AlertState, Pending

log = logging.getLogger("hfmon.monitor")
log.addHandler(logging.NullHandler())  # lines reach a file only when `hfmon.logfile` set one up


class ReportSource(Protocol):
    """What a front end polls: each call gathers fresh data and returns a new Report."""

    warnings: list[str]
    """What the user should know about how hfmon runs (history off, a source skipped), oldest first."""

    async def poll(self) -> Report:
        """Run one poll and evaluate it; never raises for a failing source (errors are in the Report)."""
        ...

    def now(self) -> datetime:
        """The current time of the data source (scenario time under --demo)."""
        ...

    @property
    def alert_events(self) -> list[AlertEvent]:
        """The alerts the latest poll fired or reset (each once across every hfmon process)."""
        ...

    @property
    def alerts_configured(self) -> bool:
        """Some alert rule is set in the config file."""
        ...

    def alert_history(self, limit: int = 100) -> list[AlertEvent]:
        """The latest alert events, newest first."""
        ...

    def next_delay(self, base_s: float) -> float:
        """Seconds to wait before the next poll: `base_s`, or longer when the rate limit would not last a poll."""
        ...


class Monitor:
    """Collect → store → evaluate, keeping the previous snapshot so failing sources stay visible as stale."""

    def __init__(self, collector: Collector, clock: Clock, config: Config, store: HistoryStore | None,
                 profile: str | None = None) -> None:
        self.collector = collector
        self.clock = clock
        self.config = config
        self._store = store
        self._opening: StoreOpening | None = None  # the store being opened in a thread, until it is first asked for
        self.snapshot: Snapshot | None = None
        self.warnings: list[str] = []
        self.scratch: tempfile.TemporaryDirectory[str] | None = None  # the demo's throwaway history
        # The caller shows the Report's figures only (`hfmon once`): history is read as `history.Figures` (recent
        # rows, older history summed in SQL), and the advisor, which reads the rows of its window, does not run.
        self.figures_only = False
        self._warnings_logged = 0
        self._source_states: dict[str, tuple[SourceStatus, str | None]] = {}
        self._alert_events: list[AlertEvent] = []  # what the latest poll fired or reset
        self._alert_state: AlertState | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._to_deliver: list[Pending] = []  # events this poll took to deliver (`AlertState.take_undelivered`)
        self.profile = profile  # the config profile watched: its alerts are its own (None: no profile named)
        self._owner: str | None = None  # the account whoami last named: without a profile, the alerts are its own
        collector.period_in_history = self._period_in_history

    def _period_in_history(self, namespace: str, at: datetime) -> datetime | None:
        """The period start history's last usage point of `namespace` at or before `at` names (None: history is off
        or unreadable, or holds none): what usage-v2 naming no period counts over when the live stream is unread."""
        store = self.store
        if store is None:
            return None
        try:
            return store.period_start_at(namespace, at)
        except HfmonError as exc:
            self._warn(f"history not read: {exc}")
            return None

    @property
    def store(self) -> HistoryStore | None:
        """The history store (None: running without history); waits for one being opened in the background."""
        opening, self._opening = self._opening, None
        if opening is not None:
            self._store, failure = opening.result()
            if failure is not None:
                self.warnings.append(f"running without history: {failure}")
        return self._store

    @store.setter
    def store(self, store: HistoryStore | None) -> None:
        self._opening = None
        self._store = store

    def open_store_in_background(self, path: Path | None) -> None:
        """Open the history store in a thread (a one-shot command: its poll then waits on the network meanwhile);
        `store` waits for it when first asked."""
        self._opening = StoreOpening(path, self.config.retention_days)

    def now(self) -> datetime:
        """The data source's current time."""
        return self.clock.now()

    def next_delay(self, base_s: float) -> float:
        """`base_s`, or until the rate-limit window resets when the last poll left too few requests for another."""
        delay = base_s if self.snapshot is None else next_poll_delay(self.snapshot, base_s)
        if delay > base_s:
            log.warning("waiting for the rate limit: next poll in %.0f s (at %s, data time)", delay,
                        iso(self.clock.now() + timedelta(seconds=delay)))
        return delay

    async def poll(self) -> Report:
        """One poll: every source concurrently, then history and the Report off the event loop."""
        # the model sizes feed the advisor only: a figures-only command does not ask for them
        snapshot = await self.collector.poll(self.snapshot, model_sizes=not self.figures_only)
        self.snapshot = snapshot
        # SQLite and evaluate over a long history take a few hundred ms: keep the UI's loop free meanwhile.
        # at the poll's one moment: the periods of its figures were judged at it (`source_results.judged_at`)
        report = await asyncio.to_thread(self._evaluate, snapshot, snapshot.taken_at)
        self._log(report)
        if self._to_deliver:
            # in the background: a slow hook or webhook never delays the numbers (aclose waits for it)
            task = asyncio.create_task(self._deliver(self._to_deliver))
            self._to_deliver = []
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
        return report

    async def _deliver(self, items: list[Pending]) -> None:
        """Send each event taken to the targets it has still to reach, and record what that left (sent again with a
        later poll's deliveries, of this process or another: the alert state keeps it)."""
        from hfmon.alerts.deliver import Undelivered, deliver_each
        from hfmon.alerts.engine import HOOK, WEBHOOK

        state = self._alert_state
        for item in items:
            failures, left = await deliver_each([Undelivered(item.event, bool(item.targets & HOOK),
                                                             bool(item.targets & WEBHOOK))], self.config.alerts)
            still = sum((HOOK if u.hook else 0) | (WEBHOOK if u.webhook else 0) for u in left)
            if state is not None:
                try:
                    await asyncio.to_thread(state.delivered, item, still)
                except HfmonError as exc:  # kept for the lease: the next poll past it sends it again
                    failures.append(f"alert delivery not recorded: {exc}")
            for failure in failures:
                self._warn(failure)
                log.warning("%s", failure)

    async def wait_deliveries(self) -> None:
        """Wait for the alert deliveries under way (each bounded by its timeout)."""
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)

    def alert_history(self, limit: int = 100) -> list[AlertEvent]:
        """The latest alert events (from the history database when there is one), newest first."""
        if self._alert_state is None:
            return []
        try:
            return self._alert_state.history(limit)
        except HfmonError as exc:
            self.warnings.append(f"alert history not read: {exc}")
            return []

    def _warn(self, warning: str) -> None:
        """Add a warning for the front ends, once (the same cause on every poll is said once)."""
        if warning not in self.warnings:
            self.warnings.append(warning)

    def _log(self, report: Report) -> None:
        """Log new warnings, and each source whose status or error changed (what the screen toasts once)."""
        for warning in self.warnings[self._warnings_logged:]:
            log.warning("%s", warning)
        self._warnings_logged = len(self.warnings)
        for source in report.sources:
            state = (source.status, source.error)
            before = self._source_states.get(source.name)
            if state != before:
                if source.status is not SourceStatus.OK:
                    log.warning("source %s: %s%s%s", source.name, source.status.value.replace("_", " "),
                                f": {source.error}" if source.error else "",
                                f" ({source.hint})" if source.hint else "")
                elif before is not None:
                    log.info("source %s: back to ok", source.name)
            self._source_states[source.name] = state

    def _evaluate(self, snapshot: Snapshot, now: datetime) -> Report:
        history = History()
        if self.store is not None:
            try:
                from hfmon.store.ledger import with_ledger  # with the store: --no-history skips SQLite
                from hfmon.store.zero_gpu_points import with_overage_runs

                # the spend windows' state times summed in SQL: evaluate then need not span 30 days per resource
                since = history_since(snapshot, now)
                # written and read back with one page cache (what the Report reads: with `figures_only`, recent
                # rows and sums for the rest of the period)
                loaded = self.store.record_and_load(
                    snapshot, since, history_windows(snapshot, now, hourly=not self.figures_only), now,
                    figures=history_figures(snapshot, now) if self.figures_only else None)
                period_start = user_period(snapshot, now).start
                # the spend per provider over time is charted by the dashboard only: a figures-only caller skips it
                history = with_ledger(self.store, loaded, ledger_since(period_start, now),
                                      () if self.figures_only else provider_times(now, period_start))
                history = with_overage_runs(self.store, history, since)  # ZeroGPU overage totals polls read
            except HfmonError as exc:  # history is an extra: the live numbers still show without it
                # this poll only (a full disk or a lock held past the timeout passes): the store, and the alert
                # state in it, stay, so the next poll writes history again and nothing firing fires twice
                self._warn(f"history not saved: {exc}")
        catalog = build_catalog(snapshot, self.config.prices)
        report = evaluate(snapshot, history, self.config, now, catalog=catalog)
        if not self.figures_only:
            from hfmon.advice import advise  # `hfmon once` prints figures only: it never loads the advisor

            report = replace(report, advice=advise(report, history, catalog, self.config.advisor,
                                                   models=served_models(snapshot)))
        self._alert_events = self._alerts(report)
        return report

    @property
    def alert_events(self) -> list[AlertEvent]:
        """The alerts the latest poll fired or reset (each once across every hfmon process)."""
        return self._alert_events

    @property
    def alerts_configured(self) -> bool:
        """Some alert rule is set in the config file."""
        return self.config.alerts.any_rule

    def _alerts(self, report: Report) -> list[AlertEvent]:
        """Fire and reset alerts on this Report, in the history database (shared with other processes) or, without
        one, in this process's memory. Logged as they fire."""
        if not self.config.alerts.any_rule:
            return []
        from hfmon.alerts.engine import MemoryAlertState, evaluate_alerts, evaluate_unowned, state_scope, targets

        if self._alert_state is None or (self.store is None and not isinstance(self._alert_state, MemoryAlertState)):
            if self.store is not None:
                from hfmon.store.alert_state import SqliteAlertState

                self._alert_state = SqliteAlertState(self.store)
            else:
                self._alert_state = MemoryAlertState()
        try:
            if report.account is not None:  # whoami's last answer: a poll where it failed is still that account's
                self._owner = report.account.name
            if state_scope(self.profile, self._owner) is None:  # whose alerts: unknown, so neither fire nor reset
                # (a new process's first whoami failing re-fired, and re-delivered, every alert already firing);
                # whoami failing itself needs no owner, and what earlier polls owe is delivered all the same
                events, why = evaluate_unowned(report, self.config.alerts, self._alert_state)
                self._warn(why)
            else:
                events = evaluate_alerts(report, self.config.alerts, self._alert_state, self.profile, self._owner)
            # this poll's events, and those earlier polls (of any process on the file) could not deliver
            self._to_deliver = self._alert_state.take_undelivered(report.generated_at) if targets(
                self.config.alerts) else []
        except HfmonError as exc:
            self.warnings.append(f"alerts not evaluated: {exc}")
            return []
        from hfmon.alerts.rules import namespaces_not_checked

        for warning in namespaces_not_checked(report, self.config.alerts):
            self._warn(warning)
        for event in events:
            log.warning("%s: %s", event.title, event.message)
        return events

    async def aclose(self) -> None:
        """Wait for alert deliveries (each bounded by its timeout), close the HTTP client (inside the loop that
        used it) and the history file."""
        await self.wait_deliveries()
        await self.collector.aclose()
        self.close()

    def close(self) -> None:
        """Release the history file; committed history is already safe on disk."""
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.scratch is not None:
            self.scratch.cleanup()
            self.scratch = None


class StoreOpening:
    """`HistoryStore.open` running in a thread: SQLite does its work without the GIL, and the store's modules are
    imported there too, while the caller's poll waits on the network (`hfmon once` at 1,000 resources: ~40 ms of
    imports and ~30 ms of opening and pruning a month of history off its path)."""

    def __init__(self, path: Path | None, retention_days: int) -> None:
        self._path = path
        self._retention_days = retention_days
        self._store: HistoryStore | None = None
        self._failure: HfmonError | None = None
        self._error: BaseException | None = None  # anything else: raised again in the caller's thread
        self._thread = threading.Thread(target=self._open, name="hfmon-history-open", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        try:
            from hfmon.store import HistoryStore

            self._store = HistoryStore.open(self._path, retention_days=self._retention_days)
            import hfmon.store.ledger  # noqa: F401 - what `Monitor._evaluate` imports next, imported here meanwhile
        except HfmonError as exc:
            self._failure = exc
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, which raises it
            self._error = exc

    def result(self) -> tuple[HistoryStore | None, HfmonError | None]:
        """Wait for the open: the store, or None and why it could not be used."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._store, self._failure


def build_monitor(*, demo: bool, speed: float = 60.0, namespaces: Sequence[str] | None = None,
                  config_path: str | None = None, history: bool = True, profile: str | None = None,
                  open_history_later: bool = False) -> Monitor:
    """The Monitor for the command line's flags: config, collector (real or demo) and history store.

    `profile` names a `[profiles.NAME]` of the config file: its token and namespaces (`namespaces` still wins).
    `open_history_later`: the history store is opened in a thread (`Monitor.open_store_in_background`), for a
    caller that polls next and first reads `Monitor.store` after the poll.
    Raises ConfigError for a bad config file or an unknown profile, and NoTokenError when no token is found
    (outside --demo).
    """
    config = load_config(Path(config_path) if config_path else None)
    token = None
    if profile is not None:
        chosen_profile = profile_in(config, profile)
        namespaces = namespaces or chosen_profile.namespaces
        if not demo:
            token = profile_token(profile, token_env=chosen_profile.token_env, hf_token=chosen_profile.hf_token)
    chosen = namespaces or config.namespaces
    collector, clock = make_collector(demo=demo, speed=speed, namespaces=chosen, token=token)
    monitor = Monitor(collector, clock, config, None, profile)
    monitor.warnings.extend(config.warnings)
    if history:
        # The demo's scenario history must never mix with the real account's.
        path = None
        if demo:
            monitor.scratch = tempfile.TemporaryDirectory(prefix="hfmon-demo-")
            path = Path(monitor.scratch.name) / "history.sqlite3"
        if open_history_later:
            monitor.open_store_in_background(path)
            return monitor
        from hfmon.store import HistoryStore

        try:
            monitor.store = HistoryStore.open(path, retention_days=config.retention_days)
        except HfmonError as exc:
            monitor.warnings.append(f"running without history: {exc}")
    return monitor


def served_models(snapshot: Snapshot) -> dict[str, ModelWeights]:
    """What the Hub said of each model the polled namespaces' Endpoints serve (last good values included)."""
    return {w.repo_id: w for ns in snapshot.namespaces if ns.models is not None for w in ns.models.value or ()}


def profile_in(config: Config, name: str) -> Profile:
    """The config's `[profiles.NAME]`; ConfigError naming the file and the profiles it has when there is none."""
    found = config.profiles.get(name)
    if found is None:
        where = str(config.path) if config.path else "the config file"
        known = f"it has: {', '.join(config.profiles)}" if config.profiles else "it has no [profiles.NAME] table"
        raise ConfigError(f"{where}: no profile {name!r} ({known})",
                          f"add [profiles.{name}] with token_env = \"VARIABLE\" (the environment variable holding "
                          "its token), or use one of the profiles it has")
    return found


def monitor_for(args: argparse.Namespace, *, profile: str | None = None, open_history_later: bool = False) -> Monitor:
    """The Monitor for the parsed `hfmon` command line (--demo, --speed, --namespace, --config, --no-history,
    --profile); `profile` picks another config profile than --profile's; `open_history_later`: see `build_monitor`."""
    return build_monitor(demo=args.demo, speed=args.speed, namespaces=args.namespace, config_path=args.config,
                         history=not args.no_history, profile=profile or getattr(args, "profile", None),
                         open_history_later=open_history_later)

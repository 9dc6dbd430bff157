"""Alerts that fire once per crossing: the rules' readings against a state shared by every hfmon process.

An alert (a rule and a subject) fires when its reading crosses, and again only after it has reset: a maximum
resets once its figure is `hysteresis_pct` back below the limit, a minimum once it is that far above, a
present/absent rule (a flag, an unpriced item, a failing source) once the subject is gone from a complete
reading. An unknown figure changes nothing: it never fires and never resets. The state lives in the history
database (`hfmon.store.alert_state`), where each transition is claimed in one transaction, so of two
processes that see the same crossing exactly one fires it. The history file is one per machine, and a process
watching a config profile (`--profile alice`, each profile of a multi-profile exporter) keeps its alerts, and its
sources' failing times, under that profile's name; without a profile, under the account whoami names (`@ada`: `hf
auth login` switched, or `HF_TOKEN=… hfmon` in another terminal): one account's poll never resets another's alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from hfmon.alerts.checks import DESCRIBE, Outcome, Reading, named_subject
from hfmon.alerts.rules import evaluate_rules, failing_sources
from hfmon.clock import iso
from hfmon.config import Alerts
from hfmon.format import stamp
from hfmon.report import Report

ADVISORY = "hfmon alerts are advisory: they do not stop spending"
FIRED, RESET = "fired", "reset"
HOOK, WEBHOOK = 1, 2
"""The delivery targets an event still has to reach (`AlertState.claim`'s `pending`, or-ed)."""
RETRY_UNDELIVERED = timedelta(hours=24)  # an event not delivered is sent again with each poll's deliveries this long
DELIVERY_LEASE = timedelta(minutes=5)
"""How long an event taken for delivery is left to the process that took it (its delivery is bounded far below):
past it, a process killed before it could deliver has its events taken again by the next poll, of any process."""


def targets(alerts: Alerts) -> int:
    """The delivery targets the config sets (`HOOK`, `WEBHOOK`)."""
    return (HOOK if alerts.hook else 0) | (WEBHOOK if alerts.webhook_url else 0)


@dataclass(frozen=True, slots=True)
class Pending:
    """An event taken for delivery (`AlertState.take_undelivered`), with the targets it has still to reach."""

    id: int
    event: AlertEvent
    targets: int


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """An alert firing (or resetting) for one subject, at the time of the poll that saw it."""

    key: str  # rule:subject, the identity of the alert's state
    rule: str
    subject: str
    kind: str  # fired | reset
    at: datetime
    message: str
    figure: str
    threshold: str
    value: Decimal | None
    limit: Decimal | None
    account: str | None = None  # the config profile watched (None: the token's account, no profile named)

    @property
    def title(self) -> str:
        """A short headline: what crossed, where (and for which profile)."""
        what = DESCRIBE.get(self.rule, self.rule)
        verb = "alert" if self.kind == FIRED else "back to normal"
        where = [w for w in (self.account, named_subject(self.rule, self.subject)) if w is not None]
        return f"hfmon {verb}: {what}" + (f" ({': '.join(where)})" if where else "")

    @property
    def line(self) -> str:
        """The event in one line: `alert: <message>` or `resolved: <message>`."""
        return f"{'alert' if self.kind == FIRED else 'resolved'}: {self.message}"

    def document(self) -> dict[str, Any]:
        """The alert as JSON (what a hook reads on stdin and a webhook receives): never a token."""
        profile = {} if self.account is None else {"account": self.account}
        return {"hfmon_alert": 1, "kind": self.kind, "rule": self.rule, "subject": self.subject, **profile,
                "at": iso(self.at), "title": self.title, "message": self.message, "figure": self.figure,
                "threshold": self.threshold,
                "value": None if self.value is None else float(self.value),
                "limit": None if self.limit is None else float(self.limit), "advisory": ADVISORY}

    @staticmethod
    def from_document(doc: Mapping[str, Any]) -> AlertEvent:
        """An event read back from its document (the alert history)."""
        def dec(value: Any) -> Decimal | None:
            return None if value is None else Decimal(str(value))

        account = None if doc.get("account") is None else str(doc["account"])
        return AlertEvent(alert_key(str(doc["rule"]), str(doc["subject"]), account), str(doc["rule"]),
                          str(doc["subject"]), str(doc["kind"]),
                          datetime.fromisoformat(str(doc["at"]).replace("Z", "+00:00")), str(doc["message"]),
                          str(doc["figure"]), str(doc["threshold"]), dec(doc.get("value")), dec(doc.get("limit")),
                          account)


def alert_key(rule: str, subject: str, account: str | None) -> str:
    """The identity of an alert's state: `rule:subject`, under `[profile] ` when a config profile is watched (or
    `[@user] `, the `owner` of `evaluate_alerts`)."""
    return f"{rule}:{subject}" if account is None else f"[{account}] {rule}:{subject}"


def _source_key(name: str, account: str | None) -> str:
    """A source's name in the shared failing times: whoami (`account`) of one profile is not another's."""
    return name if account is None else f"[{account}] {name}"


def state_scope(profile: str | None, owner: str | None) -> str | None:
    """Whose alert state this is: the config profile watched, else the account whoami names (`@ada`: a name no
    profile's is mistaken for), else None (the keys of hfmon before, and of a poll whose whoami never answered)."""
    return profile if profile is not None else None if owner is None else f"@{owner}"


class AlertState(Protocol):
    """Where alert state lives: each transition happens once, whichever process claims it first."""

    def firing(self) -> set[str]:
        """Keys of the alerts firing now."""
        ...

    def claim(self, key: str, firing: bool, event: AlertEvent, pending: int = 0) -> bool:
        """Move `key` to firing (or back) at `event.at` and record the event, with the delivery targets it has to
        reach (`pending`), if no one did it first."""
        ...

    def take_undelivered(self, now: datetime) -> list[Pending]:
        """The events still to deliver, oldest first, taken for `DELIVERY_LEASE` (another process takes none of them
        meanwhile): those of the last RETRY_UNDELIVERED that are still their alert's latest transition (a reset
        supersedes its firing) and that no process took within the lease."""
        ...

    def delivered(self, taken: Pending, left: int) -> None:
        """Record what delivering `taken` left to reach (`left` targets; 0: every one got it)."""
        ...

    def failing_since(self) -> dict[str, datetime]:
        """When each source was first seen failing (for sources with no good answer to date it by)."""
        ...

    def note_failing(self, failing: Iterable[str], answered: Iterable[str], at: datetime) -> None:
        """Remember when the `failing` sources were first seen failing; forget the `answered` ones."""
        ...

    def history(self, limit: int = 100) -> list[AlertEvent]:
        """The latest events, newest first."""
        ...

    def adopt_unowned(self, scope: str) -> None:
        """Move the state kept under no account (by an hfmon before alerts were kept per account, or polls whose
        whoami did not answer) to `scope`: the first account seen keeps what was firing, nothing fires twice."""
        ...


class MemoryAlertState:
    """Alert state for one process only (when the history database is off)."""

    def __init__(self) -> None:
        self._firing: dict[str, datetime] = {}
        self._changed: dict[str, datetime] = {}
        self._failing: dict[str, datetime] = {}
        self._events: list[AlertEvent] = []
        self._pending: dict[int, tuple[int, datetime | None]] = {}  # event index -> (targets, taken at)

    def firing(self) -> set[str]:
        """Keys of the alerts firing now."""
        return set(self._firing)

    def claim(self, key: str, firing: bool, event: AlertEvent, pending: int = 0) -> bool:
        """Move `key` to the new state unless it is there already, or a newer poll moved it."""
        changed = self._changed.get(key)
        if (key in self._firing) == firing or (changed is not None and changed > event.at):
            return False
        if firing:
            self._firing[key] = event.at
        else:
            self._firing.pop(key, None)
        self._changed[key] = event.at
        if pending:
            self._pending[len(self._events)] = (pending, None)
        self._events.append(event)
        return True

    def take_undelivered(self, now: datetime) -> list[Pending]:
        """The events still to deliver (`AlertState.take_undelivered`)."""
        out = []
        for index, (left, taken) in sorted(self._pending.items()):
            event = self._events[index]
            if now - event.at > RETRY_UNDELIVERED or self._changed.get(event.key) != event.at:
                del self._pending[index]
            elif taken is None or now - taken >= DELIVERY_LEASE:
                self._pending[index] = (left, now)
                out.append(Pending(index, event, left))
        return out

    def delivered(self, taken: Pending, left: int) -> None:
        """Keep what is left to deliver of `taken` for a later poll."""
        if left:
            self._pending[taken.id] = (left, None)
        else:
            self._pending.pop(taken.id, None)

    def failing_since(self) -> dict[str, datetime]:
        """When each failing source was first seen failing."""
        return dict(self._failing)

    def note_failing(self, failing: Iterable[str], answered: Iterable[str], at: datetime) -> None:
        """Keep first-seen times of the sources still failing."""
        for name in failing:
            self._failing.setdefault(name, at)
        for name in answered:
            self._failing.pop(name, None)

    def history(self, limit: int = 100) -> list[AlertEvent]:
        """The latest events, newest first."""
        return self._events[::-1][:limit]

    def adopt_unowned(self, scope: str) -> None:
        """Move the state kept under no account to `scope` (this process's earlier polls whose whoami failed)."""
        for held in (self._firing, self._changed, self._failing):
            for key in [k for k in held if not k.startswith("[")]:
                held[_source_key(key, scope)] = held.pop(key)


def _event(reading: Reading, kind: str, at: datetime, account: str | None, key: str) -> AlertEvent:
    message = reading.message if kind == FIRED else f"{reading.message} (back within the limit)"
    if reading.limit is None and kind == RESET:
        message = f"{DESCRIBE.get(reading.check, reading.check)} ({reading.subject}): {reading.why or 'no longer so'}"
    return AlertEvent(key, reading.check, reading.subject, kind, at,
                      message, reading.figure, reading.threshold, reading.value, reading.limit, account)


def is_clear(reading: Reading, hysteresis_pct: Decimal) -> bool:
    """The reading is far enough back inside its limit for a firing alert to reset."""
    if reading.outcome is not Outcome.OK:
        return False
    if reading.limit is None:
        return True  # a present/absent rule: ok means absent
    margin = abs(reading.limit) * hysteresis_pct / 100
    if reading.check.startswith("min_"):
        return reading.value is not None and reading.value >= reading.limit + margin
    most = reading.value if reading.value is not None else reading.at_most  # a partial figure: its upper bound
    return most is not None and most <= reading.limit - margin


def evaluate_alerts(report: Report, alerts: Alerts, state: AlertState, account: str | None = None,
                    owner: str | None = None) -> list[AlertEvent]:
    """Fire the alerts that crossed and reset those back inside their limits; return what this call changed.
    `account`: the config profile watched, whose alerts these are (None: the token's account, no profile);
    `owner`: the account whoami names, whose alerts these are without a profile (None: unknown)."""
    at = report.generated_at
    scope = state_scope(account, owner)
    if account is None and scope is not None:
        state.adopt_unowned(scope)
    own = _source_key("", scope)
    since = {k.removeprefix(own): t for k, t in state.failing_since().items()
             if k.startswith(own) and (scope is not None or not k.startswith("["))}
    state.note_failing([_source_key(s.name, scope) for s in report.sources if not s.answered],
                       [_source_key(s.name, scope) for s in report.sources if s.answered], at)
    firing = state.firing()
    changed: list[AlertEvent] = []
    for result in evaluate_rules(report, alerts, since):
        seen = set()
        for reading in result.readings:
            key = alert_key(reading.check, reading.subject, scope)
            seen.add(key)
            if reading.outcome is Outcome.CROSSED and key not in firing:
                event = _event(reading, FIRED, at, account, key)
            elif key in firing and is_clear(reading, alerts.hysteresis_pct):
                event = _event(reading, RESET, at, account, key)
            else:
                continue
            if state.claim(key, event.kind == FIRED, event, targets(alerts)):
                changed.append(event)
        if result.complete:  # a subject gone from a complete list is no longer crossed
            prefix = alert_key(result.rule, "", scope)
            for key in sorted(k for k in firing if k.startswith(prefix) and k not in seen):
                subject = key.removeprefix(prefix)
                if not result.speaks_for(subject):
                    continue
                gone = Reading(result.rule, subject, Outcome.OK, "", "", None, None, None,
                               result.gone_why(subject) if result.gone_why else "")
                event = _event(gone, RESET, at, account, key)
                if state.claim(key, False, event, targets(alerts)):
                    changed.append(event)
    return changed


WHOAMI = "account"  # the source whoami is read by
ALERTS_NO_ACCOUNT = "alerts not evaluated: whoami did not answer, so whose alerts they are is unknown"
"""Why a poll neither fires nor resets alerts: without a profile they are the account's whoami names."""


def evaluate_unowned(report: Report, alerts: Alerts, state: AlertState) -> tuple[list[AlertEvent], str]:
    """A poll whose alerts have no owner (no profile, and whoami never answered this process: `state_scope` None):
    every alert rule waits for whoami, but whoami failing itself needs no owner. When it has failed since, and the
    `source_failing` alert on it is set and crossed, it fires under no account, unless some account's own is
    firing already (nothing fires twice); the first account whoami names then adopts it (`adopt_unowned`), and its
    poll resets it as whoami answers. Returns what fired, and the warning that says why the rest waits (with since
    when whoami has had no good answer)."""
    at = report.generated_at
    whoami = next((s for s in report.sources if s.name == WHOAMI), None)
    if whoami is None or whoami.answered:
        return [], ALERTS_NO_ACCOUNT
    state.note_failing([WHOAMI], [], at)
    since = whoami.fetched_at or state.failing_since().get(WHOAMI)
    why = ALERTS_NO_ACCOUNT if since is None else f"{ALERTS_NO_ACCOUNT} (no good answer since {stamp(since)})"
    key = alert_key("source_failing", WHOAMI, None)
    if alerts.source_failing_minutes is None or any(k == key or k.endswith(f"] {key}") for k in state.firing()):
        return [], why
    for reading in failing_sources(report, alerts.source_failing_minutes, {WHOAMI: since} if since else {}):
        if reading.subject == WHOAMI and reading.outcome is Outcome.CROSSED:
            event = _event(reading, FIRED, at, None, key)
            if state.claim(key, True, event, targets(alerts)):
                return [event], why
    return [], why

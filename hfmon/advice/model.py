"""What the advisor finds: findings with their saving in $/month, how sure it is, and how to apply them.

A saving is USD per month of `AdvisorSettings.hours_per_month` hours (730 by default: HF's own Endpoints pricing
page prices a month at 730 h; `[advisor]` in the config file sets it). A saving hfmon cannot price is `None`
("saving unknown") with the reason in `assumption`, never $0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hfmon.advisor_settings import HOURS_PER_MONTH as HOURS_PER_MONTH  # re-exported: the advisor's public names
from hfmon.advisor_settings import AdvisorSettings as AdvisorSettings
from hfmon.report import Price, PriceSource, Total
from hfmon.report_rows import price_note

if TYPE_CHECKING:
    from hfmon.advice.pace import PaceWarning


class Outcome(StrEnum):
    """What the advice says of the account as a whole: the one rule the text, the JSON and the exit code follow."""

    FOUND = "savings_found"  # at least one finding
    NONE_FOUND = "none_found"  # every listing read and every resource in it judged: nothing would cost less
    NONE_FOUND_IN_PART = "none_found_in_part"  # nothing in what was judged; some listing unread or resource not judged
    NOTHING_CHECKED = "nothing_checked"  # no resource judged: listings unread, all not judged, or none listed


class Confidence(StrEnum):
    """How hfmon knows a finding's saving."""

    MEASURED = "measured"  # from the resource's observed history (state changes hfmon recorded)
    JUDGED = "judged"  # from its settings alone, under the stated assumption


def priced_by(*prices: Price | None) -> dict[str, Any]:
    """A Finding's `price_source` and `price_as_of` from the prices its figures rest on: the least sure of them
    (bundled, then an override, then live), so that a saving one bundled price went into says so."""
    known = [p for p in prices if p is not None]
    if not known:
        return {}
    weakest = min(known, key=lambda p: _SURE[p.source])
    return {"price_source": weakest.source, "price_as_of": weakest.as_of}


_SURE = {PriceSource.BUNDLED: 0, PriceSource.OVERRIDE: 1, PriceSource.LIVE: 2}


@dataclass(frozen=True, slots=True)
class HowToApply:
    """The exact ways to make the change: hfmon shows them and never runs them."""

    cli: str  # an `hf` command
    web: str  # where the setting is in the web UI
    api: str  # the HTTP call


@dataclass(frozen=True, slots=True)
class Finding:
    """One change that would cost less, on one resource."""

    kind: str  # cannot_scale_to_zero | idle_timeout_tail | no_sleep_time | long_sleep_time | forgotten | storage
    namespace: str
    resource: str  # "endpoint ada/llama-chat", "space ada/whisper-api", "storage ada"
    change: str  # what to change, in words
    saving_usd_month: Decimal | None  # None: saving unknown (the reason is in `assumption`)
    assumption: str  # what the saving rests on, or why it is unknown
    confidence: Confidence
    evidence: tuple[str, ...]
    apply: HowToApply
    cost_usd_month: Decimal | None = None  # what the resource costs a month as it is (same basis), None: unknown
    so_far_usd: Decimal | None = None  # what it cost this period so far (recomputed, else billed); None: unknown
    recurring: bool = True  # False: about one past run (a job): `one_off_usd`, not a monthly saving
    one_off_usd: Decimal | None = None  # what that run cost beyond what it needed; None: unknown
    price_source: PriceSource | None = None  # the catalog layer its figures were priced from; None: no price
    price_as_of: str = ""  # a bundled price: its table's date
    charged_for_month: bool = False  # its saving is a charge billed whole for the month (`costs.month_charges`)

    @property
    def price_note(self) -> str | None:
        """Where its price came from when not Hugging Face's live catalog (`price_note`), else None."""
        return price_note(self.price_source, self.price_as_of)

    @property
    def basis(self) -> str:
        """What its saving rests on, and where its price came from when that was not the live catalog."""
        return self.assumption if self.price_note is None else f"{self.assumption}; {self.price_note}"

    @property
    def key(self) -> str:
        """The resource the finding is about: findings with one key are alternatives, counted once."""
        return self.resource


@dataclass(frozen=True, slots=True)
class ScheduledCost:
    """What a scheduled Job can cost next calendar month: its runs times the most one run can cost."""

    namespace: str
    job_id: str
    schedule: str
    runs: int | None  # None: the schedule is not one hfmon can count
    month: datetime  # the first instant of the month counted
    max_usd: Decimal | None  # None: unpriced flavor or uncountable schedule
    price_source: PriceSource | None = None  # the catalog layer its flavor was priced from; None: unpriced
    price_as_of: str = ""  # a bundled price: its table's date

    @property
    def price_note(self) -> str | None:
        """Where its flavor's price came from when not Hugging Face's live catalog (`price_note`), else None."""
        return price_note(self.price_source, self.price_as_of)


@dataclass(frozen=True, slots=True)
class Advice:
    """Every finding, largest saving first, and the total of the best finding per resource."""

    generated_at: datetime
    findings: tuple[Finding, ...]
    total_usd_month: Total[Decimal]  # missing: `unknown:<resource>` (its best saving unknown), and `unchecked`
    scheduled: tuple[ScheduledCost, ...] = ()
    unchecked: tuple[str, ...] = ()  # what could not be looked at (no history yet, unreadable listings)
    pace: tuple[PaceWarning, ...] = ()  # budgets the current spend pace breaks before the period ends
    not_judged: tuple[tuple[str, str], ...] = ()  # (namespace, what a rule could not judge and why)
    hours_per_month: Decimal = HOURS_PER_MONTH  # the month every saving in $/month is counted in
    scheduled_missing: tuple[str, ...] = ()  # scheduled-Job listings not read: their next month is unknown
    checked: tuple[tuple[str, str, int], ...] = ()  # (namespace, kind, how many) the rules judged (`CHECKED_KINDS`)

    @property
    def judged(self) -> int:
        """How many resources the rules judged (a namespace's storage counts as one)."""
        return sum(n for _, _, n in self.checked)

    @property
    def outcome(self) -> Outcome:
        """Found, none found (in all or in part of the account), or nothing could be checked: never "all clear"
        over listings that were not read or resources that were not judged."""
        if self.findings:
            return Outcome.FOUND
        if not self.judged:
            return Outcome.NOTHING_CHECKED
        return Outcome.NONE_FOUND_IN_PART if self.unchecked or self.not_judged else Outcome.NONE_FOUND

    def checked_by_kind(self) -> dict[str, int]:
        """How many resources of each kind were judged, in `CHECKED_KINDS` order (kinds with none left out)."""
        counts = dict.fromkeys(CHECKED_KINDS, 0)
        for _, kind, n in self.checked:
            counts[kind] += n
        return {kind: n for kind, n in counts.items() if n}


CHECKED_KINDS = ("endpoint", "space", "job", "storage", "model")
"""What the rules judge: Endpoints, Spaces, Jobs, a namespace's storage, models requested through `hfmon proxy`."""

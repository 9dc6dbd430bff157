"""Money figures whose parts may be unknown: `Total`, and a namespace's spend in the period and in a time window.

A `Total` is never the sum of the known parts posing as the whole; every product split here sums to its total.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Generic, TypeVar

N = TypeVar("N", Decimal, int)

LARGEST_SETTING = Decimal(10) ** 12
"""The largest number a limit or setting may be (a trillion): beyond it, money no longer formats to the cent."""
UNLISTED_JOBS = "ended_jobs"
"""A missing part's name (`ended_jobs:<namespace>`): Jobs that ran only since a namespace's Jobs were all listed."""
JOBS_CUT = "jobs_cut"
"""A missing part's name (`jobs_cut:<namespace>`): ended Jobs past where hfmon stopped reading a namespace's listing of
Jobs (`NamespaceData.jobs_cut`): how many Jobs it has, and what they spent in a window, is then a lower bound."""
STORAGE_CUT = "storage_cut"
"""A missing part's name (`storage_cut:<namespace>`): repos past the one answer of `settings/repositories` (it has no
next page, and it held as many rows as hfmon asked for): the namespace's storage summed from it is a lower bound."""
STORAGE_UNSIZED = "storage_unsized"
"""A missing part's name (`storage_unsized:<namespace>`): a repo of the storage listing whose size HF sent with a
fraction of a byte, so unknown: the namespace's storage summed from the listing is a lower bound."""
UNSEEN_PERIOD_TAIL = "period_tail"
"""A missing part's name (`period_tail:<namespace>`): Inference Providers spend of a period that ended in a window,
after hfmon's last poll of that period."""
SETTLED = "settled"
"""A missing part's name (`settled:<namespace>`): usage-v2's total settled lower in a window, so its inference is
known only as at least the sum of the total's rises (`costs.window_inference.usage_rises`)."""
WINDOW_REFUSED = "window_refused"
"""A missing part's name (`window_refused:<namespace>`): HF refused usage-v2's ask for a spend window (a 4xx of its
own, e.g. a start too far back), so that window's inference is unknown; the namespace's other windows stand."""
INFERENCE_PERIOD = "inference_period"
"""A missing part's name (`inference_period:<namespace>`): usage-v2 counts a namespace's Inference Providers over
another period than its billing period's (`Spend.inference_source`)."""
JOBS_PERIOD = "jobs_period"
"""A missing part's name (`jobs_period:<namespace>`): a job charge of usage/jobs' own period ran across the billing
period's bounds, so the period's jobs part is unknown (`Spend.jobs_astride`)."""
UNPLACED_JOBS = "unplaced_jobs"
"""A missing part's name (`unplaced_jobs:<namespace>`): a billed Job in history that no listing places in a
namespace, so it may be any namespace's."""
BETWEEN_POLLS = "between_polls"
"""A missing part's name (`between_polls:<kind> <resource>`): a billed state began or ended between two polls at a
time no source gives (`history.BETWEEN_POLLS`): what that stretch cost is unknown, beyond the lower side's rate over it
when both sides bill on one hardware (`billing_rules.BILLED_BETWEEN_POLLS_STATE`), which is counted."""

ZERO_GPU = "zero_gpu"
"""A missing part's name (`zero_gpu:space <Space>`): a Space up on ZeroGPU in a window, whose GPU time over the daily
quota HF bills by the GPU-minute; history does not see it, and the statement's line does not place it in the window
(`costs.zero_gpu_windows`)."""


@dataclass(frozen=True, slots=True)
class Total(Generic[N]):
    """A sum whose parts may be unknown: never the sum of the known parts posing as the whole.

    `known` sums the parts that were read (None when none was); `missing` names the parts that were not,
    each a source name (`billing:acme`, a key of `Report.sources`), `unpriced:<item>` (an item of
    `Report.unpriced`), `unknown:<item>` (a resource whose stage, so its cost now, is unknown) or
    `inference_period:<namespace>` (usage-v2 counts its Inference Providers over another period than this one) or
    `jobs_period:<namespace>` (a job charge of usage/jobs' own period ran across this period's bounds) or
    `storage_cut:<namespace>` (repos a storage listing cut at its limit may leave out) or `jobs_cut:<namespace>`
    (ended Jobs past where hfmon stopped reading their listing).
    Complete when nothing is missing; otherwise `known` is only a lower bound.
    """

    known: N | None
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Every part was read: `known` is the total."""
        return not self.missing and self.known is not None

    @property
    def value(self) -> N | None:
        """The total when complete, else None (unknown)."""
        return self.known if self.complete else None

    @staticmethod
    def of(parts: Iterable[tuple[str, N | None]], zero: N) -> Total[N]:
        """The total of named parts; a part that is None is missing (its name is kept, once)."""
        known: N | None = None
        missing: dict[str, None] = {}
        for name, part in parts:
            if part is None:
                missing[name] = None
            else:
                known = part if known is None else known + part
        if known is None and not missing:
            known = zero  # nothing to add up, and nothing missing: a real zero
        return Total(known, tuple(missing))

    @staticmethod
    def sum(totals: Iterable[Total[N]], zero: N) -> Total[N]:
        """Totals added up: the known parts summed, the missing ones kept (each once)."""
        known: N | None = None
        missing: dict[str, None] = {}
        anything = False
        for t in totals:
            anything = True
            if t.known is not None:
                known = t.known if known is None else known + t.known
            missing.update(dict.fromkeys(t.missing))
        return Total(zero if not anything else known, tuple(missing))


STATEMENT_BEHIND = "statement_behind"
"""A missing part's name (`statement_behind:<namespace>`): a product of the statement that another HF figure of the
same period shows larger (a line not there yet): the part is at least that figure (`Spend.behind`)."""


@dataclass(frozen=True, slots=True)
class Behind:
    """A product of the statement behind another HF figure of the same period: the part is at least `usd`."""

    product: str  # jobs | spaces | endpoints
    statement_usd: Decimal  # what the statement's lines add up to
    usd: Decimal  # the larger figure of the same period, which the part now is at least
    source: str  # usage-v2 | usage-by-resource-group


@dataclass(frozen=True, slots=True)
class Spend:
    """What one namespace has been billed this period so far, by product (None: that source is unreadable)."""

    namespace: str
    inference_usd: Decimal | None  # usage-v2 (includes unsettled placeholders)
    endpoints_usd: Decimal | None  # the period statement's lines
    spaces_usd: Decimal | None
    jobs_usd: Decimal | None
    storage_usd: Decimal | None
    other_usd: Decimal | None  # statement lines of products hfmon does not break down (the remainder)
    period_start: datetime | None = None  # the billing period these figures are of (statement, else usage-v2)
    period_end: datetime | None = None
    # usage-v2 counts Inference Providers over another period, from then: its figure is not this period's
    # (`inference_usd` is None; the credits carry it with its own period)
    inference_period_start: datetime | None = None
    # a job charge of usage/jobs' own period ran across this period's bounds: `jobs_usd` is None, missing as
    # `jobs_period:<namespace>`, not as an unread statement
    jobs_astride: bool = False
    # with `inference_period_start` before `period_start`: usage-v2's figure since then, which bounds this period's
    # (a part of its window) from above
    inference_at_most_usd: Decimal | None = None
    # products the statement is behind another HF figure of the period on: their parts are at least that figure
    behind: tuple[Behind, ...] = ()

    PRODUCTS: ClassVar[tuple[str, ...]] = ("inference", "endpoints", "spaces", "jobs", "storage", "other")

    def at_least(self, product: str) -> bool:
        """Whether a product's part is a lower bound (the statement is behind another HF figure on it)."""
        return any(b.product == product for b in self.behind)

    def part(self, product: str) -> Total[Decimal]:
        """One product's figure as a Total (`inference`, `endpoints`, `spaces`, `jobs`, `storage`, `other`): missing
        as what `total_usd` misses it as when unknown, a lower bound missing `statement_behind:` when the statement
        is behind another HF figure on it (`at_least`)."""
        usd: Decimal | None = getattr(self, f"{product}_usd")
        if usd is not None and self.at_least(product):
            return Total(usd, (f"{STATEMENT_BEHIND}:{self.namespace}",))
        kind = JOBS_PERIOD if product == "jobs" and self.jobs_astride else "statement"
        source = self.inference_source if product == "inference" else f"{kind}:{self.namespace}"
        return Total.of(((source, usd),), Decimal(0))

    @property
    def inference_source(self) -> str:
        """What an unknown inference part is missing as: `inference_period:<namespace>` when usage-v2 counts over
        another period, else its source (`billing:<namespace>`)."""
        kind = "billing" if self.inference_period_start is None else INFERENCE_PERIOD
        return f"{kind}:{self.namespace}"

    @property
    def sources(self) -> tuple[str, str, str]:
        """The sources its figures are read from: usage-v2 (inference, maybe jobs), the statement, the job charges."""
        return f"billing:{self.namespace}", f"statement:{self.namespace}", f"job_charges:{self.namespace}"

    def total_read_now(self, failed: Collection[str]) -> Total[Decimal]:
        """`total_usd` with each part whose source is in `failed` (it failed this poll: the part is its last good
        value, and what was billed since is unknown) missing, so a last good value never passes for the spend now."""
        billing, statement, charges = (name in failed for name in self.sources)
        if not (billing or statement or charges):
            return self.total_usd
        lines = (None,) * 4 if statement else (self.endpoints_usd, self.spaces_usd, self.storage_usd, self.other_usd)
        return replace(self, inference_usd=None if billing else self.inference_usd, endpoints_usd=lines[0],
                       spaces_usd=lines[1], storage_usd=lines[2], other_usd=lines[3],
                       jobs_usd=None if billing or statement or charges else self.jobs_usd).total_usd

    def at_most_read_now(self, failed: Collection[str]) -> Decimal | None:
        """The most `total_read_now(failed)` can be, when its one missing part is this period's inference and
        usage-v2's figure over a window holding this period so far bounds it (`inference_at_most_usd`); else None."""
        total = self.total_read_now(failed)
        if (self.inference_at_most_usd is None or f"billing:{self.namespace}" in failed or total.known is None
                or total.missing != (self.inference_source,)):
            return None
        return total.known + self.inference_at_most_usd

    @property
    def total_usd(self) -> Total[Decimal]:
        """Every product added up; a product whose source could not be read makes the total partial."""
        billing, statement = self.inference_source, f"statement:{self.namespace}"
        jobs = f"{JOBS_PERIOD}:{self.namespace}" if self.jobs_astride else statement
        behind = [(f"{STATEMENT_BEHIND}:{self.namespace}", None)] if self.behind else []
        return Total.of(((billing, self.inference_usd), (statement, self.endpoints_usd),
                         (statement, self.spaces_usd), (jobs, self.jobs_usd),
                         (statement, self.storage_usd), (statement, self.other_usd), *behind), Decimal(0))


@dataclass(frozen=True, slots=True)
class SpendIn:
    """What one namespace spent in [start, end), by product (None: unknown; storage is billed monthly, not here)."""

    start: datetime
    end: datetime
    inference_usd: Decimal | None
    endpoints_usd: Decimal | None
    spaces_usd: Decimal | None
    jobs_usd: Decimal | None
    billed: bool = False  # True: billed figures (usage-v2 and the statement), not computed from history
    inference_source: str | None = None  # billed: what an unknown inference is missing as (`Spend.inference_source`)
    jobs_at_least: bool = False  # `jobs_usd` prices the Jobs listed so far: one that ran only since the last whole
    # listing of Jobs may be missing (`costs.windows.jobs_unlisted`)
    inference_at_least: bool = False  # `inference_usd` misses a period's spend after its last poll, when it ended in
    # the window (`costs.window_inference.period_tail_unseen`)
    # each product's figure as known, with what is missing from it and why: from history (`costs.windows.spend_in`),
    # or billed, as `Spend.part` has it; empty: the `*_usd` figures whole, or unknown as `history:<namespace>`
    history_parts: tuple[Total[Decimal], ...] = ()

    PRODUCTS: ClassVar[tuple[str, ...]] = ("inference", "endpoints", "spaces", "jobs")

    def part(self, product: str, namespace: str) -> Total[Decimal]:
        """One product as a Total, named by where it would come from when unknown (`history:<namespace>`, or
        the `billing:`/`statement:` source of a billed figure), or as history knows it (`history_parts`)."""
        if self.history_parts:
            total = self.history_parts[self.PRODUCTS.index(product)]
        else:
            name = f"history:{namespace}" if not self.billed else (self.inference_source or f"billing:{namespace}") \
                if product == "inference" else f"statement:{namespace}"
            total = Total.of(((name, getattr(self, f"{product}_usd")),), Decimal(0))
        if product == "jobs" and self.jobs_at_least:
            return Total(total.known, (*total.missing, f"{UNLISTED_JOBS}:{namespace}"))
        if product == "inference" and self.inference_at_least:
            return Total(total.known, (*total.missing, f"{UNSEEN_PERIOD_TAIL}:{namespace}"))
        return total

    def total_usd(self, namespace: str) -> Total[Decimal]:
        """The products added up; an unknown product makes it partial (see `part`)."""
        return Total.sum((self.part(p, namespace) for p in self.PRODUCTS), Decimal(0))


@dataclass(frozen=True, slots=True)
class WindowSpend:
    """One namespace's spend in a time window (`1h`, `24h`, `7d`, `30d`, `period`) and in the window before."""

    namespace: str
    window: str
    current: SpendIn
    previous: SpendIn


@dataclass(frozen=True, slots=True)
class WindowTotal:
    """Spend in a window across namespaces, the window before, and the change between them."""

    window: str
    start: datetime
    end: datetime
    spend_usd: Total[Decimal]
    previous_usd: Total[Decimal]
    by_product: tuple[tuple[str, Total[Decimal]], ...] = ()  # inference, endpoints, spaces, jobs: the parts

    def product(self, name: str) -> Total[Decimal]:
        """Spend on one product (`inference`, `endpoints`, `spaces`, `jobs`) in the window."""
        return next(t for n, t in self.by_product if n == name)

    @property
    def trend_pct(self) -> Decimal | None:
        """The change against the window before, in % (None: either is not fully known, or before was $0)."""
        now, before = self.spend_usd.value, self.previous_usd.value
        if now is None or before is None or before == 0:
            return None
        return ((now - before) * 100 / before).quantize(Decimal("0.1"))

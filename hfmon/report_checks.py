"""What a Report asks the user to look at: billed figures checked against their recomputation, and flags
(re-exported by `hfmon.report`, where front ends find them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class CheckStatus(StrEnum):
    """The outcome of comparing a billed figure with its local recomputation."""

    OK = "ok"
    DRIFT = "drift"  # differs by more than the tolerance
    UNPRICED = "unpriced"  # nothing to recompute with
    PENDING = "pending"  # billing has not settled yet (inference placeholders, lines still accruing)


class Severity(StrEnum):
    """How loud a flag is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """One billed figure against its local recomputation."""

    item: str  # e.g. "endpoint acme/llm-prod", "total spaces alice", "inference alice"
    billed_usd: Decimal | None
    recomputed_usd: Decimal | None
    delta_usd: Decimal | None  # billed - recomputed
    status: CheckStatus
    note: str = ""
    namespace: str | None = None  # whose figures it checks (a Job's item names none); None: say it by the item

    def of(self, namespace: str | None) -> bool:
        """It checks a figure of `namespace` (None: every namespace)."""
        if namespace is None:
            return True
        if self.namespace is not None:
            return self.namespace == namespace
        return any(_named_in(word, namespace) for word in self.item.split())


def product_total_item(product: str, namespace: str) -> str:
    """The cross-check item comparing a namespace's billed total of one product with its recomputation."""
    return f"total {product} {namespace}"


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the user probably wants to act on."""

    kind: str  # no_sleep_time | cannot_scale_to_zero | long_running_job | idle_gpu | credits_exhausted | ...
    subject: str
    message: str
    severity: Severity = Severity.WARNING
    sources: tuple[str, ...] = ()  # the sources it is computed from, by name (`billing:acme`, `zero_gpu`)

    def of(self, namespace: str | None) -> bool:
        """It is about `namespace` (None: every namespace): by its subject, or a Job's (a bare id) by its listing."""
        return (namespace is None or _named_in(self.subject, namespace)
                or any(source.partition(":")[2] == namespace for source in self.sources))


def _named_in(name: str, namespace: str) -> bool:
    """Whether an `owner/name` (or `owner`) belongs to the namespace."""
    return name == namespace or name.startswith(namespace + "/")

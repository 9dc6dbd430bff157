"""Policy checks for CI: each rule of `[policy]` against one Report, with each breach and its fix. Pure.

- `gpu_space_max_sleep_s`: every Space on paid GPU hardware (not ZeroGPU, not granted) has a sleep time of at
  most this; its fix sets exactly this sleep time.
- `no_min_replica_in`: no Endpoint in these namespaces ("*": any) has min replica >= 1; its fix lets it scale to
  zero after 15 min.
- `private_storage_within_plan`: no namespace's private storage is above its plan's private limit.
A rule whose input could not be read (a listing failed, a storage limit unknown) is unchecked: never "holds".
"""

from __future__ import annotations

from dataclasses import dataclass

from hfmon.advice.model import AdvisorSettings, HowToApply
from hfmon.advice.rules import scale_to_zero_apply, sleep_apply
from hfmon.advice.storage import storage_findings
from hfmon.config import Policy
from hfmon.costs.billing_rules import unknown_stage
from hfmon.format import sleep_time
from hfmon.pricing.catalog import Catalog
from hfmon.report import Report


@dataclass(frozen=True, slots=True)
class Breach:
    """One resource breaking one rule, and how to fix it."""

    rule: str
    resource: str
    detail: str
    fix: HowToApply


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """Every breach, and what could not be checked (a rule over an unreadable source)."""

    rules: tuple[str, ...]  # the rules checked, in words
    breaches: tuple[Breach, ...]
    unchecked: tuple[str, ...]

    @property
    def holds(self) -> bool:
        """Every rule was checked over everything and none was broken."""
        return not self.breaches and not self.unchecked


def _failed(report: Report, kind: str) -> list[str]:
    """The sources of a kind with nothing to check: failed, or the token may not read them (NO_ACCESS); and
    the account when which namespaces there are is unknown (then nothing of any kind was checked)."""
    return [*report.namespaces_unknown, *(s.name for s in report.sources if s.kind == kind and s.value_missing)]


def _not_looked_at(report: Report, named: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each namespace a rule names that this poll did not poll, with why: one of the account's left out
    (`--namespace`, a profile's or the config's list), one the account does not have (a typo?), or either while
    whoami's list of namespaces is unread. A rule over a namespace never looked at is unchecked, never "holds"."""
    every = report.account_namespaces
    out = []
    for ns in named:
        if ns == "*" or ns in report.namespaces:
            continue
        if every is None:
            out.append((ns, "was not polled (whether it is one of the account's namespaces is unknown: whoami "
                            "was not read)"))
        elif ns in every:
            out.append((ns, "was not polled (--namespace, or a profile's or the config's namespaces, left it out)"))
        else:
            account = report.account.name if report.account else "the account"
            out.append((ns, f"is not {account} or one of its orgs ({', '.join(every)}): check the name (a typo?)"))
    return out


def _not_polled(report: Report, rule: str, named: tuple[str, ...] = ("*",)) -> list[str]:
    """What `rule` over the namespaces `named` ("*": every one of the account's) leaves unchecked: each of them
    this poll did not look at, with why (`_not_looked_at`, one rule for a named namespace and for "*")."""
    every = (report.namespaces_not_polled or ()) if "*" in named else ()
    return [f"{rule}: {ns} {why}" for ns, why in _not_looked_at(report, (*every, *named))]


def check_policy(report: Report, policy: Policy, catalog: Catalog,
                 settings: AdvisorSettings | None = None) -> PolicyResult:
    """The breaches of `policy` in `report`."""
    settings = settings or AdvisorSettings()
    rules: list[str] = []
    breaches: list[Breach] = []
    unchecked: list[str] = []
    if policy.gpu_space_max_sleep_s is not None:
        most = policy.gpu_space_max_sleep_s
        rule = f"no GPU Space without a sleep time of at most {sleep_time(most)}"
        rules.append(rule)
        unchecked += _not_polled(report, rule)
        unchecked += [f"{rule}: {name} unreadable" for name in _failed(report, "spaces")]
        for row in report.spaces:
            s = row.space
            hardware = s.requested_hardware or s.hardware
            if not hardware and unknown_stage(s) is not None:  # no runtime read: its hardware is unknown
                unchecked.append(f"{rule}: space {s.id} (its hardware and sleep time are unknown: stage {s.stage})")
                continue
            if not hardware or not catalog.is_gpu("space", hardware) or row.cost.granted:
                continue
            if s.never_sleeps is None:
                unchecked.append(f"{rule}: space {s.id} (its sleep time is unknown: the runtime did not say it)")
                continue
            too_long = s.never_sleeps or (s.sleep_time_s or 0) > most
            if too_long and row.cost.granted is None:
                # a granted Space is exempt: without its statement line, whether this one is is unknown
                unchecked.append(f"{rule}: space {s.id} (whether it is granted is unknown: no statement line "
                                 "for it)")
            elif too_long:
                now = "never sleeps" if s.never_sleeps else f"sleeps after {sleep_time(s.sleep_time_s)}"
                breaches.append(Breach(rule, f"space {s.id}", f"{hardware}, {now}", sleep_apply(s.id, most)))
    if policy.no_min_replica_in:
        where = "any namespace" if "*" in policy.no_min_replica_in else ", ".join(policy.no_min_replica_in)
        rule = f"no Endpoint with min replica ≥ 1 in {where}"
        rules.append(rule)
        covered = [ns for ns in report.namespaces if "*" in policy.no_min_replica_in or ns in policy.no_min_replica_in]
        unchecked += _not_polled(report, rule, policy.no_min_replica_in)
        unchecked += [f"{rule}: {name} unreadable" for name in _failed(report, "endpoints")
                      if name.partition(":")[2] in covered or name in report.namespaces_unknown]
        for erow in report.endpoints:
            e = erow.endpoint
            if e.namespace in covered and e.min_replica is None:
                unchecked.append(f"{rule}: endpoint {e.id} (its min replica is unknown)")
            elif e.namespace in covered and e.min_replica is not None and e.min_replica >= 1:
                breaches.append(Breach(rule, f"endpoint {e.id}", f"min replica {e.min_replica} (state {e.state})",
                                       scale_to_zero_apply(e.namespace, e.name, settings.idle_target_min)))
    if policy.private_storage_within_plan:
        rule = "no private storage above the plan"
        rules.append(rule)
        unchecked += _not_polled(report, rule)
        unchecked += [f"{rule}: {ns.namespace} (its private storage or its plan's limit is unknown)"
                      for ns in report.storage.by_namespace
                      if ns.private_bytes is None or (ns.private_limit_bytes is None and ns.private_bytes > 0)]
        unchecked += [f"{rule}: {name} unreadable" for name in report.namespaces_unknown]
        for f in storage_findings(report.storage, catalog.bundled):
            breaches.append(Breach(rule, f.resource, f.evidence[0], f.apply))
    return PolicyResult(tuple(rules), tuple(breaches), tuple(unchecked))




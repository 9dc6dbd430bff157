"""Resource groups: each group's spend this month against its limits, the remainder row, and the flags."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

from hfmon import phrases
from hfmon.config import Config
from hfmon.costs.evaluate import evaluate
from hfmon.history import History
from hfmon.models import ResourceGroup, ResourceGroupUsage, SourceResult, SourceStatus
from hfmon.report import Report
from tests.costs.builders import account, at, missing, namespace, ok, snapshot

MONTH = at(1)


def usage(gid: str | None, name: str | None, inference: str = "0", spaces: str = "0", endpoints: str = "0",
          jobs: str = "0") -> ResourceGroupUsage:
    return ResourceGroupUsage("acme", gid, name, MONTH, D(inference), 3, D(spaces), D(endpoints), D(jobs),
                              D("1.5"), D("0.25"))


GROUPS = (ResourceGroup("acme", "a" * 24, "research", (("total", D("100")),)),
          ResourceGroup("acme", "b" * 24, "prod", (("total", D("1000")), ("endpoints", D("400")),
                                                    ("inference", D("10")))))
USAGE = (usage("a" * 24, "research", inference="2", spaces="60", jobs="30.5"),  # 92.5 of 100: near
         usage("b" * 24, "prod", spaces="100", endpoints="410"),  # endpoints 410 of 400: over
         usage(None, None, inference="7.25", spaces="3"))


def report(groups: Any = GROUPS, group_usage: Any = USAGE) -> Report:
    """The Report of one org whose resource-group sources gave these values (a SourceResult as is, None: not
    asked)."""
    def source(name: str, value: Any) -> Any:
        return value if value is None or isinstance(value, SourceResult) else ok(name, value)
    ns = replace(namespace("acme", "org"), resource_groups=source("resource_groups:acme", groups),
                 resource_group_usage=source("resource_group_usage:acme", group_usage))
    return evaluate(snapshot(ns), History(), Config(), at(20))


def test_each_group_totals_its_products_and_compares_each_limit() -> None:
    r = report()
    rows = {g.name: g for g in r.resource_groups}
    assert list(rows) == ["research", "prod", "(not in a group)"]
    research, prod, rest = rows["research"], rows["prod"], rows["(not in a group)"]
    assert research.total_usd == D("92.5") and research.period == MONTH
    assert [(x.product, x.limit_usd, x.spent_usd, x.used_pct, x.state) for x in research.limits] == [
        ("total", D("100"), D("92.5"), D("92.5"), "near")]
    assert {x.product: (x.spent_usd, x.state) for x in prod.limits} == {
        "total": (D("510"), "ok"), "endpoints": (D("410"), "over"), "inference": (D("0"), "ok")}
    assert rest.id is None and rest.total_usd == D("10.25") and rest.limits == ()
    # parts add up: the rows together are everything HF attributed this month
    assert sum((g.total_usd or D(0)) for g in r.resource_groups) == D("92.5") + D("510") + D("10.25")


def test_near_and_over_limits_raise_one_flag_each() -> None:
    flags = [(f.kind, f.subject, f.severity.value) for f in report().flags if f.kind.startswith("resource_group")]
    assert flags == [("resource_group_limit_near", "acme/research", "warning"),
                     ("resource_group_limit_hit", "acme/prod", "critical")]
    said = next(f.message for f in report().flags if f.kind == "resource_group_limit_near")
    assert "$92.50" in said and "$100.00" in said and "92.5%" in said


def test_unreadable_usage_leaves_spend_unknown_and_raises_no_flag() -> None:
    r = report(group_usage=missing("resource_group_usage:acme", SourceStatus.NO_ACCESS))
    assert [g.name for g in r.resource_groups] == ["research", "prod"]
    for g in r.resource_groups:
        assert g.total_usd is None and g.spaces_usd is None
        assert all(x.spent_usd is None and x.used_pct is None and x.state == "unknown" for x in g.limits)
    assert not [f for f in r.flags if f.kind.startswith("resource_group")]


def test_only_the_latest_month_counts_and_orgs_without_groups_show_none() -> None:
    older = replace(USAGE[0], period=at(1, month=10), spaces_usd=D("5000"))
    r = report(group_usage=(older, *USAGE))
    assert next(g for g in r.resource_groups if g.name == "research").total_usd == D("92.5")
    assert report(groups=None, group_usage=None).resource_groups == ()


def org_with(name: str, groups: Any, group_usage: Any) -> Any:
    """An org whose resource-group sources gave these values (a SourceResult as is)."""
    def source(kind: str, value: Any) -> Any:
        return value if isinstance(value, SourceResult) else ok(f"{kind}:{name}", value)
    return replace(namespace(name, "org"), resource_groups=source("resource_groups", groups),
                   resource_group_usage=source("resource_group_usage", group_usage))


def test_groups_read_from_neither_source_are_unknown_never_none() -> None:
    r = report(groups=missing("resource_groups:acme"),
               group_usage=missing("resource_group_usage:acme", SourceStatus.NO_ACCESS))
    assert r.resource_groups is None  # () would say acme has no resource groups
    assert r.resource_groups_missing == ("resource_groups:acme", "resource_group_usage:acme")
    assert phrases.groups_unknown(r) == "resource groups of acme unknown (not read: group list, group usage)"
    assert {"resource_groups:acme", "resource_group_usage:acme"} <= set(r.flags_unchecked)


def test_one_org_unread_leaves_the_others_groups_and_names_it() -> None:
    beta = org_with("beta", missing("resource_groups:beta"), missing("resource_group_usage:beta"))
    acme = org_with("acme", GROUPS, USAGE)
    r = evaluate(snapshot(acme, beta, acct=account(orgs=("acme", "beta"))), History(), Config(), at(20))
    assert r.resource_groups is not None
    assert [(g.namespace, g.name) for g in r.resource_groups] == [
        ("acme", "research"), ("acme", "prod"), ("acme", "(not in a group)")]
    assert r.resource_groups_missing == ("resource_groups:beta", "resource_group_usage:beta")
    assert phrases.groups_unknown(r, "acme") == ""  # acme's own view has nothing unknown
    assert phrases.groups_unknown(r, "beta") == phrases.groups_unknown(r) == (
        "resource groups of beta unknown (not read: group list, group usage)")


def test_an_org_without_groups_shows_no_row_not_hfs_remainder_alone() -> None:
    # a Team org asked for its groups: none listed, HF's remainder row holds all of its usage
    r = report(groups=(), group_usage=(usage(None, None, inference="7.25", spaces="3"),))
    assert r.resource_groups == () and r.resource_groups_missing == ()
    # its listing unread and no group in its usage: still no group, and its limits were never needed
    r = report(groups=missing("resource_groups:acme"), group_usage=(usage(None, None, spaces="3"),))
    assert r.resource_groups == () and r.resource_groups_missing == ()


def test_orgs_whoami_did_not_list_make_the_groups_unknown() -> None:
    alice = namespace("alice")
    acct = replace(account(orgs=()), orgs=None)  # whoami without its list of orgs
    r = evaluate(snapshot(alice, acct=acct), History(), Config(), at(20))
    assert r.resource_groups is None and r.resource_groups_missing == ("account",)
    assert phrases.groups_unknown(r) == "resource groups unknown (account unknown)"

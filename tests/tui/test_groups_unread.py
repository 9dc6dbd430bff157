"""The dashboard's resource groups when an org's were read from neither source: the panel stays and says whose are
unknown and why, never drops them as if the org had none (Reports made by `evaluate()`)."""

from __future__ import annotations

from decimal import Decimal as D

from hfmon.models import NamespaceData, ResourceGroup, ResourceGroupUsage
from hfmon.tui.details_namespace import namespace_detail
from hfmon.tui.widgets.cells import REMAINDER_KEY
from tests.costs.builders import account, at, missing, namespace, ok, replace, snapshot
from tests.tui.test_app import app_for, row_keys, settle, table, text_of
from tests.tui.test_totals import totals
from tests.tui.test_unknown import source_of

GROUP_ID = "a" * 24


def beta_read() -> NamespaceData:
    """beta: one group, research, $40 of its $100 total limit this month."""
    used = ResourceGroupUsage("beta", GROUP_ID, "research", at(1), D(0), 0, D("40"), D(0), D(0), D(1), D(0))
    return replace(namespace("beta", "org"),
                   resource_groups=ok("resource_groups:beta", (ResourceGroup("beta", GROUP_ID, "research",
                                                                             (("total", D("100")),)),)),
                   resource_group_usage=ok("resource_group_usage:beta", (used,)))


def acme_unread() -> NamespaceData:
    return replace(namespace("acme", "org"), resource_groups=missing("resource_groups:acme"),
                   resource_group_usage=missing("resource_group_usage:acme"))


async def test_an_org_whose_groups_are_unread_is_a_row_that_says_so() -> None:
    snap = snapshot(namespace("alice"), acme_unread(), beta_read(),
                    acct=account("alice", orgs=("acme", "beta")))
    app = app_for(source_of(snap))
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(app, pilot)
        groups = table(app, "groups")
        panel = app.query_one("#groups-panel")
        assert panel.display
        assert row_keys(groups) == [f"beta/{GROUP_ID}"]
        assert totals(groups, f"beta/{GROUP_ID}", "used") == "40.0%"  # $40 of $100
        unread = totals(groups, REMAINDER_KEY, "name")
        assert unread == "resource groups of acme unknown (not read: group list, group usage)"
        assert totals(groups, REMAINDER_KEY, "spent") == "unknown"
        assert str(panel.border_subtitle).startswith("at least 1 group")


async def test_the_panel_shows_when_no_org_s_groups_were_read() -> None:
    snap = snapshot(namespace("alice"), acme_unread(), acct=account("alice", orgs=("acme",)))
    app = app_for(source_of(snap))
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(app, pilot)
        panel = app.query_one("#groups-panel")
        assert panel.display  # hidden before: read as "no resource groups"
        assert row_keys(table(app, "groups")) == []
        assert totals(table(app, "groups"), REMAINDER_KEY, "name").startswith("resource groups of acme unknown")
        assert str(panel.border_subtitle).startswith("groups unknown")


def test_the_namespace_detail_says_its_groups_are_unknown() -> None:
    snap = snapshot(namespace("alice"), acme_unread(), beta_read(),
                    acct=account("alice", orgs=("acme", "beta")))
    report = source_of(snap).make(at(20), 0)
    acme = namespace_detail(report, "acme", {}).plain
    assert "Resource groups this month\n  resource groups of acme unknown (not read: group list, group usage)" in acme
    beta = namespace_detail(report, "beta", {}).plain
    assert "unknown (not read" not in beta and "research" in beta


async def test_an_org_whoami_gave_no_plan_says_its_plan_is_unknown() -> None:
    acct = account("alice", orgs=("acme",))
    acct = replace(acct, orgs=tuple(replace(o, plan=None) for o in acct.orgs or ()))  # `plan` is optional in whoami
    app = app_for(source_of(snapshot(namespace("alice"), acme_unread(), acct=acct)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        card = text_of(app, "#account")
    # the role goes on under it when the card is narrow (a phrase is never split): "acme  plan unknown" / "  admin"
    assert "acme  plan unknown" in card and "admin" in card and "no plan" not in card

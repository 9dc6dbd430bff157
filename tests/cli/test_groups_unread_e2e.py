"""End to end: resource groups never vanish as "none". An org whose groups were read from neither source is named
as unknown (JSON null with the sources, the text, the exit code), and every org is asked, whatever whoami says of its
plan: an org listed without one, and a Team org (the spec: "Requires the org to have a Team plan or higher")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub import demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e

LISTING, USAGE = "/api/organizations/{}/resource-groups", "/api/organizations/{}/billing/usage-by-resource-group"


def _fail_groups(served: Served, org: str, status: int = 500) -> None:
    for path in (LISTING, USAGE):
        served.hub.route_faults.append(RouteFault(path.format(org), status=status))


def _groups(doc: dict[str, Any]) -> list[tuple[str, str, float | None]]:
    return [(g["namespace"], g["name"], g["total_usd"]) for g in doc["resource_groups"]]


def test_groups_of_every_org_unread_are_null_and_named_not_an_empty_list(fake: Callable[..., Served]) -> None:
    served = fake()
    before = served.run("--once", "--json", "--no-history").doc()
    # ada-labs (Enterprise) has research, production and HF's remainder row; northwind lists no group
    assert [(ns, name) for ns, name, _ in _groups(before)] == [
        ("ada-labs", "research"), ("ada-labs", "production"), ("ada-labs", "(not in a group)")]
    assert before["resource_groups_missing"] == []
    _fail_groups(served, "*")
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert doc["resource_groups"] is None  # was []: "these orgs have no resource groups"
    assert doc["resource_groups_missing"] == [
        "resource_groups:ada-labs", "resource_group_usage:ada-labs",
        "resource_groups:northwind", "resource_group_usage:northwind"]
    assert run.code == 1, run.stderr  # partial, as for any other source that failed
    assert {"resource_groups:ada-labs", "resource_group_usage:ada-labs"} <= set(doc["flags_unchecked"])
    assert not [f for f in doc["flags"] if f["kind"].startswith("resource_group")]  # research's flag: unchecked
    text = served.run("--once", "--no-history")
    assert text.code == 1
    lines = text.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Groups"))
    assert lines[head:head + 2] == ["Groups    resource groups of ada-labs, northwind unknown (not read: group list,",
                                    "            group usage)"]  # wrapped at 80 columns
    assert "ada-labs/research" not in text.stdout


def test_one_org_unread_keeps_the_groups_read_and_names_the_rest(fake: Callable[..., Served]) -> None:
    served = fake()
    # the token may not read ada-labs' groups at all (403 on both): answered, so the poll is ok, but not "none"
    _fail_groups(served, "ada-labs", status=403)
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert run.code == 0, run.stderr
    assert doc["resource_groups"] == []  # northwind's listing was read: it has none
    assert doc["resource_groups_missing"] == ["resource_groups:ada-labs", "resource_group_usage:ada-labs"]
    assert doc["sources"]["resource_groups:ada-labs"]["status"] == "no_access"
    text = served.run("--once", "--no-history").stdout
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Groups"))
    assert lines[head:head + 2] == ["Groups    resource groups of ada-labs unknown (not read: group list, group",
                                    "            usage)"], text
    assert "ada-labs/research" not in text


def _drop_org_plans(body: Any) -> Any:
    for org in body["orgs"]:
        org.pop("plan")  # optional in the spec's whoami schema
    return body


def test_an_org_whoami_lists_without_a_plan_still_has_its_groups(fake: Callable[..., Served]) -> None:
    served = fake()
    before = served.run("--once", "--json", "--no-history").doc()
    served.hub.route_faults.append(RouteFault("/api/whoami-v2", edit=_drop_org_plans))
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert run.code == 0, run.stderr
    assert {o["name"]: o["plan"] for o in doc["account"]["orgs"]} == {"ada-labs": None, "northwind": None}
    assert _groups(doc) == _groups(before) and len(_groups(doc)) == 3  # were dropped: [] and no flag
    research = next(g for g in doc["resource_groups"] if g["name"] == "research")
    assert research["limits"] == next(g for g in before["resource_groups"] if g["name"] == "research")["limits"]
    assert ("resource_group_limit_near", "ada-labs/research") in [(f["kind"], f["subject"]) for f in doc["flags"]]


def test_a_team_org_has_its_resource_groups_read(fake: Callable[..., Served]) -> None:
    served = fake(demo_scenario(seed=7, plan="team"))
    scn = served.hub.scenario
    assert scn.orgs[0].plan == "team" and {g.org for g in scn.resource_groups} == {"ada-labs"}
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert run.code == 0, run.stderr
    rows = {g["name"]: g for g in doc["resource_groups"] if g["namespace"] == "ada-labs"}
    assert set(rows) == {"research", "production", "(not in a group)"}
    for group in scn.resource_groups:  # the limits HF lists, cents to dollars
        assert {lim["product"]: lim["limit_usd"] for lim in rows[group.name]["limits"]} == {
            {"inferenceProviders": "inference"}.get(p, p): cents / 100 for p, cents in group.spend_limits}
    text = served.run("--once", "--no-history").stdout
    assert "ada-labs/research" in text and "near limit" in text

"""`[policy]` rules checked against the demo scenario: the breaches are the scenario's, found by hand."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hfmon.advice.policy import check_policy
from hfmon.config import Policy, parse_config
from hfmon.errors import ConfigError
from hfmon.fakehub import Scenario, demo_scenario
from hfmon.pricing.catalog import build_catalog
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture
from tests.costs.test_scenario import START, poll_report


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return demo_scenario()


def gpu_spaces_breaking(scn: Scenario, most_s: int) -> set[str]:
    """Spaces on paid GPU hardware (a GPU flavor that is not ZeroGPU, not granted) sleeping later than allowed."""
    out = set()
    for s in scn.spaces:
        flavor = scn.space_flavor(s.requested_hardware)
        gpu = flavor is not None and flavor.gpu is not None and not flavor.name.startswith("zero-")
        uncataloged = flavor is None  # h100 (video-gen): no catalog entry, GPU by the bundled list
        if (gpu or uncataloged) and not s.granted and (s.sleep_time is None or s.sleep_time > most_s):
            out.add(f"space {s.id}")
    return out


async def test_each_rule_finds_the_scenarios_breaches(scenario: Scenario) -> None:
    report, _ = await poll_report(scenario, START)
    policy = Policy(gpu_space_max_sleep_s=3600, no_min_replica_in=("ada-labs",), private_storage_within_plan=True)
    result = check_policy(report, policy, build_catalog(None))
    by_rule = {rule: {b.resource for b in result.breaches if b.rule == rule} for rule in result.rules}
    # old-experiment breaks it too unless it is granted, and it has not run this period: the statement has no line
    # on its hardware to say, so the rule is unchecked for it
    assert gpu_spaces_breaking(scenario, 3600) == {
        "space ada/forgotten-finetune", "space ada/old-experiment", "space ada-labs/rag-service"}
    assert by_rule["no GPU Space without a sleep time of at most 1h"] == {
        "space ada/forgotten-finetune", "space ada-labs/rag-service"}
    assert by_rule["no Endpoint with min replica ≥ 1 in ada-labs"] == {
        f"endpoint {e.id}" for e in scenario.endpoints if e.namespace == "ada-labs" and e.min_replica >= 1}
    assert by_rule["no private storage above the plan"] == set()  # everyone is under the plan...
    # ...but northwind's plan limit is unreadable with this token: the rule is unchecked there, not "holds"
    assert result.unchecked == (
        "no GPU Space without a sleep time of at most 1h: space ada/old-experiment (whether it is granted is "
        "unknown: no statement line for it)",
        "no private storage above the plan: northwind (its private storage or its plan's limit is unknown)")
    assert not result.holds
    fix = next(b.fix for b in result.breaches if b.resource == "space ada-labs/rag-service")
    assert fix.cli == "hf spaces settings ada-labs/rag-service --sleep-time 3600"


async def test_a_policy_that_holds(scenario: Scenario) -> None:
    report, _ = await poll_report(scenario, START)
    result = check_policy(report, Policy(gpu_space_max_sleep_s=7 * 86400), build_catalog(None))
    # every GPU Space that sleeps at all sleeps within a week; but forgotten-finetune and rag-service never sleep
    assert {b.resource for b in result.breaches} == gpu_spaces_breaking(scenario, 7 * 86400)
    no_endpoints = demo_scenario(endpoints=0)
    report, _ = await poll_report(no_endpoints, no_endpoints.start)
    result = check_policy(report, Policy(no_min_replica_in=("ada-labs",)), build_catalog(None))
    assert result.holds and result.breaches == () and result.unchecked == ()


@pytest.mark.parametrize(("table", "message"), [
    ({"gpu_space_max_sleep_s": "1h"}, "policy.gpu_space_max_sleep_s: expected a whole number of seconds"),
    ({"no_min_replica_in": "dev"}, "policy.no_min_replica_in: expected a list of user or org names"),
    ({"private_storage_within_plan": 1}, "policy.private_storage_within_plan: expected true or false"),
    ({"max_sleep": 1}, "policy.max_sleep: unknown key"),
])
def test_bad_policy_is_named_by_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config({"policy": table}, "policy.toml")


@pytest.mark.e2e
def test_check_exit_codes_in_ci(fake: Callable[..., Served], tmp_path) -> None:  # noqa: F811
    served = fake()
    broken = tmp_path / "broken.toml"
    broken.write_text('[policy]\nno_min_replica_in = ["ada-labs"]\n', encoding="utf-8")
    run = served.run("check", "--policy", str(broken))
    assert run.code == 1, run.stderr
    assert "BROKEN    no Endpoint with min replica ≥ 1 in ada-labs" in run.stdout
    assert "fix: hf endpoints update qwen-prod --namespace ada-labs --min-replica 0 --scale-to-zero-timeout 15" \
        in run.stdout
    run = fake(demo_scenario(seed=7, endpoints=0)).run("check", "--policy", str(broken))  # ada-labs has none
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines() == ["holds     no Endpoint with min replica ≥ 1 in ada-labs", "every rule holds"]
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    run = served.run("check", "--policy", str(empty))
    assert run.code == 2 and "no [policy] rule is set" in run.stderr


@pytest.mark.e2e
def test_a_namespace_the_poll_did_not_look_at_is_unchecked_not_held(fake: Callable[..., Served],  # noqa: F811
                                                                     tmp_path) -> None:
    served = fake()
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\nno_min_replica_in = ["ada-labs"]\n', encoding="utf-8")
    # ada-labs/qwen-prod (min replica 2) breaks it, but a poll of ada alone never listed ada-labs' Endpoints
    run = served.run("check", "--no-history", "--namespace", "ada", "--policy", str(policy))
    assert run.code == 1, run.stderr
    assert run.stdout.splitlines() == [
        "UNCHECKED no Endpoint with min replica ≥ 1 in ada-labs",
        "  not checked: ada-labs was not polled (--namespace, or a profile's or the config's namespaces, left it out)",
        "0 breach(es), 1 unchecked"]
    policy.write_text('[policy]\nno_min_replica_in = ["ada-lab"]\n', encoding="utf-8")  # a typo of ada-labs
    run = served.run("check", "--no-history", "--policy", str(policy))
    assert run.code == 1, run.stderr
    assert run.stdout.splitlines() == [
        "UNCHECKED no Endpoint with min replica ≥ 1 in ada-lab",
        "  not checked: ada-lab is not ada or one of its orgs (ada, ada-labs, northwind): check the name (a typo?)",
        "0 breach(es), 1 unchecked"]


def test_a_rule_over_a_listing_the_token_cannot_read_is_unchecked_not_held() -> None:
    from hfmon.models import SourceStatus
    from hfmon.report import SourceState
    from tests.tui.builder import build_report, with_sources

    no_access = SourceState("endpoints:bigcorp", SourceStatus.NO_ACCESS, None, None, "401", None, 401)
    report = with_sources(build_report(), endpoints__bigcorp=no_access)
    result = check_policy(report, Policy(no_min_replica_in=("bigcorp",)), build_catalog(None))
    assert result.breaches == () and not result.holds  # nothing found there, because nothing could be read
    assert result.unchecked == ("no Endpoint with min replica ≥ 1 in bigcorp: endpoints:bigcorp unreadable",)
    fine = check_policy(build_report(), Policy(no_min_replica_in=("bigcorp",)), build_catalog(None))
    assert fine.holds  # read, and bigcorp has no endpoint


@pytest.mark.e2e
def test_a_rule_over_every_namespace_is_unchecked_where_the_poll_did_not_look(fake: Callable[..., Served],  # noqa: F811
                                                                               tmp_path) -> None:
    served = fake()
    policy = tmp_path / "policy.toml"
    left_out = "was not polled (--namespace, or a profile's or the config's namespaces, left it out)"
    # northwind has no GPU Space; ada-labs/rag-service (l4x1) and ada/forgotten-finetune (a10g-large) never sleep:
    # a poll of northwind alone said "holds" / "every rule holds", exit 0
    policy.write_text("[policy]\ngpu_space_max_sleep_s = 3600\n", encoding="utf-8")
    run = served.run("check", "--no-history", "--namespace", "northwind", "--policy", str(policy))
    assert run.code == 1, run.stderr
    assert run.stdout.splitlines() == [
        "UNCHECKED no GPU Space without a sleep time of at most 1h",
        f"  not checked: ada {left_out}", f"  not checked: ada-labs {left_out}", "0 breach(es), 2 unchecked"]
    # ada's private storage is within its plan, northwind's is unknown: a poll of ada alone said "holds", exit 0
    policy.write_text("[policy]\nprivate_storage_within_plan = true\n", encoding="utf-8")
    run = served.run("check", "--no-history", "--namespace", "ada", "--policy", str(policy))
    assert run.code == 1, run.stderr
    assert run.stdout.splitlines() == [
        "UNCHECKED no private storage above the plan",
        f"  not checked: ada-labs {left_out}", f"  not checked: northwind {left_out}", "0 breach(es), 2 unchecked"]
    # "*": ada's two Endpoints with min replica 1 break it; ada-labs' and northwind's were never listed (0 unchecked)
    policy.write_text('[policy]\nno_min_replica_in = ["*"]\n', encoding="utf-8")
    run = served.run("check", "--no-history", "--namespace", "ada", "--policy", str(policy))
    assert run.code == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "BROKEN    no Endpoint with min replica ≥ 1 in any namespace"
    assert [line for line in lines if "not checked" in line] == [
        f"  not checked: ada-labs {left_out}", f"  not checked: northwind {left_out}"]
    assert lines[-1] == "2 breach(es), 2 unchecked"
    run = served.run("check", "--no-history", "--policy", str(policy))  # every namespace polled: all checked
    assert run.stdout.splitlines()[-1] == "6 breach(es), 0 unchecked"

"""evaluate() on hand-built Snapshots; every expected figure is worked out by hand in the test."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hfmon.config import Config, Tolerance
from hfmon.costs import evaluate
from hfmon.history import History, PollRun, StateChange, UsagePoint
from hfmon.models import JobCharge, RepoStorage, SessionCost, SourceStatus, ZeroGpuQuota
from hfmon.report import CheckStatus, PriceSource, Report, Total
from tests.costs.builders import (
    PERIOD_START,
    account,
    at,
    billing,
    compute,
    endpoint,
    flavor,
    job,
    line,
    missing,
    namespace,
    ok,
    paid,
    snapshot,
    space,
    statement,
)

D = Decimal
NOW = at(20)  # Nov 20 00:00: 19 days into the period, 11 days (264 h) left


def check(report: Report, item: str) -> tuple[Decimal | None, Decimal | None, Decimal | None, CheckStatus]:
    row = next(c for c in report.crosscheck if c.item == item)
    return row.billed_usd, row.recomputed_usd, row.delta_usd, row.status


def test_a_running_space_priced_live_billed_and_recomputed() -> None:
    snap = snapshot(
        namespace("alice", billing=billing("alice"), spaces=(space("alice/chat", replicas=2),),
                  statement=statement("alice", line("spaces/t4-small/minutes", "alice/chat", "90", "0.600030",
                                                    unit="0.006667"))),
        spaces_hw=(flavor("t4-small", "0.006667", gpu=True),))
    r = evaluate(snap, History(), Config(), NOW)
    cost = r.spaces[0].cost
    assert cost.price is not None and cost.price.source is PriceSource.LIVE
    assert cost.price.usd_per_hour == D("0.40002")  # 6667 micro-USD a minute x 60
    assert cost.cost_per_hour_usd == D("0.80004")  # two replicas
    assert (cost.billed_minutes, cost.billed_hours, cost.billed_usd) == (D(90), D("1.5"), D("0.600030"))
    assert cost.recomputed_usd == D("0.600030")  # 90 x 0.40002 / 60
    assert cost.to_period_end_usd == D("211.210560")  # 0.80004 x 264 h
    assert r.running_cost_per_hour_usd.value == D("0.80004")
    assert check(r, "space alice/chat t4-small") == (D("0.600030"), D("0.600030"), D(0), CheckStatus.OK)
    assert r.spaces[0].gpu_hours == D("1.5")
    assert r.gpu_hours_by_hardware == (("t4-small", D("1.5")),)


def test_an_injected_discrepancy_is_drift_and_small_rounding_is_not() -> None:
    snap = snapshot(namespace("alice", spaces=(space("alice/a"), space("alice/b")),
                              statement=statement("alice",
                                                  line("spaces/t4-small/minutes", "alice/a", "90", "0.63"),
                                                  line("spaces/t4-small/minutes", "alice/b", "90", "0.605"))))
    r = evaluate(snap, History(), Config(), NOW)
    # bundled $0.40/h: 90 min -> $0.60. 0.03 off is beyond max(1% of 0.63, $0.01); 0.005 is within.
    assert check(r, "space alice/a t4-small") == (D("0.63"), D("0.600000"), D("0.030000"), CheckStatus.DRIFT)
    assert check(r, "space alice/b t4-small")[3] is CheckStatus.OK
    assert check(r, "total spaces alice") == (D("1.235"), D("1.200000"), D("0.035000"), CheckStatus.DRIFT)
    loose = evaluate(snap, History(), Config(tolerance=Tolerance(pct=D(10))), NOW)
    assert check(loose, "space alice/a t4-small")[3] is CheckStatus.OK  # 10% of 0.63 = 0.063


def test_hardware_without_a_price_is_unpriced_not_free() -> None:
    snap = snapshot(namespace("alice", spaces=(space("alice/q", hardware="quantum-x1", sleep=None),
                                               space("alice/free", hardware="cpu-basic"),
                                               space("alice/static", hardware=None)),
                              statement=statement("alice", line("spaces/quantum-x1/minutes", "alice/q", "60", "5"))))
    r = evaluate(snap, History(), Config(), NOW)
    q, free, static = (row.cost for row in r.spaces)
    assert q.price is None and q.cost_per_hour_usd is None and q.recomputed_usd is None
    assert q.to_period_end_usd is None
    assert q.billed_usd == D(5)  # what HF billed is still shown
    assert r.unpriced == ("space alice/q (quantum-x1)",)
    assert check(r, "space alice/q quantum-x1") == (D(5), None, None, CheckStatus.UNPRICED)
    assert check(r, "total spaces alice")[3] is CheckStatus.UNPRICED
    assert free.price is not None and free.price.usd_per_hour == 0 and free.cost_per_hour_usd == 0
    assert static.price is None and static.cost_per_hour_usd == 0  # a static Space is free, not unpriced
    # the running Space without a price leaves the rate partial ("at least $0.00/h"), not a complete $0
    assert r.running_cost_per_hour_usd == Total(D(0), ("unpriced:space alice/q (quantum-x1)",))


def test_an_org_without_billing_access() -> None:
    snap = snapshot(namespace("alice", billing=billing("alice", "1", "2")),
                    namespace("acme", kind="org", billing=missing("billing:acme", SourceStatus.NO_ACCESS),
                              statement=missing("statement:acme", SourceStatus.NO_ACCESS),
                              spaces=(space("acme/x"),)),
                    acct=account(orgs=("acme",)))
    r = evaluate(snap, History(), Config(), NOW)
    assert r.billing_access is True
    assert [(o.name, o.billing_access) for o in r.orgs] == [("acme", False)]
    assert [c.namespace for c in r.credits] == ["alice"]
    x = r.spaces[0].cost
    assert x.billed_usd is None and x.billed_minutes is None and x.price is not None
    # without its statement, whether its t4-small is granted is unknown: so is what it costs now
    assert x.granted is None and x.cost_per_hour_usd is None
    assert r.running_cost_per_hour_usd.missing == ("grant:space acme/x (t4-small)",)
    assert not [c for c in r.crosscheck if "acme" in c.item]
    assert next(s for s in r.sources if s.name == "billing:acme").http_status == 403


def test_uptime_from_history_with_statement_intervals_before_it() -> None:
    history = History(changes=(StateChange("space", "alice/chat", at(19), "RUNNING", "t4-small", 1),
                               StateChange("space", "alice/chat", at(19, 12), "SLEEPING", "t4-small", 0),
                               StateChange("space", "alice/chat", at(19, 18), "RUNNING", "t4-small", 1)))
    runs = (line("spaces/t4-small/minutes", "alice/chat", "1440", "9.6", started=at(10), stopped=at(11)),
            line("spaces/t4-small/minutes", "alice/chat", "720", "4.8", started=at(19), stopped=at(19, 12)),
            line("spaces/t4-small/minutes", "alice/chat", "360", "2.4", started=at(19, 18), active=True))
    snap = snapshot(namespace("alice", spaces=(space("alice/chat"),), statement=statement("alice", *runs)))
    cost = evaluate(snap, history, Config(), NOW).spaces[0].cost
    assert cost.uptime_24h_pct == D("75.00")  # 12 h + 6 h of the last 24 h
    # Nov 1-19 from the statement (24 h on Nov 10), Nov 19-20 from history (18 h): 42 h of 456 h.
    assert cost.uptime_pct == D("9.21")
    no_history = evaluate(snap, History(), Config(), NOW).spaces[0].cost
    assert (no_history.uptime_pct, no_history.uptime_24h_pct) == (D("9.21"), D("75.00"))  # the runs alone


def test_a_line_summing_several_runs_does_not_say_when_they_were() -> None:
    history = History(changes=(StateChange("space", "alice/chat", at(19), "RUNNING", "t4-small", 1),
                               StateChange("space", "alice/chat", at(19, 12), "SLEEPING", "t4-small", 0),
                               StateChange("space", "alice/chat", at(19, 18), "RUNNING", "t4-small", 1)))
    summed = line("spaces/t4-small/minutes", "alice/chat", "2520", "16.8", started=at(10), active=True)
    snap = snapshot(namespace("alice", spaces=(space("alice/chat"),), statement=statement("alice", summed)))
    cost = evaluate(snap, history, Config(), NOW).spaces[0].cost
    assert cost.uptime_24h_pct == D("75.00")  # history covers the last day
    assert cost.uptime_pct == D("9.21")  # one replica: 2520 billed minutes of 456 h
    assert evaluate(snap, History(), Config(), NOW).spaces[0].cost.uptime_24h_pct is None
    two = snapshot(namespace("alice", spaces=(space("alice/chat", replicas=2),), statement=statement("alice", summed)))
    cost = evaluate(two, history, Config(), NOW).spaces[0].cost
    assert cost.uptime_pct is None  # replica-minutes; one day seen of 19 is not enough to say


def test_endpoints_match_lines_by_label_and_price_by_region() -> None:
    snap = snapshot(namespace(
        "alice", endpoints=(endpoint("alice", "llm", region="eu-west-1", ready=2),
                            endpoint("alice", "idle", state="scaledToZero", ready=0)),
        endpoint_catalog=(compute("nvidia-l4", "x1", "0.8"), compute("nvidia-l4", "x1", "0.9", region="eu-west-1")),
        statement=statement("alice", line("endpoints/aws/nvidia-l4/x1", "llm", "600", "9"),
                            line("endpoints/aws/nvidia-l4/x1", "alice/idle", "45", "0.6"))))
    r = evaluate(snap, History(), Config(), NOW)
    llm, idle = (row.cost for row in r.endpoints)
    assert llm.price is not None and llm.price.usd_per_hour == D("0.9")  # eu-west-1
    assert llm.cost_per_hour_usd == D("1.8")
    assert (llm.billed_minutes, llm.recomputed_usd) == (D(600), D("9.000000"))
    assert idle.cost_per_hour_usd == 0 and idle.to_period_end_usd == 0
    assert idle.recomputed_usd == D("0.600000")  # us-east-1 price: 45 min x 0.8 / 60
    assert check(r, "total endpoints alice") == (D("9.6"), D("9.600000"), D(0), CheckStatus.OK)


def test_jobs_fall_back_to_job_charges_and_their_own_times() -> None:
    snap = snapshot(namespace("alice", jobs=(job("j1", stage="COMPLETED", flavor="a10g-small",
                                                 started=at(19, 10), finished=at(19, 13)),),
                              statement=statement("alice"),
                              job_charges=(JobCharge("j1", "a10g-small", at(19, 10), at(19, 13), D(180), D(3)),)))
    r = evaluate(snap, History(), Config(), NOW)
    cost = r.jobs[0].cost
    assert (cost.billed_minutes, cost.billed_usd, cost.recomputed_usd) == (D(180), D(3), D("3.000000"))
    assert cost.cost_per_hour_usd == 0
    assert cost.uptime_24h_pct == D("12.50")  # 3 h of 24
    assert check(r, "job j1 a10g-small")[3] is CheckStatus.OK


def test_flags() -> None:
    history = History(changes=(StateChange("space", "alice/gpu", at(19, 14), "RUNNING", "a10g-large", 1),
                               StateChange("endpoint", "alice/pinned", at(19), "running", "aws/nvidia-l4/x1", 1)))
    gpu = space("alice/gpu", hardware="a10g-large", sleep=None)
    snap = snapshot(namespace(
        "alice", billing=billing("alice", "2.5", "2", limit="2.6"),
        spaces=(gpu, space("alice/cpu", hardware="cpu-basic", sleep=None)),
        endpoints=(endpoint("alice", "pinned", min_replica=1),),
        jobs=(job("long", started=at(18, 23)), job("short", started=at(19, 23))), statement=paid("alice", gpu)))
    r = evaluate(snap, history, Config(), NOW)
    kinds = {(f.kind, f.subject) for f in r.flags}
    assert kinds == {("no_sleep_time", "alice/gpu"), ("idle_gpu", "alice/gpu"),  # 10 h unchanged
                     ("cannot_scale_to_zero", "alice/pinned"), ("idle_gpu", "alice/pinned"),  # 24 h at min
                     ("long_running_job", "long"), ("credits_exhausted", "alice"), ("limit_near", "alice")}
    # without a statement line, its a10g-large may be granted: whether it costs anything idle or awake is unknown, so
    # neither flag is raised nor clear (was: both raised, as if it were billed)
    unsure = evaluate(replace(snap, namespaces=(replace(snap.namespaces[0], statement=missing("statement:alice")),)),
                      history, Config(), NOW)
    assert {(f.kind, f.subject) for f in unsure.flags} == kinds - {("no_sleep_time", "alice/gpu"),
                                                                   ("idle_gpu", "alice/gpu")}
    maybe = "maybe granted: no statement line"
    assert {f"no_sleep_time:alice/gpu ({maybe})", f"idle_gpu:alice/gpu ({maybe})"} <= set(unsure.flags_unchecked)


def test_flag_amounts_read_as_everywhere_else() -> None:
    snap = snapshot(namespace("alice", billing=billing("alice", "1234.565", "1000", limit="1200")))
    messages = [f.message for f in evaluate(snap, History(), Config(), NOW).flags]
    assert messages == ["alice has used its $1,000.00 included credits; $234.57 is billed pay-as-you-go",
                        "alice has reached its $1,200.00 spending limit"]  # format.money: separators, half-up


def test_inference_cross_check_waits_for_settlement() -> None:
    usage = billing("alice", "1.50", "2", providers=(("together", 10, "1.00"), ("groq", 5, "0.40")))
    history = History(usage=(UsagePoint("alice", at(19, 23, 29), PERIOD_START, D("1.40"), None),))
    sessions = (SessionCost("s1", PERIOD_START, 15, D("1.40")),)
    snap = snapshot(namespace("alice", billing=usage, sessions=sessions))
    r = evaluate(snap, history, Config(), NOW)
    assert r.credits[0].provisional_usd == D("0.10")
    assert check(r, "inference alice by provider") == (D("1.50"), D("1.40"), D("0.10"), CheckStatus.PENDING)
    assert check(r, "inference alice by session")[3] is CheckStatus.PENDING
    settled = evaluate(snap, History(), Config(), NOW)  # nothing to say the 10 cents are recent
    assert check(settled, "inference alice by provider")[3] is CheckStatus.DRIFT
    assert r.inference.cost_usd.value == D("1.50") and r.inference.requests.value == 15
    assert [(p.name, p.cost_usd) for p in r.inference.by_provider] == [("together", D("1.00")), ("groq", D("0.40"))]


def test_storage_and_source_ages() -> None:
    repos = (RepoStorage("alice", "alice/small", "model", True, 10), RepoStorage("alice", "alice/big", "dataset",
                                                                                 False, 500))
    snap = snapshot(namespace("alice", storage=ok("storage:alice", repos, at(19, 23, 59)),
                              billing=billing("alice", private_storage_bytes=1000, public_storage_bytes=2000,
                                              private_storage_limit_bytes=10**11)))
    r = evaluate(snap, History(), Config(), NOW)
    assert (r.storage.private_bytes, r.storage.public_bytes, r.storage.private_limit_bytes) == (
        Total(1000), Total(2000), 10**11)
    assert [x.id for x in r.storage.repos] == ["alice/big", "alice/small"]
    assert next(s for s in r.sources if s.name == "storage:alice").age_s == 60
    no_billing = evaluate(snapshot(namespace("alice", storage=repos)), History(), Config(), NOW)
    assert (no_billing.storage.private_bytes, no_billing.storage.public_bytes) == (Total(10), Total(500))


def test_evaluate_is_pure_same_inputs_same_report() -> None:
    snap = snapshot(namespace("alice", billing=billing("alice", "1"), spaces=(space("alice/chat"),)))
    assert evaluate(snap, History(), Config(), NOW) == evaluate(snap, History(), Config(), NOW)


def test_billed_minutes_against_history_allow_for_poll_lag() -> None:
    # History (polled every 60 s) saw the Space run 10:00-12:00 and 14:01-16:00: 239 minutes.
    history = History(changes=(StateChange("space", "alice/a", at(19, 10), "RUNNING", "t4-small", 1),
                               StateChange("space", "alice/a", at(19, 12), "SLEEPING", "t4-small", 1),
                               StateChange("space", "alice/a", at(19, 14, 1), "RUNNING", "t4-small", 1),
                               StateChange("space", "alice/a", at(19, 16), "SLEEPING", "t4-small", 1)),
                      poll_runs=(PollRun(at(19, 9), NOW, 60.0),))

    def row(minutes: str) -> tuple[Decimal | None, Decimal | None, CheckStatus]:
        billed = D(minutes) * D("0.006667")
        snap = snapshot(namespace("alice", spaces=(space("alice/a", stage="SLEEPING"),), statement=statement(
            "alice", line("spaces/t4-small/minutes", "alice/a", minutes, str(billed), unit="0.006667",
                          started=at(19, 10), stopped=at(19, 16)))))
        r = evaluate(snap, history, Config(), NOW)
        c = next(c for c in r.crosscheck if c.item == "space alice/a t4-small minutes vs history")
        return c.billed_usd, c.recomputed_usd, c.status

    assert row("240") == (D("1.600080"), D("1.593413"), CheckStatus.OK)  # 1 min off: poll lag (2 min allowed)
    assert row("300") == (D("2.000100"), D("1.593413"), CheckStatus.DRIFT)  # an hour that never ran


def test_zero_gpu_overage_is_priced_from_the_bundled_table() -> None:
    quota = ZeroGpuQuota(base_s=2400, remaining_s=0, resets_at=None, overquota_used_s=750)
    r = evaluate(snapshot(namespace("alice"), zero_gpu=quota), History(), Config(), NOW)
    assert r.zero_gpu == quota
    flag = next(f for f in r.flags if f.kind == "zero_gpu_overage")
    assert "12.5 min" in flag.message and "$1.25" in flag.message  # 12.5 min at $1 per 10 min


def test_a_snapshot_with_nothing_readable_still_gives_a_report() -> None:
    snap = snapshot()
    snap = replace(snap, account=missing("account"), spaces_hardware=missing("spaces_hardware"))
    r = evaluate(snap, History(), Config(), NOW)
    assert r.account is None and r.orgs == () and r.billing_access is None
    assert r.credits == () and r.crosscheck == () and r.unpriced == () and r.flags == ()
    # nothing was read, so nothing is $0: the totals are unknown and say the account is what is missing
    assert r.running_cost_per_hour_usd == Total(None, ("account",))
    assert r.inference.cost_usd == Total(None, ("account",)) and r.inference.requests.value is None
    assert not r.all_checked and set(r.flags_unchecked) == {"account", "zero_gpu"}
    assert {s.name for s in r.sources if s.status is SourceStatus.ERROR} == {"account", "spaces_hardware",
                                                                              "zero_gpu"}


def test_storage_lines_against_the_bundled_price() -> None:
    def status(total: str) -> tuple[Decimal | None, CheckStatus]:
        snap = snapshot(namespace("alice", statement=statement("alice", line("hf/repository-storage",
                                                                              "private storage", "2", total))))
        row = next(c for c in evaluate(snap, History(), Config(), NOW).crosscheck if c.item == "storage alice")
        return row.recomputed_usd, row.status

    assert status("36") == (D(36), CheckStatus.OK)  # 2 TB x $18
    assert status("40") == (D(36), CheckStatus.DRIFT)


def test_a_space_on_granted_hardware_costs_nothing_and_is_no_drift() -> None:
    # 600 minutes on a10g-small (catalog $1.00002/h): the grant pays, the statement bills $0.
    granted = replace(line("spaces/a10g-small/minutes", "alice/demo", "600", "0", unit="0.016667", active=True),
                      free_grant=True)
    paid = line("spaces/t4-small/minutes", "alice/chat", "60", "0.40002", unit="0.006667")
    snap = snapshot(
        namespace("alice", billing=billing("alice"),
                  spaces=(space("alice/demo", hardware="a10g-small", sleep=None), space("alice/chat")),
                  statement=statement("alice", granted, paid)),
        spaces_hw=(flavor("a10g-small", "0.016667", gpu=True), flavor("t4-small", "0.006667", gpu=True)))
    r = evaluate(snap, History(), Config(), NOW)
    demo = next(s for s in r.spaces if s.space.id == "alice/demo").cost
    assert demo.granted and demo.price is not None and demo.price.usd_per_hour == D("1.00002")
    assert (demo.cost_per_hour_usd, demo.billed_usd, demo.recomputed_usd, demo.to_period_end_usd) == (0, 0, 0, 0)
    assert not demo.billed_now
    assert r.running_cost_per_hour_usd.known == D("0.40002")  # only alice/chat
    assert r.running_cost_per_hour_usd.missing == ()  # the grant is known: $0, not a missing part
    billed, recomputed, delta, status = check(r, "space alice/demo a10g-small")
    assert (billed, recomputed, delta, status) == (0, 0, 0, CheckStatus.OK)
    assert "granted" in next(c.note for c in r.crosscheck if c.item == "space alice/demo a10g-small")
    assert check(r, "total spaces alice") == (D("0.40002"), D("0.40002"), D(0), CheckStatus.OK)
    assert r.spend[0].spaces_usd == D("0.40002")


def test_a_granted_space_on_hardware_no_catalog_knows_is_not_unpriced() -> None:
    granted = replace(line("spaces/h300/minutes", "alice/demo", "60", "0", active=True), free_grant=True)
    snap = snapshot(namespace("alice", billing=billing("alice"), spaces=(space("alice/demo", hardware="h300"),),
                              statement=statement("alice", granted)))
    r = evaluate(snap, History(), Config(), NOW)
    assert r.spaces[0].cost.cost_per_hour_usd == 0 and r.spaces[0].cost.granted
    assert r.unpriced == ()
    assert check(r, "space alice/demo h300")[3] is CheckStatus.OK


def test_a_statement_line_without_a_label_is_checked_under_its_entity_id() -> None:
    unlabelled = replace(line("spaces/t4-small/minutes", "", "60", "0.40002", unit="0.006667"), label=None,
                         entity_id="65f0aa00bb11cc22dd33ee44")
    snap = snapshot(namespace("alice", billing=billing("alice"), statement=statement("alice", unlabelled)),
                    spaces_hw=(flavor("t4-small", "0.006667", gpu=True),))
    r = evaluate(snap, History(), Config(), NOW)
    assert check(r, "space alice/entity 65f0aa00bb11cc22dd33ee44 t4-small") == (
        D("0.40002"), D("0.40002"), D(0), CheckStatus.OK)


def test_past_the_statement_period_end_nothing_more_is_projected_to_it() -> None:
    # HF has not rolled the statement over yet: its period (November) ended 5 hours ago, the Space still runs.
    snap = snapshot(
        namespace("alice", billing=billing("alice"), spaces=(space("alice/chat", replicas=2),),
                  statement=statement("alice", line("spaces/t4-small/minutes", "alice/chat", "90", "0.600030",
                                                    unit="0.006667"))),
        spaces_hw=(flavor("t4-small", "0.006667", gpu=True),))
    cost = evaluate(snap, History(), Config(), at(1, 5, month=12)).spaces[0].cost
    assert cost.cost_per_hour_usd == D("0.80004")
    assert cost.to_period_end_usd == 0  # never a negative amount "to the period end" (-0.80004 x 5 h)


def test_a_space_is_priced_on_the_hardware_it_runs_on_else_on_the_one_it_asked_for() -> None:
    # Upgrading: it still runs on t4-small ($0.40002/h) and has asked for a10g-small ($1.2/h); another, still
    # building, has no current hardware yet: its price is the requested a10g-small's.
    upgrading = replace(space("alice/up"), requested_hardware="a10g-small")
    building = replace(space("alice/new", stage="BUILDING", hardware=None), requested_hardware="a10g-small")
    snap = snapshot(namespace("alice", billing=billing("alice"), spaces=(upgrading, building),
                              statement=paid("alice", upgrading)),  # read: t4-small is not granted
                    spaces_hw=(flavor("t4-small", "0.006667", gpu=True), flavor("a10g-small", "0.02", gpu=True)))
    rows = {r.space.id: r.cost for r in evaluate(snap, History(), Config(), NOW).spaces}
    price_up, price_new = rows["alice/up"].price, rows["alice/new"].price
    assert price_up is not None and price_up.usd_per_hour == D("0.40002")  # 0.006667 x 60
    assert rows["alice/up"].cost_per_hour_usd == D("0.40002")
    assert price_new is not None and price_new.usd_per_hour == D("1.20")  # 0.02 x 60

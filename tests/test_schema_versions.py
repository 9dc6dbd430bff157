"""The JSON Schema of version 4 is version 3 plus the proxy's figures: every other part is the same, so a change
made to once-v3.json alone (the fields both versions share) is caught here and must be made to once-v4.json too."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

from hfmon.history import POLL_RUN_BREAK


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resources.files("hfmon.schemas").joinpath(name).read_text(encoding="utf-8"))
    return loaded


def without_v4_changes(doc: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    for key in ("$id", "title", "description"):
        out.pop(key)
    out["properties"].pop("schema_version")
    out["$defs"].pop("usage_figures", None)
    out["$defs"]["total_usd"]["properties"]["missing"].pop("description")
    inference = out["properties"]["inference"]
    inference["required"] = [k for k in inference["required"] if k != "proxy"]
    inference["properties"].pop("proxy", None)
    inference["properties"].pop("by_model")
    return out


def test_version_4_is_version_3_plus_the_proxy_figures() -> None:
    v3, v4 = schema("once-v3.json"), schema("once-v4.json")
    assert v4["properties"]["schema_version"] == {"const": 4} and v3["properties"]["schema_version"] == {"const": 3}
    assert without_v4_changes(v4) == without_v4_changes(v3)
    old_by_model = v3["properties"]["inference"]["properties"]["by_model"]["items"]["properties"]
    new_by_model = v4["properties"]["inference"]["properties"]["by_model"]["items"]["properties"]
    assert set(old_by_model) <= set(new_by_model)  # every version 3 field is kept


def test_version_5_is_version_4_plus_repositories() -> None:
    v4, v5 = schema("once-v4.json"), schema("once-v5.json")
    assert v5["properties"]["schema_version"] == {"const": 5}
    new = copy.deepcopy(v5)
    repositories = new["properties"].pop("repositories")
    new["required"].remove("repositories")
    old = copy.deepcopy(v4)
    for doc in (new, old):
        for key in ("$id", "title", "description"):
            doc.pop(key)
        doc["properties"].pop("schema_version")
    assert new == old  # every version 4 field is kept as it was
    repo = repositories["properties"]["repos"]["items"]
    assert {"downloads", "likes", "storage_bytes", "last_modified"} <= set(repo["required"])
    assert repo["properties"]["downloads"]["type"] == ["integer", "null"]  # unknown is null, never 0


def test_version_6_keeps_every_version_5_field_and_makes_unknown_storage_and_remainder_null() -> None:
    v5, v6 = schema("once-v5.json"), schema("once-v6.json")
    assert v6["properties"]["schema_version"] == {"const": 6}
    new, old = copy.deepcopy(v6), copy.deepcopy(v5)
    added = ("namespaces_unknown", "crosscheck_unchecked")
    for key in added:
        assert new["properties"].pop(key)["items"] == {"type": "string"}
        new["required"].remove(key)
    storage = new["properties"]["storage"]["properties"]
    for key in ("private_bytes", "public_bytes"):  # numbers that could be 0 in disguise became totals
        assert old["properties"]["storage"]["properties"][key] == {"type": "integer"}
        assert storage.pop(key)["$ref"] == "#/$defs/total_count"
        old["properties"]["storage"]["properties"].pop(key)
    rest = new["properties"]["inference"]["properties"].pop("not_broken_down")
    assert rest["oneOf"] == [old["properties"]["inference"]["properties"].pop("not_broken_down"), {"type": "null"}]
    cheaper = [doc["properties"]["inference"]["properties"]["by_model"]["items"]["properties"]["cheaper_elsewhere"][
        "properties"] for doc in (new, old)]
    for key in ("providers", "cheapest_policy_requests"):  # unknown without router prices: null, not [] or 0
        assert cheaper[0].pop(key).pop("type") == [cheaper[1].pop(key).pop("type"), "null"]
    granted = new["properties"]["spaces"]["items"]["properties"].pop("granted")
    assert granted["type"] == ["boolean", "null"]  # unknown without a statement, never "not granted"
    old["properties"]["spaces"]["items"]["properties"].pop("granted")
    for doc in (new, old):
        for key in ("$id", "title", "description"):
            doc.pop(key)
        doc["properties"].pop("schema_version")
        for total in ("total_count", "total_usd"):
            doc["$defs"][total]["properties"]["missing"].pop("description")  # v6 adds `grant:<item>`
    assert new == old  # every other version 5 field is kept as it was


def test_version_7_keeps_every_version_6_field_and_makes_unknown_credits_and_unread_lists_null() -> None:
    v6, v7 = schema("once-v6.json"), schema("once-v7.json")
    assert v7["properties"]["schema_version"] == {"const": 7}
    new, old = copy.deepcopy(v7), copy.deepcopy(v6)
    for key in ("invoices_missing", "scheduled_jobs_missing"):  # added: the sources those lists were not read from
        assert new["properties"].pop(key)["items"] == {"type": "string"}
        new["required"].remove(key)
    # added later, and not required: documents written by version 7 before it stay valid
    assert new["properties"].pop("resource_groups_missing")["items"] == {"type": "string"}
    assert "resource_groups_missing" not in new["required"]
    unpriced_missing = new["properties"].pop("unpriced_missing")  # the listings `unpriced` could not look at
    assert unpriced_missing["items"] == {"type": "string"}
    assert "Optional: added in v7" in unpriced_missing["description"]
    assert "unpriced_missing" not in new["required"]
    scheduled = new["properties"]["scheduled_jobs"]["oneOf"][0]
    for key in ("attempts", "max_attempt_usd"):  # optional: a run's attempts (jobSpec.retry), one attempt's bound
        assert "Optional: added in v7" in scheduled["items"]["properties"].pop(key)["description"]
    said = scheduled.pop("description")  # reworded: max_run_usd counts every attempt of a run
    assert "one run up to attempts of them" in said
    scheduled["description"] = old["properties"]["scheduled_jobs"]["description"]
    for key in ("invoices", "scheduled_jobs"):  # an unread list is null, never [] ("there are none")
        assert new["properties"].pop(key)["oneOf"] == [old["properties"].pop(key), {"type": "null"}]
    groups_new, null = new["properties"].pop("resource_groups")["oneOf"]  # no org's groups read: null, never []
    groups_old = old["properties"].pop("resource_groups")
    assert null == {"type": "null"}
    why = groups_new["items"]["properties"].pop("spend_unknown_why")  # optional: why a group's spend is null
    assert why["type"] == ["string", "null"] and "Optional: added in v7" in why["description"]
    limits_new = groups_new["items"]["properties"]["limits"]
    limits_old = groups_old["items"]["properties"]["limits"]
    assert limits_new.pop("type") == [limits_old.pop("type"), "null"]  # a group's unread limits are null
    assert limits_new.pop("description").startswith("null: the group's limits could not be read")
    # reworded: every org is asked for its groups (HF's spec: a Team plan or higher), not Enterprise orgs alone
    said_new, said_old = groups_new.pop("description"), groups_old.pop("description")
    assert said_old.startswith("Enterprise orgs: ") and "Enterprise" not in said_new
    assert said_new.startswith("Every org is asked (resource groups need a Team plan or higher): ")
    assert said_new.partition(": ")[2] == said_old.partition(": ")[2]  # the rest of it is as it was
    state_new, state_old = (g["items"]["properties"]["limits"]["items"]["properties"]["state"]
                            for g in (groups_new, groups_old))
    # added: `closed`, a $0 limit on a product the group has not spent on (HF refuses it: info, not over)
    assert state_new.pop("enum") == [*state_old.pop("enum"), "closed"]
    said_new, said_old = state_new.pop("description"), state_old.pop("description")
    assert said_new.startswith(said_old + "; closed (added in v7): ")
    assert groups_new == groups_old
    for rows in ("endpoints", "spaces", "jobs"):  # added: the uptime as a lower bound where hfmon did not watch
        fields = new["properties"][rows]["items"]["properties"]
        # described: an Endpoint's or a Space's billed hours are replica-hours (a Job's, wall hours of one replica)
        said = fields["billed_hours"].pop("description")
        assert said.startswith("Hours" if rows == "jobs" else "Replica-hours"), rows
        # the unwatched time is every stretch between runs of polls (history.unwatched), not only hfmon not running
        unwatched = fields["uptime_unwatched_pct"]["description"]
        assert f"more than {POLL_RUN_BREAK.seconds // 60} minutes apart" in unwatched
        assert "did not read the listing" in unwatched and "retention pruned" in unwatched
        for key in ("uptime_at_least_pct", "uptime_unwatched_pct", "uptime_24h_at_least_pct",
                    "uptime_24h_unwatched_pct"):
            assert fields.pop(key)["type"] == ["number", "null"]
        for key in ("uptime_state_unknown_pct", "uptime_24h_state_unknown_pct"):  # optional: time in an undocumented
            field = fields.pop(key)  # state (an Endpoint updating), neither up nor down
            assert field["type"] == ["number", "null"] and "Optional: added in v7" in field["description"]
        uptime_why = fields.pop("uptime_why")  # optional: why there is no uptime (short history, no polls, new period)
        assert uptime_why["type"] == ["string", "null"] and "Optional: added in v7" in uptime_why["description"]
        assert "uptime_why" not in new["properties"][rows]["items"]["required"]
        if rows != "jobs":  # optional: why what an Endpoint or a Space costs ahead is unknown (a failed listing)
            why = fields.pop("to_period_end_why")
            assert why["type"] == ["string", "null"] and "Optional: added in v7" in why["description"]
            assert "to_period_end_why" not in new["properties"][rows]["items"]["required"]
    credits_new, credits_old = new["$defs"].pop("credits"), old["$defs"].pop("credits")
    assert credits_new["properties"].pop("why")["type"] == ["string", "null"]
    assert credits_new["required"] == [*credits_old["required"], "why"]
    assert credits_new["properties"].pop("rate_unknown_why")["type"] == ["string", "null"]  # added, optional
    why_24h = credits_new["properties"].pop("burn_rate_24h_why")  # added, optional: why there is no 24 h rate
    assert why_24h["type"] == ["string", "null"] and "Optional: added in v7" in why_24h["description"]
    for key, field in credits_new["properties"].items():
        was = credits_old["properties"][key]
        if key in ("included_usd", "remaining_usd", "overage_usd"):  # unknown without the included amount: null
            assert field == {"type": ["number", "null"]} and was == {"type": "number"}
        elif key in ("projected_period_usd", "projection_rate_usd_per_day"):  # no rate in a period's first 4 h
            assert field["type"] == ["number", "null"] and was["type"] == "number"
        elif key == "burn_rate_usd_per_day":  # nor an average over them: minutes of placeholders, or 0 s
            assert field["type"] == ["number", "null"] and was == {"type": "number"}
            assert field["description"].startswith("over the period so far (informational); null in its first 4 h")
        elif key == "burn_rate_24h_usd_per_day":  # nullable already: now null rather than a shorter span's rate
            assert field["type"] == was["type"] == ["number", "null"]
            assert "null while history has no usage total 24 h old" in field["description"]
        else:  # exhausts_at was nullable already; the spend, rates and projection are known
            assert field == was, key
    account_new, account_old = (doc["properties"]["account"]["anyOf"][1]["properties"] for doc in (new, old))
    assert account_new.pop("orgs_why")["type"] == ["string", "null"]  # added: why the orgs are unknown
    orgs_new, orgs_old = account_new.pop("orgs"), account_old.pop("orgs")
    assert (orgs_new["type"], orgs_old["type"]) == (["array", "null"], "array")  # orgs whoami did not list: null
    assert orgs_new["items"] == orgs_old["items"]
    space_new = new["properties"]["spaces"]["items"]  # added: a sleep time HF did not send is unknown
    assert space_new["properties"].pop("sleep_time_why")["type"] == ["string", "null"]
    space_new["required"].remove("sleep_time_why")
    job_new = new["properties"]["jobs"]["items"]
    for key in ("timeout_s", "ends_by", "to_period_end_why"):  # added: a Job's cost ahead stops at its timeout
        assert "null" in str(job_new["properties"].pop(key))
        job_new["required"].remove(key)
    assert "timeout" in job_new["properties"]["to_period_end_usd"].pop("description")
    inference_new, inference_old = (doc["properties"]["inference"]["properties"] for doc in (new, old))
    provider_new, provider_old = (i["by_provider"]["items"]["properties"] for i in (inference_new, inference_old))
    assert provider_new.pop("requests")["type"] == ["integer", "null"]  # a count HF did not give: null, never 0
    assert provider_old.pop("requests") == {"type": "integer"}
    # optional: this period's inference as spend counts it, and whose usage-v2 counts over another period, from when
    assert inference_new.pop("this_period_usd")["$ref"] == "#/$defs/total_usd"
    assert "Optional: added in v7" in inference_new.pop("other_period_starts")["description"]
    rest_new, rest_old = (i["not_broken_down"]["oneOf"][0] for i in (inference_new, inference_old))
    assert rest_new["properties"].pop("why")["type"] == ["string", "null"]  # added: why a figure of it is null
    for key, was in (("requests", "integer"), ("cost_usd", "number")):  # unknown, never negative: null
        assert rest_new["properties"].pop(key)["type"] == [was, "null"]
        assert rest_old["properties"].pop(key) == {"type": was}
    rest_new.pop("description"), rest_old.pop("description")
    jobs_new = new["properties"]["jobs"]["items"]["properties"]
    # optional: a Job's exposed ports, what they add to its $/h, the most attempts its run makes (retry)
    # and why its billed figures are unknown though the statement was read (no line yet for a Job that ran)
    for key in ("exposed_ports", "expose_usd_per_hour", "attempts", "billed_why"):
        assert "Optional: added in v7" in jobs_new.pop(key)["description"]
    # optional: whose figures a cross-check row checks (a Job's item names no namespace)
    checked = new["properties"]["crosscheck"]["items"]["properties"].pop("namespace")
    assert checked["type"] == ["string", "null"] and "Optional: added in v7" in checked["description"]
    assert "namespace" not in new["properties"]["crosscheck"]["items"]["required"]
    # optional: the proxy's requests whose namespace is unknown, in no count of the figures (every copy of them)
    windows = inference_new["proxy"]["properties"]["windows"]["items"]["properties"]
    for figures in (new["$defs"]["usage_figures"], inference_new["by_model"]["items"], windows["by_model"]["items"],
                    windows["by_provider"]["items"]):
        unknown = figures["properties"].pop("requests_owner_unknown")
        assert unknown["type"] == "integer" and "Optional: added in v7" in unknown["description"]
        assert "requests_owner_unknown" not in figures.get("required", ())
        # optional: the proxy's requests the ledger lost (the history file refused them), whose group is unknown
        lost = figures["properties"].pop("requests_lost")
        assert lost["type"] == "integer" and "Optional: added in v7" in lost["description"]
    # optional: the start of the period usage-v2 counts a namespace's inference over, when not the spend's
    elsewhen = new["properties"]["spend"]["items"]["properties"].pop("inference_period_start")
    assert elsewhen["type"] == ["string", "null"] and "Optional: added in v7" in elsewhen["description"]
    bound = new["properties"]["spend"]["items"]["properties"].pop("inference_at_most_usd")  # and its upper bound
    assert bound["type"] == ["number", "null"] and "Optional: added in v7" in bound["description"]
    behind = new["properties"]["spend"]["items"]["properties"].pop("behind")  # a statement behind HF's other figures
    assert behind["type"] == "array" and "Optional: added in v7" in behind["description"]
    assert "behind" not in new["properties"]["spend"]["items"]["required"]
    # reworded: a total's part may be missing as `inference_period:<namespace>` (counted over another period)
    said_new, said_old = (doc["$defs"]["total_usd"]["properties"]["missing"].pop("description") for doc in (new, old))
    assert "`inference_period:<namespace>`" in said_new and said_new.startswith(said_old.partition(";")[0][:40])
    assert "`ended_jobs:<namespace>`" in said_new  # and in a spend window, Jobs not all listed since it ended
    assert "`period_tail:<namespace>`" in said_new  # or a period that ended in it after hfmon's last poll of it
    # reworded: a storage total's part may be missing as `storage_cut:<namespace>` (a listing cut at its limit)
    said_new, said_old = (doc["$defs"]["total_count"]["properties"]["missing"].pop("description") for doc in (new, old))
    assert said_new.startswith(said_old + "; in `storage`'s byte totals also `storage_cut:<namespace>`")
    # optional: each namespace's private storage against its own limit (no pooled limit across namespaces)
    storage_new = new["properties"]["storage"]["properties"]
    per_namespace = storage_new.pop("by_namespace")
    assert "Optional: added in v7" in per_namespace["description"]
    assert "by_namespace" not in new["properties"]["storage"]["required"]
    assert set(per_namespace["items"]["required"]) == {"namespace", "private_bytes", "private_limit_bytes", "share",
                                                       "over_bytes", "public_bytes"}
    assert "null across several namespaces" in storage_new["private_limit_bytes"].pop("description")
    # named: the GPU hours by hardware are the Spaces' alone (Jobs' and Endpoints' are not in them)
    said_hours = new["properties"]["gpu_hours_by_hardware"].pop("description")
    assert said_hours.startswith("Spaces' GPU hours") and "Jobs' and Inference Endpoints'" in said_hours
    said_new, said_old = (doc["properties"]["gpu_hours_missing"].pop("description") for doc in (new, old))
    assert said_new == said_old.replace("GPU hours", "Spaces GPU hours")
    # optional: a flag computed from a source that failed this poll (its last good value) is not raised now
    stale = new["properties"]["flags"]["items"]["properties"].pop("stale")
    assert stale["type"] == "boolean" and "Optional: added in v7" in stale["description"]
    # optional: a source's ok answer was hfmon's cached one, not asked this poll (no answer now)
    cached = new["properties"]["sources"]["additionalProperties"]["properties"].pop("from_cache")
    assert cached["type"] == "boolean" and "Optional: added in v7" in cached["description"]
    # a repo's size may be null (HF sent a fraction of a byte: unknown, never rounded); documents without a null stay
    # valid
    sized = new["properties"]["storage"]["properties"]["repos"]["items"]["properties"]["bytes"]
    assert sized.pop("type") == ["integer", "null"] and "Null allowed since v7" in sized.pop("description")
    sized["type"] = "integer"
    # optional: why a listing was read only in part (cut where hfmon stops reading it)
    part = new["properties"]["sources"]["additionalProperties"]["properties"].pop("read_in_part")
    assert part["type"] == ["string", "null"] and "Optional: added in v7" in part["description"]
    # optional: the resources that may be billed now (a Space whose grant is unknown), not in the meter's count
    maybe = new["properties"]["meter"]["items"]["properties"].pop("billed_now_unknown")
    assert maybe["type"] == "array" and "Optional: added in v7" in maybe["description"]
    # reworded: a window's inference part is what usage-v2 says of the window itself (audit 8 E2)
    said_new, said_old = (doc["properties"]["windows"].pop("description") for doc in (new, old))
    assert said_new.startswith(said_old.removesuffix(".")) and "`usage_windows:<namespace>`" in said_new
    for doc in (new, old):
        for key in ("$id", "title", "description"):
            doc.pop(key)
        doc["properties"].pop("schema_version")
    assert new == old  # every other version 6 field is kept as it was

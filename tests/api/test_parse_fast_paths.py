"""The parsers' fast paths (an int field checked without a Decimal, a dict taken as an object at once, a text
shorter than any secret left as it is, a listing row of the usual shape taken as it is) give what the general paths
give, errors included."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hfmon.api.parse_billing import _checked_usage_line, parse_statement
from hfmon.api.parse_common import BYTES, COUNT, REPLICAS, SECONDS, Bound, number, opt_int, opt_obj, to_int
from hfmon.api.parse_repos import _hub_repo, parse_hub_repos
from hfmon.api.parse_resources import _repo, _space, parse_repos, parse_spaces
from hfmon.errors import BadResponseError
from hfmon.models import UsageLine
from hfmon.scrub import MASK, register_secret, scrub, scrub_argument


def general_path(value: int, where: str, bound: Bound | None) -> int | str:
    """The integer (or the error text) through the Decimal path every number took before."""
    try:
        return to_int(number(value, where, bound))
    except BadResponseError as exc:
        return exc.message


def fast_path(value: int, bound: Bound | None) -> int | str:
    try:
        result = opt_int({"n": value}, "n", "item", bound)
    except BadResponseError as exc:
        return exc.message
    assert result is not None
    return result


@given(st.integers(min_value=-(10**22), max_value=10**22), st.sampled_from([None, BYTES, COUNT, REPLICAS]))
def test_an_int_field_is_what_the_decimal_path_gives(value: int, bound: Bound | None) -> None:
    assert fast_path(value, bound) == general_path(value, "item.n", bound)


def test_a_boolean_is_not_a_number() -> None:
    with pytest.raises(BadResponseError, match="expected a number"):
        opt_int({"n": True}, "n", "item", COUNT)


def test_replicas_out_of_bounds_fail_and_auto_is_unknown() -> None:
    def space(replicas: object) -> dict[str, object]:
        return {"id": "a/s", "runtime": {"stage": "RUNNING", "replicas": {"requested": replicas, "current": 1}}}

    assert parse_spaces([space(3)], "a")[0].replicas_requested == 3
    assert parse_spaces([space("auto")], "a")[0].replicas_requested is None
    assert parse_spaces([space(True)], "a")[0].replicas_requested is None
    with pytest.raises(BadResponseError, match=r"spaces\[0\]\.runtime\.replicas\.requested: 10001 is not a plausible"):
        parse_spaces([space(10_001)], "a")


def test_a_nested_object_is_a_dict_or_any_mapping() -> None:
    assert opt_obj({"o": {"a": 1}}, "o") == {"a": 1}
    assert opt_obj({"o": [1]}, "o") == {}


def test_a_registered_secret_is_masked_wherever_it_sits() -> None:
    secret = "s3cr3t-value-for-the-fast-path"  # not token-shaped: only its registration masks it
    register_secret(secret)
    assert scrub(f"before {secret} after") == f"before {MASK} after"
    assert scrub(secret) == MASK
    assert scrub(secret[:-1]) == secret[:-1]  # shorter than every secret: left as it is


def test_a_jobs_argument_keeps_its_control_characters_but_never_a_token() -> None:
    token = "hf_" + "Ab1" * 12
    assert scrub_argument("echo ok\nrm -rf ~/scratch") == "echo ok\nrm -rf ~/scratch"  # shown via shell_command
    assert scrub_argument(f"--token={token}") == f"--token={MASK}"
    split = f"--token={token[:10]}\x1b[0m{token[10:]}"  # a token an escape splits is a token all the same
    assert token[10:] not in scrub_argument(split) and MASK in scrub_argument(split)


def test_every_registered_secret_is_masked_in_a_listing_not_only_the_first() -> None:
    first, second = "first-secret-of-the-listing-test", "second-secret-of-the-listing-test"
    register_secret(first)
    register_secret(second)
    for secret in (first, second):
        row = {"id": f"a/{secret}", "type": "model", "visibility": "private", "storage": 1}
        assert parse_repos([row], "a")[0].id == f"a/{MASK}"


@given(st.one_of(st.integers(min_value=-(10**20), max_value=10**20), st.floats(allow_nan=False, allow_infinity=False),
                 st.just("12"), st.booleans(), st.none()))
def test_a_repository_size_is_what_the_decimal_path_gives(size: object) -> None:
    """settings/repositories' `storage`: an int is checked as it is, anything else goes through the Decimal path (a
    fraction of a byte is no size: unknown, never cut to the byte below)."""
    def parsed() -> int | str | None:
        try:
            return parse_repos([{"id": "a/r", "type": "model", "visibility": "private", "storage": size}], "a")[0].bytes
        except BadResponseError as exc:
            return exc.message

    def decimal_path() -> int | str | None:
        try:
            exact = number(size, "repositories[0].storage", BYTES)
            return int(exact) if exact == exact.to_integral_value() else None
        except BadResponseError as exc:
            return exc.message if size is not None else bad_missing

    bad_missing = "unexpected response: repositories[0].storage: missing required field"
    assert parsed() == decimal_path()


TEXTS = st.one_of(st.sampled_from(["org/repo", "model", "dataset", "public", "private", "protected", "",
                                   "hf_" + "a" * 30, "a\x1b[2Jb", "tab\there", "zero\u200bwidth",
                                   "pub\u200blic"]),  # public only once scrubbed
                  st.text(max_size=12))
EDGES = [-1, 0, *(int(b.high) + d for b in (COUNT, BYTES, SECONDS, REPLICAS) for d in (0, 1))]  # the bounds, and past
NUMBERS = st.one_of(st.none(), st.integers(min_value=-5, max_value=2**63), st.sampled_from(EDGES),
                    st.booleans(), st.floats(allow_nan=True), st.sampled_from(["12", "x", "1e3"]))
ANY = st.one_of(TEXTS, NUMBERS, st.lists(st.integers(), max_size=2))


def outcome(parse: Callable[[], object]) -> object:
    try:
        return parse()
    except BadResponseError as exc:
        return exc.message


@settings(max_examples=400)
@given(st.one_of(st.fixed_dictionaries({"id": TEXTS, "type": TEXTS, "visibility": TEXTS},
                                       optional={"storage": NUMBERS}),
                 st.fixed_dictionaries({}, optional={"id": ANY, "type": ANY, "visibility": ANY, "storage": NUMBERS}),
                 ANY))
def test_a_storage_row_is_what_the_general_path_gives(row: object) -> None:
    assert outcome(lambda: parse_repos([row], "acme")) == outcome(lambda: (_repo(row, "repositories[0]", "acme"),))


HUB_FIELDS = {"private": st.one_of(st.booleans(), ANY), "downloads": NUMBERS, "likes": NUMBERS, "usedStorage": NUMBERS,
              "lastModified": st.one_of(st.none(), st.integers(min_value=0, max_value=2**40), st.sampled_from(
                  ["2026-08-01T00:00:00.000Z", "2026-08-01T00:00:00+02:00", "yesterday",
                   "2026-08-01T00:00:00.123456789Z"]))}


@settings(max_examples=400)
@given(st.one_of(st.fixed_dictionaries({"id": TEXTS}, optional=HUB_FIELDS),
                 st.fixed_dictionaries({}, optional={"id": ANY, **HUB_FIELDS}), ANY),
       st.sampled_from(["model", "dataset"]))
def test_a_model_or_dataset_row_is_what_the_general_path_gives(row: object, kind: str) -> None:
    assert (outcome(lambda: parse_hub_repos([row], "acme", kind))
            == outcome(lambda: (_hub_repo(row, f"{kind}s[0]", "acme", kind),)))


OPTIONAL_TEXT = st.one_of(st.none(), TEXTS, NUMBERS)
REPLICA_COUNTS = st.one_of(st.sampled_from([None, "auto", True, -1, 0, 3, 10_000, 10_001]), NUMBERS)
RUNTIME = st.fixed_dictionaries({}, optional={
    "stage": OPTIONAL_TEXT, "sdk": OPTIONAL_TEXT, "gcTimeout": NUMBERS,
    "hardware": st.one_of(st.fixed_dictionaries({}, optional={"current": OPTIONAL_TEXT, "requested": OPTIONAL_TEXT}),
                          ANY),
    "replicas": st.one_of(st.fixed_dictionaries({}, optional={"requested": REPLICA_COUNTS, "current": REPLICA_COUNTS}),
                          ANY)})
SPACE_FIELDS = {"_id": OPTIONAL_TEXT, "sdk": OPTIONAL_TEXT, "private": st.one_of(st.booleans(), ANY),
                "usedStorage": NUMBERS, "likes": NUMBERS, "lastModified": HUB_FIELDS["lastModified"],
                "runtime": st.one_of(RUNTIME, ANY)}


@settings(max_examples=600)
@given(st.one_of(st.fixed_dictionaries({"id": TEXTS, "runtime": RUNTIME},
                                       optional={k: v for k, v in SPACE_FIELDS.items() if k != "runtime"}),
                 st.fixed_dictionaries({}, optional={"id": ANY, **SPACE_FIELDS}), ANY))
def test_a_space_row_is_what_the_general_path_gives(row: object) -> None:
    assert outcome(lambda: parse_spaces([row], "acme")) == outcome(lambda: (_space(row, "spaces[0]", "acme"),))


USUAL_SPACE = {"_id": "65f0c0ffee", "id": "acme/app", "private": True, "usedStorage": 1234, "likes": 7,
           "lastModified": "2026-11-02T10:00:00.000Z",
           "runtime": {"stage": "RUNNING", "sdk": "gradio", "gcTimeout": 3600,
                       "hardware": {"current": "t4-small", "requested": "t4-medium"},
                       "replicas": {"requested": 2, "current": 1}}}


def test_a_usual_space_row_is_read_whole() -> None:
    """Every field of a usual row, by hand: the fast path reads what the general path reads."""
    space = parse_spaces([USUAL_SPACE], "acme")[0]
    assert (space.id, space.namespace, space.stage, space.hardware, space.requested_hardware, space.sleep_time_s,
            space.replicas_requested, space.replicas_current, space.private, space.used_storage_bytes, space.sdk,
            space.likes, space.entity_id) == ("acme/app", "acme", "RUNNING", "t4-small", "t4-medium", 3600, 2, 1,
                                              True, 1234, "gradio", 7, "65f0c0ffee")
    assert space.last_modified == datetime(2026, 11, 2, 10, tzinfo=UTC)


SPACE_PATHS = [("_id",), ("id",), ("sdk",), ("private",), ("usedStorage",), ("likes",), ("lastModified",),
               ("runtime", "stage"), ("runtime", "sdk"), ("runtime", "gcTimeout"), ("runtime", "hardware", "current"),
               ("runtime", "hardware", "requested"), ("runtime", "replicas", "requested"),
               ("runtime", "replicas", "current")]
ODD_VALUES = ["a\x1b[2Jb", "hf_" + "a" * 30, "tab\there", "", None, True, -1, *EDGES, 1.5, "12", [1], {"a": 1}]


@pytest.mark.parametrize("path", SPACE_PATHS, ids=".".join)
def test_each_field_of_a_usual_space_row_odd_in_turn_is_what_the_general_path_gives(path: tuple[str, ...]) -> None:
    """The usual row with one field at a time dirty, absurd, of another type or missing."""
    for value in ODD_VALUES:
        row = json.loads(json.dumps(USUAL_SPACE))
        *parents, key = path
        holder = row
        for parent in parents:
            holder = holder[parent]
        holder[key] = value
        assert (outcome(lambda: parse_spaces([row], "acme"))  # noqa: B023 - called at once
                == outcome(lambda: (_space(row, "spaces[0]", "acme"),))), (path, value)  # noqa: B023


MONEY_EDGES = [-1, 0, 1, 10**15, 10**15 + 1, 10**18, 10**18 + 1]  # the count and micro-USD bounds, and past
LINE_NUMBERS = st.one_of(NUMBERS, st.sampled_from(MONEY_EDGES))
LINE_FIELDS = {"label": OPTIONAL_TEXT, "entityId": OPTIONAL_TEXT, "quantity": LINE_NUMBERS,
               "unitCostMicroUSD": LINE_NUMBERS, "totalCostMicroUSD": LINE_NUMBERS,
               "startedAt": HUB_FIELDS["lastModified"], "stoppedAt": HUB_FIELDS["lastModified"],
               "active": st.one_of(st.booleans(), st.sampled_from([1, 0, 1.0, "true"]), ANY),
               "freeGrant": st.one_of(st.booleans(), st.sampled_from([1, 0, 1.0, "true"]), ANY)}  # true-ish: not true


@settings(max_examples=600)
@given(st.one_of(st.fixed_dictionaries({"product": TEXTS, "quantity": LINE_NUMBERS, "unitCostMicroUSD": LINE_NUMBERS,
                                        "totalCostMicroUSD": LINE_NUMBERS},
                                       optional={k: v for k, v in LINE_FIELDS.items() if "Cost" not in k
                                                 and k != "quantity"}),
                 st.fixed_dictionaries({}, optional={"product": ANY, **LINE_FIELDS}), ANY))
def test_a_statement_line_is_what_the_general_path_gives(row: object) -> None:
    assert (outcome(lambda: parse_statement(statement_with(row), "acme").lines)
            == outcome(lambda: (_checked_usage_line(row, "Spaces", "billing/usage.usage.Spaces[0]"),)))


def statement_with(line: object) -> dict[str, object]:
    return {"period": {"periodStart": "2026-11-01T00:00:00Z", "periodEnd": "2026-12-01T00:00:00Z"},
            "usage": {"Spaces": [line]}}


USUAL_LINE = {"entityId": "7773f58fdd4d1d7b788baa66", "active": True, "product": "spaces/a10g-large/minutes",
              "quantity": 39708, "unitCostMicroUSD": 25000, "totalCostMicroUSD": 992700000, "unitLabel": "minutes",
              "label": "ada/forgotten-finetune", "freeGrant": False, "startedAt": "2026-11-03T09:12:00.000Z",
              "stoppedAt": None}


@pytest.mark.parametrize("key", ["entityId", "active", "product", "quantity", "unitCostMicroUSD", "totalCostMicroUSD",
                                 "label", "freeGrant", "startedAt", "stoppedAt"])
def test_each_field_of_a_usual_statement_line_odd_in_turn_is_what_the_general_path_gives(key: str) -> None:
    """The usual line with one field at a time dirty, absurd, of another type or missing."""
    for value in [*ODD_VALUES, 1, 0, 10**15 + 1, 10**18 + 1, "2026-11-03T09:12:00+02:00", "yesterday", 1_700_000_000]:
        row = {**USUAL_LINE, key: value}
        assert (outcome(lambda: parse_statement(statement_with(row), "acme").lines)  # noqa: B023 - called at once
                == outcome(lambda: (_checked_usage_line(row, "Spaces", "billing/usage.usage.Spaces[0]"),))), value  # noqa: B023


def test_a_usual_statement_line_is_read_whole() -> None:
    """Every field of a usual line, by hand: the fast path reads what the general path reads."""
    line = parse_statement(statement_with(USUAL_LINE), "acme").lines[0]
    assert line == UsageLine("spaces/a10g-large/minutes", "ada/forgotten-finetune", "7773f58fdd4d1d7b788baa66",
                             Decimal(39708), Decimal("0.025"), Decimal("992.7"),
                             datetime(2026, 11, 3, 9, 12, tzinfo=UTC), None, True, "Spaces", False)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-03T09:12:00.000Z", datetime(2026, 11, 3, 9, 12, tzinfo=UTC)),
    ("2026-11-03T09:12:00+00:00", datetime(2026, 11, 3, 9, 12, tzinfo=UTC)),
    ("2026-11-03T11:12:00+02:00", datetime(2026, 11, 3, 9, 12, tzinfo=UTC)),
    ("2026-11-03T04:12:00.250-05:00", datetime(2026, 11, 3, 9, 12, 0, 250_000, tzinfo=UTC)),
    ("2026-11-03T09:12:00", datetime(2026, 11, 3, 9, 12, tzinfo=UTC)),  # no zone: UTC
    ("2026-11-03T09:12:00.123456789Z", datetime(2026, 11, 3, 9, 12, 0, 123_456, tzinfo=UTC))])
def test_a_time_in_any_zone_is_the_same_instant_in_utc(text: str, expected: datetime) -> None:
    from hfmon.api.parse_common import moment
    from hfmon.clock import iso

    parsed = moment(text, "t")
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()
    assert iso(parsed) == iso(expected)  # as every output writes it

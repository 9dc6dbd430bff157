"""The Report's repositories: listings joined with the storage listing, largest first, unknown never zero."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hfmon.models import RepoStorage
from hfmon.models_hub import HubRepo, OrgMember
from hfmon.repositories import repositories
from tests.costs.builders import missing, namespace, ok, space

DAY = datetime(2026, 11, 2, tzinfo=UTC)


def repo(rid: str, kind: str = "model", downloads: int | None = 10, size: int | None = 100) -> HubRepo:
    return HubRepo(rid.split("/")[0], rid, kind, False, downloads, 1, size, DAY)


def test_storage_comes_from_the_storage_listing_and_the_order_is_largest_then_most_downloaded() -> None:
    ns = replace(
        namespace("alice", storage=(RepoStorage("alice", "alice/a", "model", True, 5000),
                                    RepoStorage("alice", "alice/k", "kernel", False, 70))),
        model_repos=ok("model_repos:alice", (repo("alice/a", size=1), repo("alice/b", downloads=900, size=300),
                                   repo("alice/c", downloads=5, size=300))),
        dataset_repos=ok("dataset_repos:alice", (repo("alice/d", "dataset", downloads=None, size=None),)),
        spaces=ok("spaces:alice", (replace(space("alice/s"), used_storage_bytes=2000, likes=4),)))
    result = repositories([ns])
    assert [(r.id, r.type, r.storage_bytes, r.downloads) for r in result.repos] == [
        ("alice/a", "model", 5000, 10),  # the storage listing's 5000 wins over the listing's usedStorage 1
        ("alice/s", "space", 2000, None),  # Spaces have no downloads
        ("alice/b", "model", 300, 900),  # same size: the most downloaded first
        ("alice/c", "model", 300, 5),
        ("alice/k", "kernel", 70, None),  # only in the storage listing
        ("alice/d", "dataset", None, None),  # size and downloads not sent: unknown, last
    ]
    assert result.repos[0].private is True  # the storage listing's visibility
    assert result.missing == ()


def test_a_failed_listing_is_named_and_its_repos_are_unknown_not_absent() -> None:
    ns = replace(namespace("acme", "org", storage=(RepoStorage("acme", "acme/m", "model", False, 40),)),
                 model_repos=missing("model_repos:acme"), dataset_repos=ok("dataset_repos:acme", ()),
                 members=missing("members:acme"))
    result = repositories([ns])
    assert result.missing == ("model_repos:acme",)
    assert result.missing_in("acme") == ("model_repos:acme",) and result.missing_in("alice") == ()
    # the storage listing still shows the model; its downloads are unknown (None), not 0
    assert [(r.id, r.storage_bytes, r.downloads, r.likes) for r in result.repos] == [("acme/m", 40, None, None)]
    members = result.members_of("acme")
    assert members is not None and members.members is None


def test_members_of_an_org_are_kept_in_order() -> None:
    people = (OrgMember("ada", "Ada", "admin", True), OrgMember("bob", "Bob", None, False))
    ns = replace(namespace("acme", "org"), members=ok("members:acme", people))
    result = repositories([ns, namespace("alice")])
    acme = result.members_of("acme")
    assert acme is not None and acme.members == people
    assert result.members_of("alice") is None


SIZES = st.one_of(st.none(), st.sampled_from([0, 7, 7 << 31, 10**13]))  # ties, unknowns, beyond 30-bit ints
COUNTS = st.one_of(st.none(), st.sampled_from([0, 3, 3 << 40]))


@given(st.lists(st.tuples(st.sampled_from(["acme", "alice"]), st.sampled_from(["model", "dataset"]),
                          st.sampled_from("abcd"), SIZES, COUNTS, st.booleans()), max_size=24))
def test_repos_are_ordered_by_size_then_downloads_then_namespace_type_and_id(drawn: list[Any]) -> None:
    listed: dict[tuple[str, str, str], HubRepo] = {}
    stored: dict[tuple[str, str, str], RepoStorage] = {}
    for ns, kind, name, size, downloads, in_storage in drawn:
        rid = f"{ns}/{name}"
        if in_storage:  # the storage listing's figure wins, and a repo only it has (a kernel) is listed too
            stored[ns, kind if name != "d" else "kernel", rid] = RepoStorage(ns, rid, kind if name != "d"
                                                                             else "kernel", False, size or 0)
        else:
            listed[ns, kind, rid] = repo(rid, kind, downloads, size)
    spaces = []
    for name in ("acme", "alice"):
        mine = [r for (ns, _, _), r in listed.items() if ns == name]
        spaces.append(replace(
            namespace(name, storage=tuple(r for (ns, _, _), r in stored.items() if ns == name)),
            model_repos=ok(f"model_repos:{name}", tuple(r for r in mine if r.type == "model")),
            dataset_repos=ok(f"dataset_repos:{name}", tuple(r for r in mine if r.type == "dataset"))))
    result = repositories(spaces)
    # what the user reads: largest first (unknown last), then most downloaded (unknown last), then by name
    expected = sorted(result.repos, key=lambda r: (
        r.storage_bytes is None, -(r.storage_bytes or 0), r.downloads is None, -(r.downloads or 0),
        r.namespace, r.type, r.id))
    assert list(result.repos) == expected
    assert {(r.namespace, r.type, r.id) for r in result.repos} == set(listed) | set(stored)

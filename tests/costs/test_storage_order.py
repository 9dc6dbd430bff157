"""The storage total's repos: largest first, then by namespace, then by id (ties and all), as the storage view
lists them."""

from __future__ import annotations

from hfmon.costs.totals import storage_total
from hfmon.models import RepoStorage
from tests.costs.builders import namespace, ok


def test_repos_are_largest_first_then_by_namespace_then_by_id() -> None:
    def repo(ns: str, repo_id: str, size: int) -> RepoStorage:
        return RepoStorage(ns, repo_id, "model", True, size)

    # ids that order against their namespaces (a repo moved between them keeps its id), and ties in size
    alice = [repo("alice", "x/b", 5), repo("alice", "x/a", 5), repo("alice", "a/z", 9), repo("alice", "a/c", 0)]
    acme = [repo("acme", "x/c", 5), repo("acme", "z/a", 9), repo("acme", "z/y", 0)]
    storage = storage_total([namespace("alice", storage=ok("storage:alice", tuple(alice))),
                             namespace("acme", "org", storage=ok("storage:acme", tuple(acme)))], ())
    # by hand: 9 bytes (acme's, then alice's), 5 (acme's, then alice's a before b), 0 (acme's, then alice's)
    assert [(r.namespace, r.id) for r in storage.repos] == [
        ("acme", "z/a"), ("alice", "a/z"), ("acme", "x/c"), ("alice", "x/a"), ("alice", "x/b"), ("acme", "z/y"),
        ("alice", "a/c")]

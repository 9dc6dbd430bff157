"""The Report's repositories: every model, dataset and Space of the polled namespaces with its downloads, likes,
storage and last change, largest first; and each org's members. Pure: built from a Snapshot's namespaces.

Storage comes from the account's storage listing (`settings/repositories`, what storage is billed on) when it
was read, else from the repo listing's `usedStorage`. A listing that could not be read is named in `missing`:
its repos' figures are unknown (None), never zero, and a namespace whose listing failed is not "empty".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import itemgetter
from typing import NamedTuple

from hfmon.figures import Total
from hfmon.models import NamespaceData, RepoStorage
from hfmon.models_hub import HubRepo, OrgMember
from hfmon.ordering import sort_by_keys

LISTINGS = {"model_repos": "models", "dataset_repos": "datasets", "spaces": "Spaces"}
"""The source of each repo listing, and what it lists."""
LISTING_KINDS = {"model_repos": "model", "dataset_repos": "dataset", "spaces": "space"}
"""The source of each repo listing, and the type of the repos it lists (`RepoRow.type`)."""


class RepoRow(NamedTuple):
    """One repo of a namespace; None: unknown (its listing was not read, or HF does not count it).

    A named tuple, not a frozen dataclass: as immutable, and four times cheaper to build (an account may have
    tens of thousands of repos)."""

    namespace: str
    id: str
    type: str  # model | dataset | space (or kernel, bucket: only in the storage listing)
    private: bool | None
    storage_bytes: int | None
    downloads: int | None  # last 30 days; Spaces have none (None)
    likes: int | None
    last_modified: datetime | None


@dataclass(frozen=True, slots=True)
class OrgMembers:
    """An org's members (None: the listing could not be read)."""

    namespace: str
    members: tuple[OrgMember, ...] | None


@dataclass(frozen=True, slots=True)
class Repositories:
    """Every repo, largest first then most downloaded, with the listings whose repos are unknown."""

    repos: tuple[RepoRow, ...] = ()
    missing: tuple[str, ...] = ()  # listings not read (`model_repos:acme`): what they hold is not in `repos`
    members: tuple[OrgMembers, ...] = ()

    def of(self, namespace: str | None) -> tuple[RepoRow, ...]:
        """The repos of one namespace (None: all)."""
        return tuple(r for r in self.repos if namespace in (None, r.namespace))

    def stored_bytes(self, namespace: str | None, kind: str) -> Total[int]:
        """What the repos of one type (`model`, `dataset`, `space`) in one namespace (None: all) store; a repo
        whose size is unknown, or an unread listing of that type, is missing (never 0)."""
        listing = next(src for src, k in LISTING_KINDS.items() if k == kind)
        unread = [(m, None) for m in self.missing_in(namespace) if ":" not in m or m.partition(":")[0] == listing]
        sizes = [(f"size:{r.id}", r.storage_bytes) for r in self.repos
                 if r.type == kind and namespace in (None, r.namespace)]
        return Total.of([*sizes, *unread], 0)

    def members_of(self, namespace: str) -> OrgMembers | None:
        """One org's members (None: not an org, or not polled)."""
        return next((m for m in self.members if m.namespace == namespace), None)

    def missing_in(self, namespace: str | None) -> tuple[str, ...]:
        """The listings of one namespace (None: all) that were not read; a source without a namespace (the
        account, when which namespaces exist is unknown) is missing from every namespace."""
        return tuple(m for m in self.missing if namespace in (None, m.partition(":")[2] or namespace))

    def unread(self, namespace: str | None) -> tuple[str, ...]:
        """What the unread listings hold, as a user reads it: `models of acme`, `every listing` (no namespace known)."""
        return tuple(f"{LISTINGS.get(src, src)} of {ns}" if ns else "every listing"
                     for src, _, ns in (m.partition(":") for m in self.missing_in(namespace)))


def repositories(namespaces: Iterable[NamespaceData], unknown: Iterable[str] = ()) -> Repositories:
    """Join each namespace's repo listings with its storage listing; order largest first, then most downloaded.
    `unknown`: the sources without which which namespaces exist is unknown (`costs.totals.namespaces_unknown`)."""
    rows: list[RepoRow] = []
    missing: list[str] = list(unknown)
    members: list[OrgMembers] = []
    row = partial(tuple.__new__, RepoRow)  # the tuple's own constructor: NamedTuple's __new__ is Python, 1/3 slower
    for ns in namespaces:
        # by type, then id: a string's hash is cached, a (type, id) key's is computed at every lookup
        stored: dict[str, dict[str, RepoStorage]] = {}
        for r in ns.storage.value.repos if ns.storage.value is not None else ():
            stored.setdefault(r.type, {})[r.id] = r
        listed: dict[str, set[str]] = {}
        for name, kind in LISTING_KINDS.items():
            source = getattr(ns, name)
            if source is None:
                continue
            if source.value is None:
                missing.append(f"{name}:{ns.namespace}")
                continue
            of_kind = stored.get(kind, {})
            listed[kind] = {repo.id for repo in source.value}
            for repo in source.value:
                store = of_kind.get(repo.id)
                if store is None:
                    size, private = repo.used_storage_bytes, repo.private
                else:
                    size, private = store.bytes, store.private
                downloads = repo.downloads if isinstance(repo, HubRepo) else None
                rows.append(row((ns.namespace, repo.id, kind, private, size, downloads, repo.likes,
                                 repo.last_modified)))
        # Repos the storage listing has and no repo listing gave (kernels, buckets, or a listing that failed); in
        # any order, the sort below orders them (no two share a namespace, type and id)
        for kind, of_kind in stored.items():
            rows += [row((ns.namespace, r.id, r.type, r.private, r.bytes, None, None, None))
                     for r in map(of_kind.__getitem__, of_kind.keys() - listed.get(kind, set()))]
        if ns.members is not None:
            members.append(OrgMembers(ns.namespace, ns.members.value))
    # Largest first, then most downloaded (unknown last), then by namespace, type and id
    sizes_known = None not in map(itemgetter(4), rows)  # then largest first in C, no key function called per row
    largest = (itemgetter(4), True) if sizes_known else (_unknown_last(itemgetter(4)), False)
    sort_by_keys(rows, [largest, (_unknown_last(itemgetter(5)), False), (itemgetter(0), False),
                        (itemgetter(2), False), (itemgetter(1), False)])
    return Repositories(tuple(rows), tuple(missing), tuple(members))


def _unknown_last(count: Callable[[RepoRow], int | None]) -> Callable[[RepoRow], int]:
    """A key putting larger counts first and unknown ones (None) last, for an ascending sort (counts are >= 0)."""
    def key(row: RepoRow) -> int:
        value = count(row)
        return -value if value is not None else 1
    return key

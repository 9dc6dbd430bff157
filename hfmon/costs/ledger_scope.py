"""Which of the proxy's requests a poll covers: those billed to a namespace it polled (`--namespace` polls a few),
and whose bill each is. Pure.

X-HF-Bill-To names an org, or a resource group of one by its id (hf-api.md 3.7); unset, the request is the token's
user's: the account the proxy recorded as its caller (`LedgerRow.caller`). Several accounts (`[profiles]`) share one
history file, so such a request is in only where its caller's namespace is polled, and of unknown owner when the
proxy could not name its caller (its whoami failed, or the row predates the proxy recording it). A group's org is
known from its group list or usage read, or from whoami (`orgs[].resourceGroups`: the groups the user is in, which a
member who may not list an org's groups still sees): `Owners`, the one rule. A request billed to a polled
namespace, or to a group of one, is in; to another of the account's namespaces or their groups, or to what is
neither when every polled org's groups were read, out. Otherwise whose it is is unknown (whoami failed, or a polled
org's groups were not read): such a request is neither counted nor dropped, the figures it may belong to are
partial and say why (`Unsure`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from hfmon.ledger import LedgerGap, LedgerRow
from hfmon.models import NamespaceData, Snapshot

Owner = tuple[str | None, str | None]
"""Who pays for a request as its row says (`LedgerRow.owner`): (X-HF-Bill-To, the account whose token made it)."""
Unsure = Mapping[Owner, str]
"""The owners (`LedgerRow.owner`) whose namespace is unknown, each with why."""
Scope = Callable[[Owner], bool | str]
"""Whether a request of an owner is in a poll's scope: True, False, or why that is unknown (`scope_of`)."""
WHOAMI_FAILED = "requests billed to the token's own account (no X-HF-Bill-To), unknown while whoami fails"
CALLER_UNKNOWN = ("requests billed to their token's own account (no X-HF-Bill-To), which hfmon proxy did not record "
                  "(its whoami failed, or they were made before it did)")


def group_ids(ns: NamespaceData) -> set[str]:
    """The ids of the namespace's resource groups that were read (its group list, or its usage per group)."""
    listed = ns.resource_groups.value if ns.resource_groups is not None else None
    used = ns.resource_group_usage.value if ns.resource_group_usage is not None else None
    return {g.id for g in listed or ()} | {u.id for u in used or () if u.id is not None}


def groups_known(ns: NamespaceData) -> bool:
    """Every resource group of the namespace is known: its group list was read, or it is a user (users have none)."""
    if ns.resource_groups is None:
        return ns.kind == "user"
    return ns.resource_groups.value is not None


@dataclass(frozen=True, slots=True)
class Owners:
    """Whose bill a request is on (`namespace` of its `LedgerRow.owner`): X-HF-Bill-To unset, the caller's own (the
    account whose token made it, when the proxy could name it); a namespace's name, its own; a resource group's id,
    its org's (from the group lists and usage read, and whoami's `orgs[].resourceGroups`, the groups a member who may
    not list them is in). The one rule for the ledger's scope and the advisor."""

    user: str | None  # the token's user; None: whoami failed
    names: frozenset[str]  # the account's namespaces (whoami) and the polled ones
    groups: Mapping[str, str]  # resource group id -> its org
    unread: tuple[str, ...]  # the orgs whose groups are not all known (a group id may be theirs)
    whoami_failed: bool = False

    def namespace(self, owner: Owner) -> str | None:
        """The namespace billed (None: unknown)."""
        billed_to, caller = owner
        if billed_to is None:
            return caller
        org = self.groups.get(billed_to)
        if org is not None:
            return org
        return billed_to if billed_to in self.names else None

    def may_be(self, owner: Owner) -> str:
        """The namespaces an unknown owner may be, joined with `+` (those whose groups were not read, else the token's
        user's for an unset X-HF-Bill-To)."""
        if owner[0] is None or not self.unread:
            return self.user or "your account"
        return "+".join(self.unread)

    def why_unknown(self, owner: Owner) -> str:
        """Why whose bill a request of this owner is on is unknown (to `namespace`, or to a poll's scope)."""
        billed_to, caller = owner
        if billed_to is None:
            return CALLER_UNKNOWN if caller is None else WHOAMI_FAILED
        if not self.unread:
            return (f"requests billed to {billed_to}, neither a namespace of the account nor a resource group "
                    "hfmon read")
        return (f"requests billed to {billed_to}, which may be a resource group of {', '.join(self.unread)} "
                "(not read) or another namespace" + ("; whoami failed" if self.whoami_failed else ""))


def owners(snapshot: Snapshot, polled_only: bool = False) -> Owners:
    """Who each X-HF-Bill-To value bills, from the snapshot; `polled_only`: the orgs whose groups are unknown are
    only the polled ones (a group of another org is out of the poll's scope either way)."""
    account = snapshot.account.value
    groups: dict[str, str] = {}
    for org in (account.orgs or ()) if account is not None else ():
        groups.update((g.id, org.name) for g in org.resource_groups or ())
    for ns in snapshot.namespaces:
        groups.update((gid, ns.namespace) for gid in group_ids(ns))
    polled = {ns.namespace for ns in snapshot.namespaces}
    unread = [ns.namespace for ns in snapshot.namespaces if not groups_known(ns)]
    if not polled_only and account is not None:
        unread += [o.name for o in account.orgs or () if o.name not in polled]
    every = account.namespaces if account is not None else None
    return Owners(account.name if account is not None else None, frozenset((*(every or ()), *polled)), groups,
                  tuple(sorted(unread)), account is None)


def polled_rows(rows: Sequence[LedgerRow], verdict: Scope) -> tuple[Sequence[LedgerRow], Unsure]:
    """The proxy's requests this poll covers, with those whose namespace is unknown (named in `Unsure`, with why):
    those billed to no org whose caller's namespace it polled, and those billed to an org as their X-HF-Bill-To
    says (all of them when it polled every namespace or, whoami failing without `--namespace`, whatever it could);
    `verdict`: the poll's scope (`scope_of`)."""
    kept: list[LedgerRow] = []
    unsure: dict[Owner, str] = {}
    for row in rows:
        owner = row.owner
        said = verdict(owner)
        if said is False:
            continue
        kept.append(row)
        if isinstance(said, str):
            unsure[owner] = said
    return kept, unsure


def polled_gaps(gaps: Sequence[LedgerGap], verdict: Scope) -> tuple[LedgerGap, ...]:
    """The ledger's lost requests this poll's figures may miss: those whose owner is in its scope or unknown (as
    `polled_rows` judges a row), and those recorded before hfmon kept whose they were (they may be anyone's);
    `verdict`: the poll's scope (`scope_of`)."""
    return tuple(g for g in gaps if g.owner is None or verdict(g.owner) is not False)


def scope_of(snapshot: Snapshot) -> Scope:
    """Whether a request of this owner is in the poll's scope: True, False, or why that is unknown (the one rule
    for the ledger's rows and its lost requests); each owner judged once."""
    account = snapshot.account.value
    polled = {ns.namespace for ns in snapshot.namespaces}
    every = account.namespaces if account is not None else None
    everything = not polled or (every is not None and polled.issuperset(every))
    scope = owners(snapshot, polled_only=True)

    def verdict(owner: Owner) -> bool | str:
        billed_to, caller = owner
        mine = caller is not None and caller == scope.user  # this account's token made it
        if billed_to is None:  # the caller's own account pays
            if caller is None or (not polled and scope.user is None):
                return scope.why_unknown(owner)
            return caller in polled if polled else mine
        if not polled or (everything and mine):
            return True  # the router bills a token's request only to what it may bill: all of it polled
        namespace = scope.namespace(owner)
        if namespace is not None:
            return namespace in polled
        if not scope.unread:
            return False  # no polled org has a group hfmon did not read: not one of theirs
        return scope.why_unknown(owner)

    return cache(verdict)

"""Which of the proxy's requests a poll covers: those billed to a namespace it polled (`--namespace` polls a few).
Pure.

X-HF-Bill-To names an org, or a resource group of one by its id (hf-api.md 3.7); unset, the request is the token's
user's. A request billed to a polled namespace, or to a group read from one, is in; to another of the account's
namespaces, or to what is neither a polled namespace nor one of their groups when every polled org's groups were
read, out. Otherwise whose it is is unknown (whoami failed, or a polled org's groups were not read): such a request
is neither counted nor dropped, the figures it may belong to are partial and say why (`Unsure`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hfmon.ledger import LedgerRow
from hfmon.models import NamespaceData, Snapshot

Unsure = Mapping[str | None, str]
"""The X-HF-Bill-To values (None: unset) whose namespace is unknown, each with why."""


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


def polled_rows(rows: Sequence[LedgerRow], snapshot: Snapshot) -> tuple[Sequence[LedgerRow], Unsure]:
    """The proxy's requests this poll covers, with those whose namespace is unknown (named in `Unsure`, with why):
    all of them when it polled every namespace (or, whoami failing without `--namespace`, whatever it could)."""
    account = snapshot.account.value
    polled = {ns.namespace for ns in snapshot.namespaces}
    every = account.namespaces if account is not None else None
    if not polled or (every is not None and polled.issuperset(every)):
        return rows, {}  # nothing to leave out (the usual case, without a copy)
    groups = set().union(*(group_ids(ns) for ns in snapshot.namespaces))
    unread = [ns.namespace for ns in snapshot.namespaces if not groups_known(ns)]

    def verdict(billed_to: str | None) -> bool | str:
        """True: in; False: out; a reason: unknown."""
        if billed_to is None:
            if account is not None:
                return account.name in polled
            return "requests billed to the token's own account (no X-HF-Bill-To), unknown while whoami fails"
        if billed_to in polled or billed_to in groups:
            return True
        if (every is not None and billed_to in every) or not unread:
            return False  # another of the account's namespaces, or no group of one polled
        return (f"requests billed to {billed_to}, which may be a resource group of {', '.join(unread)} (not read) "
                "or another namespace" + ("; whoami failed" if account is None else ""))

    verdicts: dict[str | None, bool | str] = {}
    kept: list[LedgerRow] = []
    unsure: dict[str | None, str] = {}
    for row in rows:
        said = verdicts.get(row.namespace)
        if said is None:
            said = verdicts[row.namespace] = verdict(row.namespace)
        if said is False:
            continue
        kept.append(row)
        if isinstance(said, str):
            unsure[row.namespace] = said
    return kept, unsure

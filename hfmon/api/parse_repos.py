"""Pure parsers for the Hub's listings: models and datasets of an author, and an org's members."""

from __future__ import annotations

from hfmon.api.parse_common import (
    BYTES,
    COUNT,
    Json,
    as_list,
    as_obj,
    bad,
    need_str,
    opt_bool,
    opt_int,
    opt_moment,
    opt_str,
)
from hfmon.models_hub import HubRepo, OrgMember

LISTED_TYPES = ("model", "dataset")


def parse_hub_repos(data: Json, namespace: str, kind: str) -> tuple[HubRepo, ...]:
    """One page of `GET /api/models` or `/api/datasets` (`kind` model or dataset) with `expand` → repos.

    Only `id` is required (with `expand`, HF sends `_id`, `id` and the keys asked for); a field not sent is None.
    """
    if kind not in LISTED_TYPES:
        raise ValueError(f"unknown repo kind {kind!r}")
    out = []
    where = f"{kind}s"
    for i, raw in enumerate(as_list(data, where)):
        w = f"{where}[{i}]"
        r = as_obj(raw, w)
        out.append(HubRepo(
            namespace=namespace,
            id=need_str(r, "id", w),
            type=kind,
            private=opt_bool(r, "private"),
            downloads=opt_int(r, "downloads", w, COUNT),
            likes=opt_int(r, "likes", w, COUNT),
            used_storage_bytes=opt_int(r, "usedStorage", w, BYTES),
            last_modified=opt_moment(r, "lastModified", w),
        ))
    return tuple(out)


def parse_members(data: Json) -> tuple[OrgMember, ...]:
    """One page of `GET /api/organizations/{name}/members` (the spec's schema: `user`, `fullname` and `isPro`
    required; `role` only when the token may see it)."""
    out = []
    for i, raw in enumerate(as_list(data, "members")):
        w = f"members[{i}]"
        m = as_obj(raw, w)
        pro = opt_bool(m, "isPro")
        if pro is None:
            raise bad(f"{w}.isPro", "missing required field")
        out.append(OrgMember(user=need_str(m, "user", w), fullname=opt_str(m, "fullname") or "",
                             role=opt_str(m, "role"), is_pro=pro))
    return tuple(out)

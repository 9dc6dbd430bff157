"""Pure parsers for the Hub's listings: models and datasets of an author, and an org's members."""

from __future__ import annotations

from hfmon.api.parse_common import (
    BYTES,
    COUNT,
    Bound,
    Json,
    as_list,
    as_obj,
    bad,
    moment,
    need_str,
    opt_bool,
    opt_int,
    opt_moment,
    opt_str,
)
from hfmon.models_hub import HubRepo, OrgMember
from hfmon.scrub import is_clean

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
        if type(raw) is dict:  # the usual row, taken as it is; any other through `_hub_repo`, which names the fault
            repo_id, private = raw.get("id"), raw.get("private")
            downloads, likes, size = raw.get("downloads"), raw.get("likes"), raw.get("usedStorage")
            if (type(repo_id) is str and _plain_count(downloads, COUNT) and _plain_count(likes, COUNT)
                    and _plain_count(size, BYTES) and is_clean(repo_id)):
                modified = raw.get("lastModified")
                out.append(HubRepo(namespace, repo_id, kind, private if type(private) is bool else None,
                                   downloads, likes, size,
                                   None if modified is None else moment(modified, f"{where}[{i}].lastModified")))
                continue
        out.append(_hub_repo(raw, f"{where}[{i}]", namespace, kind))
    return tuple(out)


def _plain_count(value: Json, bound: Bound) -> bool:
    """Whether `value` is missing, or an int inside `bound` (what `opt_int` takes as it is)."""
    return value is None or (type(value) is int and bound.low <= value <= bound.high)


def _hub_repo(raw: Json, w: str, namespace: str, kind: str) -> HubRepo:
    """One model or dataset, every field checked (BadResponseError naming the field)."""
    r = as_obj(raw, w)
    return HubRepo(
        namespace=namespace,
        id=need_str(r, "id", w),
        type=kind,
        private=opt_bool(r, "private"),
        downloads=opt_int(r, "downloads", w, COUNT),
        likes=opt_int(r, "likes", w, COUNT),
        used_storage_bytes=opt_int(r, "usedStorage", w, BYTES),
        last_modified=opt_moment(r, "lastModified", w),
    )


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

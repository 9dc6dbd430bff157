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
    plain_moment,
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
        repo = _plain_hub_repo(raw, namespace, kind) if type(raw) is dict else None
        out.append(_hub_repo(raw, f"{where}[{i}]", namespace, kind) if repo is None else repo)
    return tuple(out)


_COUNT_HIGH, _BYTES_HIGH = int(COUNT.high), int(BYTES.high)  # as ints (faster); both bounds start at 0


def _plain_hub_repo(raw: dict[str, Json], namespace: str, kind: str) -> HubRepo | None:
    """The repo of a row whose fields have the usual types, a clean id and plausible counts, read without the general
    checks; None for any other row (`_hub_repo` then gives the same repo or names what is wrong)."""
    repo_id, private, modified = raw.get("id"), raw.get("private"), raw.get("lastModified")
    downloads, likes, size = raw.get("downloads"), raw.get("likes"), raw.get("usedStorage")
    if not (type(repo_id) is str and (downloads is None or (type(downloads) is int and 0 <= downloads <= _COUNT_HIGH))
            and (likes is None or (type(likes) is int and 0 <= likes <= _COUNT_HIGH))
            and (size is None or (type(size) is int and 0 <= size <= _BYTES_HIGH)) and is_clean(repo_id)):
        return None
    last_modified = plain_moment(modified)
    if last_modified is False:
        return None
    return HubRepo(namespace, repo_id, kind, private if type(private) is bool else None, downloads, likes, size,
                   last_modified)


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

"""Hub listing values: a model or dataset repo as `/api/models` and `/api/datasets` list it, and an org member.

Kept apart from `hfmon.models` (which declares the billing and compute shapes) so each module stays small;
`hfmon.models` imports them for the Snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hfmon.fastclasses import slot_init


@slot_init
@dataclass(frozen=True, slots=True)
class HubRepo:
    """A model or dataset of a namespace (`GET /api/models|datasets?author=..&expand=..`); None: not sent."""

    namespace: str
    id: str
    type: str  # model | dataset
    private: bool | None
    downloads: int | None  # over the last 30 days (HF's `downloads`)
    likes: int | None
    used_storage_bytes: int | None
    last_modified: datetime | None


@dataclass(frozen=True, slots=True)
class OrgMember:
    """A member of an org (`GET /api/organizations/{name}/members`)."""

    user: str
    fullname: str
    role: str | None  # admin | write | contributor | read | no_access; None: not sent (not an admin's token)
    is_pro: bool

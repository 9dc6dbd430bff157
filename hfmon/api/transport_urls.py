"""What a listing's pages and a request's URL are made of: the answer's `Body`, the next-page link (checked to stay on
the listing's host) and the query written into the URL. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2

from hfmon.api.http_errors import what_of
from hfmon.errors import BadResponseError

Params = Mapping[str, str | int | Sequence[str]]


@dataclass(frozen=True, slots=True)
class Body:
    """A successful response, read in full within its route's size cap."""

    content: bytes
    headers: httpx2.Headers
    links: dict[Any, Any]
    url: str
    """The URL as sent (a relative next-page link is joined to it)."""


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int | None] | None:
    """Scheme, host and port of a URL, as a browser compares them (any case, default port or none); None when the
    port is not a number."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname or "", None if port == DEFAULT_PORTS.get(scheme) else port


def absolute(link: str, page: str) -> str:
    """A next-page link as an absolute URL. HF sends absolute links, used as they are: joining one to the page's
    URL parses both three times over: 136 µs of CPU a page here for a cursor link, ~80 ms a poll at 20×."""
    return link if urlsplit(link).scheme else str(httpx2.URL(page).join(link))


def next_link(url: str, origin: tuple[str, str, int | None] | None, body: Body, seen: set[str]) -> str | None:
    """A listing page's absolute next-page link (None on the last page), refused when it leaves the listing's host
    or points back to a page already read (`seen`, which it joins)."""
    link = body.links.get("next", {}).get("url")
    if link is None:
        return None
    link = absolute(link, body.url)
    if origin is None or origin_of(link) != origin:
        raise BadResponseError(f"{what_of(url)}: refusing a next-page link to another host",
                               "the token is only ever sent to the configured hosts")
    if link in seen:
        raise BadResponseError(f"{what_of(url)}: the next-page link points back to a page already read",
                               "the next poll will try again")
    seen.add(link)
    return link


def url_and_params(url: str, params: Params | None) -> tuple[str, Params | None]:
    """The URL with its query written in, when the parameters are plain strings, numbers and lists of strings on a
    URL without one: the same text httpx2 writes, at half its cost (httpx2 builds the query from `params` and then
    parses and re-encodes the whole URL). Anything else is left to httpx2."""
    if not params or "?" in url:
        return url, params
    for value in params.values():
        if type(value) is not str and type(value) is not int and not (
                isinstance(value, list | tuple) and all(type(v) is str for v in value)):
            return url, params
    return f"{url}?{urlencode(params, doseq=True)}", None

"""The real network's URL fast path: where a URL goes and the request head sent are what httpx2 makes of it."""

from __future__ import annotations

import httpx2
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hfmon.api.netio import PoolTransport, plain_target
from tests.api.test_netio import Loopback, api, requester, serving

# Characters of every kind: the ones httpx2 sends as they are, and ones it encodes, drops or refuses.
PATH_CHARS = "abcXYZ019-._~!$&'()*+,;=:@/?%#[] \"<>\\^`{|}é\t./"  # dots and slashes twice: dot segments
HOSTS = st.sampled_from(["huggingface.co", "HF.co", "127.0.0.1", "router.huggingface.co", "a..b", "a.", "-a",
                         "256.1.1.1", "01.2.3.4", "1.2.3.4.5", "1.2.3",
                         "xn--bcher-kva.example", "localhost", "[::1]", "h_st", "b\u00fccher.de"])


@settings(max_examples=1000)
@given(st.sampled_from(["http", "https", "HTTPS", "ftp"]), HOSTS,
       st.one_of(st.none(), st.integers(min_value=0, max_value=70_000), st.sampled_from(["080", "00443", ""])),
       st.text(PATH_CHARS, max_size=40), st.lists(st.sampled_from(["%2F", "%zz", "%7e", "%", "%4"]), max_size=3))
@example("https", "huggingface.co", None, "/api/models?author=a&expand=private&limit=500", [])
@example("http", "localhost", 8080, "/.", [])  # dot segments: httpx2 resolves them
@example("http", "localhost", None, "a/../b?c=/../d", [])
@example("https", "huggingface.co", 443, "/api/settings/billing/usage-v2?startDate=1&endDate=2", ["%3A"])
def test_a_plain_url_goes_where_httpx2_sends_it(scheme: str, host: str, port: int | str | None, path: str,
                                                escapes: list[str]) -> None:
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}/{path}{''.join(escapes)}"
    target = plain_target(url)
    try:
        parsed = httpx2.URL(url)
        head = httpx2.Request("GET", url).headers.raw
    except (httpx2.InvalidURL, UnicodeError):
        assert target is None, url
        return
    if target is not None:
        assert target == (parsed.raw_scheme, parsed.raw_host, parsed.port, parsed.raw_path), url
        assert head == [(b"Host", target[1] if target[2] is None else b"%s:%d" % (target[1], target[2]))]


def test_the_usual_urls_take_the_fast_path() -> None:
    for url in ("https://huggingface.co/api/spaces?author=acme&expand=runtime&expand=private&limit=500",
                "https://huggingface.co/api/spaces?author=acme&cursor=eyJfaWQiOiI2NWYx%3D%3D&limit=500",
                "https://huggingface.co/api/settings/billing/usage-by-inference-session"
                "?startDate=2026-08-01T00%3A00%3A00.000Z&endDate=2026-08-20T12%3A00%3A00.000Z",
                "http://127.0.0.1:8765/v2/endpoint/acme"):
        assert plain_target(url) is not None, url


async def test_the_head_sent_is_the_one_an_httpx2_request_sends() -> None:
    server = Loopback(api)
    paths = ("/api/models?author=a&expand=private&limit=500", "/a%2Fb?x=%7e", "/plain")
    async with serving(server) as base:
        http = requester()  # its transport is built inside the loop, on first use: the fast path
        transport = PoolTransport()
        try:
            for path in paths:
                await http.get_json(f"{base}{path}")
                request = httpx2.Request("GET", f"{base}{path}", headers=http._headers,
                                         extensions={"timeout": http._timeouts()})
                response = await transport.handle_async_request(request)
                await response.aread()
                await response.aclose()
        finally:
            await http.aclose()
            await transport.aclose()
    fast, through_httpx2 = server.heads[0::2], server.heads[1::2]
    assert len(fast) == len(paths) and fast == through_httpx2

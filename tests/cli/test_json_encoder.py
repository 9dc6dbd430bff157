"""`--once --json` is written by orjson: the same document Python's json wrote (it parses equal, with the same
layout line for line), for the demo, a larger account, odd floats and non-ASCII names. Text outside ASCII is
UTF-8 instead of \\u escapes, and exponents are written `8e-6`, not `8e-06`."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from hfmon.fakehub import demo_scenario
from hfmon.jsonout import encode_document, report_document, write_document
from tests.costs.test_scenario import poll_report

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def old_encoder(document: dict[str, Any]) -> str:
    """What `hfmon --once --json` printed before orjson."""
    return json.dumps(document, indent=2) + "\n"


@pytest.mark.parametrize("size", [1, 20], ids=["demo", "20x-demo"])
async def test_report_documents_are_written_as_before(size: int) -> None:
    scn = demo_scenario(spaces=13 * size, endpoints=8 * size, jobs=7 * size, repos=12 * size)
    report, _ = await poll_report(scn, NOW)
    doc = report_document(report)
    new = encode_document(doc)
    assert json.loads(new) == json.loads(old_encoder(doc))
    assert len(new.decode().splitlines()) == len(old_encoder(doc).splitlines())  # the same layout
    assert len(doc["spaces"]) >= 13 * size  # a real document, not an empty one


def test_non_ascii_text_and_floats_parse_equal() -> None:
    doc = {"name": "Zoë's 東京 model 🚀", "ratio": 0.1 + 0.2, "tiny": 1e-07, "big": 1e22, "neg": -0.0,
           "price": 123456789.123456, "nested": [{"fullname": "Ñandú", "usd": 2.5e-06}], "empty": [], "none": None}
    new = encode_document(doc)
    assert json.loads(new) == json.loads(old_encoder(doc))
    assert len(new.decode().splitlines()) == len(old_encoder(doc).splitlines())
    assert "Zoë's 東京 model 🚀" in new.decode()  # UTF-8, not escapes


def test_an_integer_beyond_64_bits_is_still_written() -> None:
    doc = {"bytes": 50_000 * 10**18, "items": [1, 2]}  # orjson refuses it: json writes it
    assert json.loads(encode_document(doc)) == doc


def test_keys_that_are_not_strings_are_written_as_json_writes_them() -> None:
    doc = {"by_size": {7: "seven", 2.5: "a half", None: "none", True: "yes"}, "big": {1: 50_000 * 10**18}}
    assert encode_document(doc).decode() == old_encoder(doc)  # beyond 64 bits too: json writes it all
    assert encode_document(doc["by_size"]).decode() == old_encoder(doc["by_size"])


def test_written_in_utf8_to_the_binary_buffer_whatever_the_text_encoding() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    out.write("first\n")
    write_document({"name": "Zoë"}, out)
    assert raw.getvalue() == b'first\n{\n  "name": "Zo\xc3\xab"\n}\n'


def test_a_stream_without_a_buffer_gets_text() -> None:
    out = io.StringIO()
    write_document({"name": "Zoë", "n": 1}, out)
    assert json.loads(out.getvalue()) == {"name": "Zoë", "n": 1}


@pytest.mark.parametrize(("amount", "written"), [
    ("0", "0.0"), ("-0", "-0.0"), ("0E-9", "0.0"), ("-0.0000004", "-0.0"), ("1.5", "1.5"), ("1.500000000", "1.5"),
    ("0.0000015", "2e-6"), ("0.0000025", "2e-6"), ("-3.1234565", "-3.123456"), ("12345678.1234567", "12345678.123457")])
def test_an_amount_is_written_rounded_to_the_micro_dollar_half_even_its_sign_kept(amount: str, written: str) -> None:
    from decimal import Decimal

    from hfmon.jsonout import usd

    for _ in range(2):  # the second time from what the first rounded
        assert encode_document({"usd": usd(Decimal(amount))}) == b'{\n  "usd": ' + written.encode() + b"\n}\n"

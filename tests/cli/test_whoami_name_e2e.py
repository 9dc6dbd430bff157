"""End to end: whoami naming the account (or an org) with control characters in the name. Every parser scrubs what
a server sends where it enters hfmon; a name scrub would change is refused there, since what is left of it is
another account's name ("\\x1b[2Jada" cleaned is "ada"): the account source fails with a clear error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e


def _name(body: Any) -> Any:
    return {**body, "name": "\x1b[2Jada"}


def _org_name(body: Any) -> Any:
    body["orgs"][1]["name"] = "north\x1b]0;pwned\x07wind"
    return body


@pytest.mark.parametrize(("edit", "field"), [(_name, "whoami.name"), (_org_name, "whoami.orgs[1].name")],
                         ids=["account", "org"])
def test_a_name_with_control_characters_is_refused_never_cleaned_into_another(
        fake: Callable[..., Served], edit: Callable[[Any], Any], field: str) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/whoami-v2", edit=edit))
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    # was: the account "ada" (or an org "northwind") and its figures, read for a name HF never gave
    assert doc["account"] is None and doc["namespaces_unknown"] == ["account"]
    assert doc["sources"]["account"]["error"] == (
        f"unexpected response: {field}: a name with control characters or a token in it is no Hugging Face name")
    assert run.code == 1 and "failed sources: account" in run.stderr
    text = served.run("--once", "--no-history")
    assert "\x1b[2J" not in text.stdout and "\x07" not in text.stdout and "pwned" not in text.stdout
    assert "hfmon · account unknown" in text.stdout and "error (unreadable response): account" in text.stdout

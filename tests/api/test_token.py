"""Token discovery: HF_TOKEN, else huggingface_hub's saved token; a clear message when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfmon.api.session import open_client
from hfmon.api.token import resolve_token
from hfmon.api.urls import BaseUrls
from hfmon.errors import NoTokenError


def test_no_token_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(NoTokenError) as info:
        resolve_token()
    assert "hf auth login" in (info.value.hint or "") and "--demo" in (info.value.hint or "")


def test_hf_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_FromEnvironment")
    assert resolve_token() == "hf_FromEnvironment"
    assert resolve_token("hf_Explicit ") == "hf_Explicit"


def test_real_client_reads_base_urls_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_FromEnvironment")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    monkeypatch.setenv("HFMON_ROUTER_URL", "http://127.0.0.1:9/router")
    client, _ = open_client()
    assert client.urls == BaseUrls(hub="http://127.0.0.1:9", endpoints="https://api.endpoints.huggingface.cloud/v2",
                                   router="http://127.0.0.1:9/router")


def test_the_token_saved_by_hf_auth_login_is_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    saved = tmp_path / "token"
    saved.write_text("hf_SavedByLogin\n")
    monkeypatch.setenv("HF_TOKEN_PATH", str(saved))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(saved))
    assert resolve_token() == "hf_SavedByLogin"

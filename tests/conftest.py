"""Keeps the developer's machine out of the tests: no real token, config, history or HF cache is read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Set before anything imports huggingface_hub: no telemetry side calls, no stored token.
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_TOKEN", None)
os.environ.pop("HUGGING_FACE_HUB_TOKEN", None)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point HF_HOME and the XDG config/data/cache dirs at a fresh temporary directory."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (("HF_HOME", "hf"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache")):
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    for var in ("HF_TOKEN", "HF_ENDPOINT", "HFMON_ENDPOINTS_URL", "HFMON_ROUTER_URL", "HFMON_CONFIG", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    yield home

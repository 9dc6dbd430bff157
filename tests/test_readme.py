"""README.md tells the truth: its commands and examples are what the code accepts and produces."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from hfmon.config import parse_config
from hfmon.schemas import once_schema

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The fenced code blocks of one language."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_it_opens_with_the_demo_and_the_test_commands() -> None:
    first, second = blocks("sh")[:2]
    assert first.strip().endswith("hfmon --demo")
    assert second.strip().endswith("python -m pytest")
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip().replace("-q ", "") in ci.replace("-q ", "")


def test_the_config_example_is_accepted() -> None:
    import tomllib

    [example] = blocks("toml")
    config = parse_config(tomllib.loads(example), "README.md")
    assert config.interval_s == 60 and config.namespaces == ("alice", "acme")


def test_the_json_example_matches_the_schema() -> None:
    [example] = blocks("json")
    jsonschema.validate(json.loads(example), once_schema())

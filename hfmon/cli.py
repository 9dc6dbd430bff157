"""The `hfmon` command line: parses arguments and hands over to exactly one front end."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run hfmon; returns the process exit code."""
    raise SystemExit("hfmon: not built yet")

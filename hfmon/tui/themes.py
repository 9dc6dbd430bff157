"""hfmon's two themes: a dark one and a light one with enough contrast to read all day."""

from __future__ import annotations

from textual.theme import Theme

DARK = Theme(
    name="hfmon-dark", primary="#5EB1FF", secondary="#C792EA", accent="#5EB1FF", warning="#F2C14E",
    error="#FF6B6B", success="#5FD787", foreground="#E6E6E6", background="#111418", surface="#181C22",
    panel="#222831", dark=True,
)
LIGHT = Theme(
    name="hfmon-light", primary="#1F5FAD", secondary="#7A3E9D", accent="#1F5FAD", warning="#9A5B00",
    error="#B3261E", success="#1B7F3B", foreground="#1E2226", background="#FAFAF7", surface="#F1F0EA",
    panel="#E4E2D8", dark=False,
)
THEMES = (DARK, LIGHT)


def tones(variables: dict[str, str]) -> dict[str, str]:
    """Rich styles for the view's tones, from the current theme's variables."""
    return {
        "good": variables.get("success", "green"), "warn": variables.get("warning", "yellow"),
        "bad": variables.get("error", "red"), "accent": variables.get("primary", "cyan"),
        "muted": "dim", "secondary": variables.get("secondary", "blue"),
    }

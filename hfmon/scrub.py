"""The one scrubber for text a server sent: tokens masked, terminal control characters removed.

Everything Hugging Face (or anything posing as it) sends that can reach an output — reason phrases, headers,
error bodies, names of repos, Spaces, endpoints and models — goes through `scrub` where it enters hfmon
(error construction and the parsers), so the terminal, the JSON document, the export file and the log all
get clean text. The tokens hfmon holds are registered with `register_secret`; any other `hf_` token-shaped
string is masked too, whoever's it is.
"""

from __future__ import annotations

import re
import threading
import unicodedata

MASK = "hf_***"
# HF user access tokens are "hf_" and 34 letters/digits; fake and older ones have underscores.
_TOKEN_SHAPED = re.compile(r"hf_[A-Za-z0-9_]{20,}")
# Escape sequences first (so their parameters do not survive as text), then every other control character.
_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (window title, hyperlinks), ended by BEL or ST
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, screen clears (any final byte, not only m)
    r"|\x1b[ -/]*[0-~]?"  # two-character escapes (reset, charset)
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
)
# Unicode's default-ignorable code points (DerivedCoreProperties.txt): shown as nothing, some of them "printable"
# (a Hangul filler, a variation selector), so a token split by one reads whole on screen and matches no mask.
_IGNORABLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
                        "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")
_LINE_BREAKS = re.compile(r"[\t\n\r]+")

_secrets: set[str] = set()
_registered: tuple[str, ...] = ()  # the same, as is_clean reads them (replaced whole: no lock needed to read it)
_shortest = [1 << 30]  # the length of the shortest secret: a shorter text cannot hold one
_lock = threading.Lock()


def register_secret(secret: str) -> None:
    """Mask `secret` in everything scrubbed from now on (the token hfmon sends)."""
    global _registered
    if secret:
        with _lock:
            _secrets.add(secret)
            _registered = tuple(_secrets)
            _shortest[0] = min(_shortest[0], len(secret))


def is_clean(text: str) -> bool:
    """Whether `text` is safe to show as it is (`scrub` returns it unchanged): the common case, checked first, and
    cheap enough for every name of a long listing (a loop, not any() over a generator: half the time)."""
    if not text.isprintable() or "hf_" in text or (not text.isascii() and _IGNORABLE.search(text) is not None):
        return False
    if len(text) < _shortest[0]:
        return True
    for secret in _registered:
        if secret in text:
            return False
    return True


def holds_secret(text: str) -> bool:
    """Whether `text` holds a token hfmon uses (`register_secret`) or any `hf_` token-shaped string."""
    return _TOKEN_SHAPED.search(text) is not None or any(secret in text for secret in _registered)


def scrub_argument(text: str) -> str:
    """An argument of a command a server sent, kept exactly, control characters and all, so that a command shown to
    rerun is the one that ran: it may be shown only through `format.shell_command`, which writes every character
    that is not printable as an escape. One holding a token, even split by control characters, is `scrub`bed."""
    if is_clean(text):  # the common case: nothing to remove, no secret (is_clean's checks are holds_secret's)
        return text
    joined = _visible(_LINE_BREAKS.sub("", _ESCAPES.sub("", text)))
    return scrub(text) if holds_secret(text) or holds_secret(joined) else text


def scrub(text: str) -> str:
    """`text` safe to show: tokens masked, escape sequences and control characters removed, one line."""
    if is_clean(text):
        return text
    # Controls go first: a token with an escape in its middle must not survive as two harmless halves.
    text = _visible(_LINE_BREAKS.sub(" ", _ESCAPES.sub("", text)))
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _TOKEN_SHAPED.sub(MASK, text)


def _visible(text: str) -> str:
    """`text` without what a terminal shows as nothing: control and format characters, unassigned and private-use
    code points, default-ignorable ones; a space of another width (no-break, ideographic) becomes a space."""
    text = _IGNORABLE.sub("", text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else " " if unicodedata.category(c) == "Zs" else "" for c in text)

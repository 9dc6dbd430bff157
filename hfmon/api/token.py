"""Finding the user's Hugging Face token: `HF_TOKEN`, else the one `hf auth login` saved."""

from __future__ import annotations

import logging
import os

from hfmon.errors import BadTokenError, NoTokenError

NO_TOKEN_HINT = "run `hf auth login` or set HF_TOKEN; `hfmon --demo` works without a token"


def quiet_hub_logging() -> None:
    """Keep huggingface_hub from printing into the terminal (its retry warnings would paint over the TUI)."""
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)


def resolve_token(explicit: str | None = None) -> str:
    """The token to use: `explicit`, else huggingface_hub's discovery; NoTokenError with a hint when none,
    BadTokenError when it holds characters an HTTP header cannot carry."""
    if explicit:
        return usable(explicit.strip(), "the token given")
    env = os.environ.get("HF_TOKEN", "").strip()
    if env and not os.environ.get("HF_OIDC_RESOURCE"):  # huggingface_hub would try OIDC before HF_TOKEN
        return usable(env, "HF_TOKEN")  # ~200 ms less than importing huggingface_hub just to read a variable
    quiet_hub_logging()
    from huggingface_hub import get_token  # ~90 ms of imports: only when a real token is needed

    token = get_token()
    if not token:
        raise NoTokenError("HF_TOKEN is not set and `hf auth login` has saved none", NO_TOKEN_HINT)
    return usable(token.strip(), "the saved token")


def usable(token: str, origin: str) -> str:
    """`token` when it is printable ASCII without spaces (all HF tokens are), else BadTokenError (never showing it)."""
    if token.isascii() and token.isprintable() and " " not in token:
        return token
    what = ("a line break or another control character" if not token.isprintable()
            else "a non-ASCII character" if not token.isascii() else "a space")
    raise BadTokenError(f"{origin} contains {what}, so it cannot be sent",
                        "copy the token again from https://huggingface.co/settings/tokens (hf_ and letters "
                        "and digits only), then set HF_TOKEN or run `hf auth login`")


def profile_token(profile: str, *, token_env: str | None, hf_token: str | None) -> str | None:
    """The token of a config profile: from the environment variable it names, or the token `hf auth login` saved
    under the name it gives; None when it names neither (then the usual discovery applies). NoTokenError with
    what to do when the token is not there; never the token in a message."""
    if token_env:
        value = os.environ.get(token_env, "").strip()
        if not value:
            raise NoTokenError(f"profile {profile}: the environment variable {token_env} is not set",
                               f"set {token_env} to the token of that account, or change profiles.{profile}.token_env "
                               "in the config file")
        return usable(value, token_env)
    if hf_token:
        quiet_hub_logging()
        from huggingface_hub.utils import get_stored_tokens  # type: ignore[attr-defined]  # lazily re-exported

        stored = get_stored_tokens().get(hf_token, "").strip()
        if not stored:
            raise NoTokenError(f"profile {profile}: no token saved by `hf auth login` under the name {hf_token!r}",
                               "`hf auth list` shows the saved names; `hf auth login` saves a token under a name")
        return usable(stored, f"the saved token {hf_token!r}")
    return None

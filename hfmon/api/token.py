"""Finding the user's Hugging Face token: `HF_TOKEN`, else the one `hf auth login` saved."""

from __future__ import annotations

import logging
import os

from hfmon.errors import NoTokenError

NO_TOKEN_HINT = "run `hf auth login` or set HF_TOKEN; `hfmon --demo` works without a token"


def quiet_hub_logging() -> None:
    """Keep huggingface_hub from printing into the terminal (its retry warnings would paint over the TUI)."""
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)


def resolve_token(explicit: str | None = None) -> str:
    """The token to use: `explicit`, else huggingface_hub's discovery; NoTokenError with a hint when none."""
    if explicit:
        return explicit.strip()
    env = os.environ.get("HF_TOKEN", "").strip()
    if env and not os.environ.get("HF_OIDC_RESOURCE"):  # huggingface_hub would try OIDC before HF_TOKEN
        return env  # ~200 ms less than importing huggingface_hub just to read a variable
    quiet_hub_logging()
    from huggingface_hub import get_token  # ~90 ms of imports: only when a real token is needed

    token = get_token()
    if not token:
        raise NoTokenError("no Hugging Face token found", NO_TOKEN_HINT)
    return token

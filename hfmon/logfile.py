"""The log: what the screen showed only briefly (warnings, source failures, rate-limit waits), kept in a file.

`--log-file PATH` writes it in any mode; the live dashboard (not `--demo`) also keeps a rotating log in the
platformdirs user state directory by default (`~/.local/state/hfmon/hfmon.log` on Linux). The file is
private (0600 in a 0700 directory) and every line goes through the scrubber, so no token reaches it.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from hfmon.errors import ConfigError
from hfmon.files import private_dir, private_file
from hfmon.scrub import scrub

LOGGER = "hfmon"
FILENAME = "hfmon.log"
MAX_BYTES = 1 << 20
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(message)s"


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the first and each one after a rotation) is created 0600."""

    def _open(self):  # type: ignore[no-untyped-def]  # the stdlib leaves it untyped
        private_file(Path(self.baseFilename))
        return super()._open()


class _ScrubbingFormatter(logging.Formatter):
    """Formats a record (traceback included), then scrubs the whole line: no token, no terminal escapes."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(scrub(line) for line in super().format(record).splitlines())


def default_path() -> Path:
    """The dashboard's log: hfmon.log in the platformdirs user state directory."""
    import platformdirs

    return Path(platformdirs.user_state_path("hfmon")) / FILENAME


def setup(path: Path) -> Path:
    """Send hfmon's log to `path` (rotating, private); returns it. ConfigError when it cannot be written."""
    try:
        private_dir(path.parent)
        handler = _PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the log file ({exc.strerror or exc})",
                          "choose another --log-file, or make its directory writable") from None
    handler.setFormatter(_ScrubbingFormatter(FORMAT))
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


def close() -> None:
    """Flush and detach every log file hfmon opened (tests call it; the process exit does it otherwise)."""
    logger = logging.getLogger(LOGGER)
    for handler in list(logger.handlers):
        if isinstance(handler, _PrivateRotatingHandler):
            logger.removeHandler(handler)
            handler.close()


def to_stderr() -> logging.Handler:
    """Also send hfmon's warnings to stderr, scrubbed (a long-running service such as the exporter); returns the
    handler, for `logging.getLogger("hfmon").removeHandler` when the service stops."""
    handler = logging.StreamHandler()
    handler.setFormatter(_ScrubbingFormatter(FORMAT))
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)
    return handler

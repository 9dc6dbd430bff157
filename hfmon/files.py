"""Files that hold account data (history, its WAL and SHM, exports, the log): private to the user.

Each is created mode 0600 in a directory created 0700; SQLite gives the WAL and SHM files the mode of
their database file, so creating the database file first is enough for all three.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """`path` as a directory, created (with its parents) mode 0700 when missing."""
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """`path` exists: created empty with mode 0600 when missing, an existing file left as it is."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    return path


def narrow(*paths: Path) -> None:
    """Make existing files 0600 when they are readable by others (files written by an older hfmon)."""
    for path in paths:
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(FILE_MODE)
        except OSError:
            pass  # missing, or not ours to change: nothing to narrow


def write_new_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path` created 0600, never over an existing file: `name-1.ext`, `name-2.ext`… instead.

    Returns the path written.
    """
    for n in range(1000):
        target = path if n == 0 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return target
    raise FileExistsError(f"{path} and its next 999 numbered names all exist")

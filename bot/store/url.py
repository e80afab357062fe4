"""Which database URLs the store can open, checked when the settings are read.

Every command reads the settings, so a URL the store cannot use (another database, a driver
that is not installed, a SQLite file that cannot be made) is refused there, naming the
variable, instead of failing later with a traceback. This module does not import SQLAlchemy:
`policybot ask` must start fast.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

EXPECTED = "sqlite:///<file> or postgresql://… (PostgreSQL through psycopg 3)"
SQLITE_HEADER = b"SQLite format 3\x00"
# The URL schemes the store opens (bot/store/db.py), each with the module its driver needs.
# postgres:// and postgresql:// are rewritten to postgresql+psycopg:// (normalise_url).
DRIVERS = {
    "sqlite": "sqlite3",
    "sqlite+pysqlite": "sqlite3",
    "postgres": "psycopg",
    "postgresql": "psycopg",
    "postgresql+psycopg": "psycopg",
}


def database_url_problem(url: str) -> str | None:
    """Why the store cannot open `url`, or None when it can (as far as can be seen offline)."""
    scheme, separator, rest = url.strip().partition("://")
    if not separator:
        return f"must be a database URL: {EXPECTED}"
    if scheme not in DRIVERS:
        return f"{scheme}:// is not supported; use {EXPECTED}"
    if importlib.util.find_spec(DRIVERS[scheme]) is None:
        return f"{scheme}:// needs the {DRIVERS[scheme]} package, which is not installed"
    if scheme.startswith("sqlite"):
        return sqlite_problem(rest)
    return None


def sqlite_problem(rest: str) -> str | None:
    """Why the SQLite database after `sqlite://` cannot be used, or None."""
    location = rest.partition("?")[0]
    if location in ("", "/", "/:memory:"):
        return None  # in memory
    if not location.startswith("/"):
        return "a SQLite URL has three slashes before a relative path: sqlite:///var/policybot.db"
    return sqlite_file_problem(Path(location[1:]).expanduser())


def sqlite_file_problem(path: Path) -> str | None:
    """Why `path` cannot be (or become) a SQLite database file, or None."""
    if path.is_dir():
        return f"{path} is a folder, not a SQLite database file"
    if path.is_file():
        return existing_file_problem(path)
    folder = _nearest_existing(path.parent)
    if not folder.is_dir():
        return f"cannot create {path}: {folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot create {path}: {folder} is not writable"
    return None


def existing_file_problem(path: Path) -> str | None:
    """Why the existing file `path` is not a SQLite database (an empty file becomes one)."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror}"
    return None if header in (b"", SQLITE_HEADER) else f"{path} is not a SQLite database"


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder

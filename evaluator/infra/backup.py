"""Backup and restore of the whole database.

SQLite: the online backup API (consistent while the app runs). PostgreSQL: pg_dump in custom
format and pg_restore --clean (the client tools must match the server's major version).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import Engine, make_url


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why."""


def _libpq_url(engine: Engine) -> str:
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return database


def backup(engine: Engine, target: str | Path) -> Path:
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target
    if engine.dialect.name == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}",
              _libpq_url(engine)])
        return target
    raise BackupError(f"Backups are not supported for {engine.dialect.name}.")


def restore(engine: Engine, source: str | Path) -> None:
    """Replace the database's content with the backup's. The app should be stopped."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    engine.dispose()
    if engine.dialect.name == "sqlite":
        with open(source, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{source} is not a SQLite backup.")
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in src.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            src.close()
            raise BackupError(f"{source} is not a SQLite backup: {exc}") from exc
        if "vendors" not in tables:
            src.close()
            raise BackupError(f"{source} is not an Evaluator backup (no vendors table).")
        dest = sqlite3.connect(_sqlite_path(engine))
        try:
            with dest:
                src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    if engine.dialect.name == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(engine)}", str(source)])
        return
    raise BackupError(f"Restore is not supported for {engine.dialect.name}.")


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client).")
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")

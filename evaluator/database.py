"""Engine settings per backend. SQLite: WAL journal, busy timeout, foreign keys on."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")  # ms: wait for a writer instead of failing
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)


def _flushed(session: Session, _flush_context) -> None:
    session.info["flushed"] = True


def _ended(session: Session, *_args) -> None:
    session.info.pop("flushed", None)


def end_read_only_requests_with_commit(app: Flask, session) -> None:
    """A request that wrote nothing ends its transaction with COMMIT instead of ROLLBACK.

    Why: for a transaction without writes the two are the same, but psycopg forgets every
    prepared statement on ROLLBACK, so each request's few statements were parsed and planned
    again by PostgreSQL (about 0.14 ms each); after COMMIT they stay prepared on the pooled
    connection. A request that flushed anything, left changes pending or failed still rolls
    back (Flask-SQLAlchemy's teardown, which runs after this one).
    """
    for name, listener in (("after_flush", _flushed), ("after_commit", _ended),
                           ("after_rollback", _ended)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)

    @app.teardown_appcontext
    def _commit_read_only(exc: BaseException | None) -> None:
        if exc is not None or not session.registry.has():
            return
        current = session()
        if (current.in_transaction() and not current.info.get("flushed")
                and not (current.new or current.dirty or current.deleted)):
            current.commit()

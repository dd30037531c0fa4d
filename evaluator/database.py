"""Engine settings per backend. SQLite: WAL journal, busy timeout, foreign keys on.
PostgreSQL: a pooled connection that sat idle is pinged before use."""

from __future__ import annotations

from time import monotonic

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")  # ms: wait for a writer instead of failing
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_engine(engine: Engine, ping_after_idle: float | None = None) -> None:
    """ping_after_idle: seconds (PostgreSQL profile, config.DB_PING_AFTER_IDLE); None: no ping."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)
    if ping_after_idle is not None:
        ping_idle_connections(engine, ping_after_idle)


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for connections idle longer than idle_seconds.

    A pooled connection can die while it waits (server restart, failover, a proxy's idle
    timeout): one idle for longer is pinged when it is taken from the pool, and a dead one is
    replaced before the request uses it (DisconnectionError makes the pool reconnect, SQLAlchemy's
    documented checkout-event recipe). pool_pre_ping would ping on every checkout, which under
    load is one more round trip, and two more context switches, per request: about a quarter of
    a cached page's database work. A connection back in the pool for less than idle_seconds was
    alive a moment ago and is used as it is.
    """

    def checkin(dbapi_connection, record) -> None:
        record.info["idle_since"] = monotonic()

    def checkout(dbapi_connection, record, proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or monotonic() - since < idle_seconds:
            return  # a new connection, or one in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise exc.DisconnectionError("pooled connection died while idle")

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


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

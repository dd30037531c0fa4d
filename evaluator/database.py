"""Engine settings per backend. SQLite: WAL journal, busy timeout, foreign keys on.
PostgreSQL: a pooled connection that sat idle is pinged before use. Read-only requests end
their transaction with COMMIT (end_read_only_requests_with_commit)."""

from __future__ import annotations

from time import monotonic

from flask import Flask, g, has_app_context, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine


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
    if not event.contains(engine, "before_cursor_execute", _note_writes):
        event.listen(engine, "before_cursor_execute", _note_writes)
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


def _note_writes(conn, cursor, statement: str, parameters, context, executemany) -> None:
    # Anything but a plain SELECT (INSERT, UPDATE, DELETE, SAVEPOINT, DDL, a writable CTE)
    # counts as a write.
    if has_app_context() and statement.lstrip()[:6].upper() != "SELECT":
        g.wrote_sql = True


def request_wrote() -> bool:
    """This request (app context) has run a statement other than a plain SELECT: its
    transaction is not ended with COMMIT below, and a data version read before it is stale
    (web/page_cache.py)."""
    return has_app_context() and bool(g.get("wrote_sql"))


def end_read_only_requests_with_commit(app: Flask, session) -> None:
    """A GET or HEAD request that answered below 400 and ran nothing but SELECTs ends its
    transaction with COMMIT instead of ROLLBACK.

    Why: for a transaction without writes the two are the same, but psycopg forgets every
    prepared statement on ROLLBACK, so the few statements each page runs were parsed and
    planned by PostgreSQL again on every request (about 0.14 ms each); after COMMIT they stay
    prepared on the pooled connection. Every other request (a write of any kind, an error
    status, an exception, a CLI command) is left to Flask-SQLAlchemy's teardown, which rolls
    back what was not committed, as before. A COMMIT that fails (a dropped connection) is
    rolled back quietly: the transaction wrote nothing.
    """
    @app.after_request
    def _note_answer(response):
        g.read_only_answer = request.method in ("GET", "HEAD") and response.status_code < 400
        return response

    @app.teardown_appcontext  # runs before Flask-SQLAlchemy's (teardowns run in reverse)
    def _commit_read_only(error: BaseException | None) -> None:
        if (error is not None or not g.get("read_only_answer") or request_wrote()
                or not session.registry.has()):
            return
        current = session()
        if (not current.in_transaction() or current.in_nested_transaction()
                or not current.is_active or current.new or current.dirty or current.deleted):
            return
        try:
            current.commit()
        except exc.SQLAlchemyError:
            current.rollback()

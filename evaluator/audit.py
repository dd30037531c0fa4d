"""Append-only audit trail, written in the same transaction as the change it records.

Why a session listener rather than explicit calls in each service: no service can forget it, and
the rows go through the flush's own connection, so they commit or roll back with the change.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, configure_mappers

from . import audit_chain
from .extensions import db
from .models import (
    AuditEvent,
    audit_guard,  # noqa: F401  (database triggers: audit rows append-only)
    text_guard,  # noqa: F401  (the text rule at flush time)
)

REDACTED_FIELDS = {"password_hash"}
NOISE_FIELDS = {"version", "updated_at", "created_at"}

_cli_actor: ContextVar[tuple[int | None, str] | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(actor_id: int | None, actor: str):
    """Attribute changes made outside a request (CLI, seeding) to a named actor."""
    token = _cli_actor.set((actor_id, actor))
    try:
        yield
    finally:
        _cli_actor.reset(token)


def current_actor() -> tuple[int | None, str]:
    explicit = _cli_actor.get()
    if explicit is not None:
        return explicit
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "system"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(obj) -> dict[str, Any]:
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        out[key] = "[redacted]" if key in REDACTED_FIELDS else _plain(getattr(obj, key))
    return out


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in NOISE_FIELDS:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        if key in REDACTED_FIELDS:
            old, new = "[redacted]", "[redacted]"
        before[key], after[key] = _plain(old), _plain(new)
    return before, after


def _entity_type(obj) -> str:
    return type(obj).__name__


#: pg_advisory_xact_lock key serialising appends to the chain ("AUDI" in ASCII).
CHAIN_LOCK_KEY = 0x41554449


def _lock_chain(connection: Connection) -> None:
    """Serialise writers until their commit, so each new row links to the true last row.

    Taken before a flush writes anything (so no writer holds row locks while it waits here):
    PostgreSQL with a transaction-level advisory lock, SQLite by starting the write transaction
    with a statement that writes nothing (SQLite has one writer at a time)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        connection.execute(text("DELETE FROM audit_events WHERE 0 = 1"))


_LOCKED, _HEAD = "evaluator.audit_chain_locked", "evaluator.audit_chain_head"


def _head(session: Session, connection: Connection) -> str:
    """The hash of the newest audit row (GENESIS for an empty trail).

    Read once per transaction: the chain lock is held from the first writing flush to the end
    of the transaction, so only this transaction can have appended since (session.info keeps
    the head it appended last; _forget_chain_state clears it when any transaction ends)."""
    head = session.info.get(_HEAD)
    if head is None:
        head = connection.execute(
            select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar() or audit_chain.GENESIS
    return head


def _forget_chain_state(session: Session, transaction) -> None:
    """A transaction (or savepoint) ended: its lock and the head it knew may be gone. (Each
    flush runs in an inner transaction of its own that ends with it: that one changes
    nothing.)"""
    if transaction.parent is not None and not transaction.nested:
        return
    session.info.pop(_LOCKED, None)
    session.info.pop(_HEAD, None)


def _after_flush(session: Session, flush_context) -> None:
    rows = []
    actor_id, actor = current_actor()

    def row(action, obj, before, after):
        rows.append(
            {
                "at": datetime.now(UTC),
                "actor_id": actor_id,
                "actor": actor,
                "action": action,
                "entity_type": _entity_type(obj),
                "entity_id": inspect(obj).mapper.primary_key_from_instance(obj)[0],
                "before": audit_chain.plain_json(before),
                "after": audit_chain.plain_json(after),
            }
        )

    for obj in session.new:
        if not isinstance(obj, AuditEvent):
            row("create", obj, None, _columns(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if before or after:
                row("update", obj, before, after)
    for obj in session.deleted:
        row("delete", obj, _columns(obj), None)
    if rows:
        connection = session.connection()
        session.info[_HEAD] = audit_chain.chain(_head(session, connection), rows)
        connection.execute(AuditEvent.__table__.insert(), rows)


def _before_flush(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit events are append-only")
    if not (session.new or session.dirty or session.deleted):
        return
    connection = session.connection()
    if not session.info.get(_LOCKED):
        _lock_chain(connection)
        session.info[_LOCKED] = True
    # Events added as objects (record() below): chained here, before the flush inserts them
    # in the order they were added; the change rows of after_flush follow them.
    pending = sorted((obj for obj in session.new if isinstance(obj, AuditEvent)),
                     key=lambda obj: inspect(obj).insert_order)
    if not pending:
        return
    rows = []
    for obj in pending:
        obj.at = obj.at or datetime.now(UTC)
        obj.actor = obj.actor or "system"
        obj.before, obj.after = audit_chain.plain_json(obj.before), audit_chain.plain_json(
            obj.after)
        rows.append({key: getattr(obj, key) for key in audit_chain.FIELDS})
    session.info[_HEAD] = audit_chain.chain(_head(session, connection), rows)
    for obj, row in zip(pending, rows, strict=True):
        obj.prev_hash, obj.hash = row["prev_hash"], row["hash"]


def install() -> None:
    """Attach the listener to every ORM session (Flask-SQLAlchemy's included); idempotent.

    Column attributes get active history, so the "before" value is loaded even when the object
    was expired (e.g. after a commit) before being changed.
    """
    configure_mappers()
    for mapper in db.Model.registry.mappers:
        for prop in mapper.column_attrs:
            mapper.class_manager[prop.key].impl.active_history = True
    if not event.contains(Session, "after_transaction_end", _forget_chain_state):
        event.listen(Session, "after_transaction_end", _forget_chain_state)
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def record(session: Session, action: str, entity_type: str, entity_id: int | None,
           details: dict | None = None) -> None:
    """Record an event that changes no row (e.g. a memo export) in the caller's transaction."""
    actor_id, actor = current_actor()
    session.add(AuditEvent(actor_id=actor_id, actor=actor, action=action,
                           entity_type=entity_type, entity_id=entity_id, after=details))

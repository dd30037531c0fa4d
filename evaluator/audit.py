"""Append-only audit trail, written in the same transaction as the change it records.

Why a session listener rather than explicit calls in each service: no service can forget it, and
the rows go through the flush's own connection, so they commit or roll back with the change.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, configure_mappers

from .extensions import db
from .models import (
    AuditEvent,
    audit_guard,  # noqa: F401  (database triggers: audit rows append-only)
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


def _after_flush(session: Session, flush_context) -> None:
    rows = []
    actor_id, actor = current_actor()

    def row(action, obj, before, after):
        rows.append(
            {
                "at": datetime.now().astimezone(),
                "actor_id": actor_id,
                "actor": actor,
                "action": action,
                "entity_type": _entity_type(obj),
                "entity_id": inspect(obj).mapper.primary_key_from_instance(obj)[0],
                "before": before,
                "after": after,
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
        session.connection().execute(AuditEvent.__table__.insert(), rows)


def _before_flush(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit events are append-only")


def install() -> None:
    """Attach the listener to every ORM session (Flask-SQLAlchemy's included); idempotent.

    Column attributes get active history, so the "before" value is loaded even when the object
    was expired (e.g. after a commit) before being changed.
    """
    configure_mappers()
    for mapper in db.Model.registry.mappers:
        for prop in mapper.column_attrs:
            mapper.class_manager[prop.key].impl.active_history = True
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

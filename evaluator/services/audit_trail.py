"""Reading the audit trail: the filtered listing, the CSV export for auditors, and the walk
that checks the hash chain (evaluator/audit_chain.py) and names the first broken link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .. import audit, audit_chain
from ..models import AuditEvent
from . import csv_io
from .paging import Page, fetch_page
from .uow import transaction

PER_PAGE = 100
EXPORT_COLUMNS = ("id", "at", "actor_id", "actor", "action", "entity_type", "entity_id",
                  "before", "after", "prev_hash", "hash")
#: Rows read per round trip while walking or exporting the whole trail.
BATCH = 2000


@dataclass(frozen=True)
class AuditFilter:
    """Which events to list or export; empty fields do not filter. Dates are whole UTC days,
    both inclusive."""

    entity: str = ""
    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def statement(self) -> Select:
        stmt = select(AuditEvent)
        if self.entity:
            stmt = stmt.where(AuditEvent.entity_type == self.entity)
        if self.actor:
            stmt = stmt.where(AuditEvent.actor == self.actor)
        if self.action:
            stmt = stmt.where(AuditEvent.action == self.action)
        if self.since:
            stmt = stmt.where(AuditEvent.at >= datetime.combine(self.since, time(), UTC))
        if self.until:
            stmt = stmt.where(AuditEvent.at < datetime.combine(
                self.until + timedelta(days=1), time(), UTC))
        return stmt


def events_page(session: Session, flt: AuditFilter, page: int) -> Page:
    """Newest first, PER_PAGE a page."""
    return fetch_page(session, flt.statement(), order=(AuditEvent.id.desc(),), page=page,
                      per_page=PER_PAGE)


def filter_choices(session: Session) -> dict[str, list[str]]:
    """The entity types and actions that occur, for the filter's drop-downs."""
    return {
        "entities": list(session.scalars(select(AuditEvent.entity_type).distinct()
                                         .order_by(AuditEvent.entity_type))),
        "actions": list(session.scalars(select(AuditEvent.action).distinct()
                                        .order_by(AuditEvent.action))),
    }


def _rows(session: Session, stmt: Select) -> Iterator[AuditEvent]:
    """Every row of stmt in id order, BATCH at a time (keyset paging: constant memory)."""
    last = 0
    while True:
        batch = session.scalars(stmt.where(AuditEvent.id > last).order_by(AuditEvent.id)
                                .limit(BATCH)).all()
        yield from batch
        if len(batch) < BATCH:
            return
        last = batch[-1].id
        session.expunge_all()  # keep memory flat on a long trail


def _as_dict(event: AuditEvent) -> dict:
    return {"id": event.id, "prev_hash": event.prev_hash, "hash": event.hash,
            **{key: getattr(event, key) for key in audit_chain.FIELDS}}


def verify_chain(session: Session) -> audit_chain.Verdict:
    """Walk the whole trail in id order; the verdict names the first broken link."""
    return audit_chain.verify(_as_dict(event) for event in _rows(session, select(AuditEvent)))


def has_hash(session: Session, digest: str) -> bool:
    """Whether a row with this hash is in the trail (a head noted earlier must stay)."""
    return session.scalar(select(AuditEvent.id).where(AuditEvent.hash == digest)) is not None


@transaction
def export_csv(session: Session, flt: AuditFilter) -> str:
    """The filtered trail as CSV (oldest first, with the chain columns so an auditor can check
    it), recorded in the trail itself as an export."""
    header_rows = []
    for event in _rows(session, flt.statement()):
        row = _as_dict(event)
        row["at"] = audit_chain.canonical_time(event.at)
        for key in ("before", "after"):
            row[key] = "" if row[key] is None else audit_chain.canonical_json(row[key])
        header_rows.append([row[column] for column in EXPORT_COLUMNS])
    audit.record(session, "export_audit_csv", "AuditEvent", None, {
        "rows": len(header_rows), "entity": flt.entity, "actor": flt.actor,
        "action": flt.action, "since": flt.since.isoformat() if flt.since else None,
        "until": flt.until.isoformat() if flt.until else None})
    return csv_io.write_table(EXPORT_COLUMNS, header_rows)

"""Past-program outcomes created through the API, by the outcomes CSV import's own rules.

Why through the importer: one past program is one CSV row, and outcomes.import_outcomes already
owns every rule (vendor matching, the case-insensitive vendor + program uniqueness against what
is recorded, the all-or-nothing commit). Building a one-row file keeps one implementation of
those rules instead of two that could drift.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import PastProgram
from ..services import outcome_import
from .payloads import RESERVED_OUTCOME_COLUMNS, FieldError, OutcomeInput, PayloadError


def _flag(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


def _csv(item: OutcomeInput) -> str:
    header = list(RESERVED_OUTCOME_COLUMNS) + list(item.features)
    row = [item.vendor, item.program, _flag(item.success),
           "" if item.year is None else str(item.year), _flag(item.on_time),
           _flag(item.on_budget), item.notes] + [repr(v) for v in item.features.values()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(row)
    return out.getvalue()


def create_outcome(session: Session, item: OutcomeInput) -> PastProgram:
    """Record one past program; PayloadError (nothing saved) when the importer refuses it."""
    try:
        outcome_import.import_outcomes(session, _csv(item))
    except outcome_import.OutcomeImportError as exc:
        raise PayloadError([
            FieldError(_field(e.column), e.message) for e in exc.errors
        ]) from None
    return session.scalar(select(PastProgram).where(
        PastProgram.vendor_name == item.vendor, PastProgram.program == item.program))


def _field(column: str | None) -> str:
    if not column:
        return ""
    return column if column in RESERVED_OUTCOME_COLUMNS else f"features.{column}"


def program_json(program: PastProgram) -> dict:
    return {
        "id": program.id, "vendor": program.vendor_name, "vendor_id": program.vendor_id,
        "program": program.program, "year": program.year, "success": program.success,
        "on_time": program.on_time, "on_budget": program.on_budget, "notes": program.notes,
        "features": dict(program.features or {}), "evaluation_id": program.evaluation_id,
    }

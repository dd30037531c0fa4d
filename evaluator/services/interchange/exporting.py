"""Export of an evaluation as an interchange document, in a canonical order, so export ->
import -> export gives the identical document."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ...models import (
    Evaluation,
    Status,
)
from .. import analysis as analysis_service
from .. import evaluations as evaluation_service
from ..errors import EvaluationNotFound
from .document import FORMAT

# --- export -------------------------------------------------------------------------------------


def _num(value: float | None) -> int | float | None:
    """30.0 -> 30, so exported weights and values read as they were typed."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _load(session: Session, evaluation_id: int) -> Evaluation:
    evaluation = evaluation_service.load_detail(session, evaluation_id)
    if evaluation is None:
        raise EvaluationNotFound(evaluation_id)
    return evaluation


def export_document(session: Session, evaluation_id: int) -> dict[str, Any]:
    """The evaluation as an interchange document: submitted scores only, canonical order.

    A decided evaluation exports as "review": the decision record is not part of the format.
    """
    evaluation = _load(session, evaluation_id)
    criteria = list(evaluation.criteria)
    key_of = {c.id: c.key for c in criteria}
    position = {c.id: i for i, c in enumerate(criteria)}
    vendor_pos = {e.vendor_id: i for i, e in enumerate(evaluation.shortlist)}
    member_pos = {m.user_id: i for i, m in enumerate(evaluation.members)}
    names = {e.vendor_id: e.vendor.name for e in evaluation.shortlist}
    emails = {m.user_id: m.user.email for m in evaluation.members}
    scores = sorted(
        (s for s in analysis_service.submitted_scores(session, evaluation.id)
         if s.vendor_id in vendor_pos and s.evaluator_id in member_pos
         and s.criterion_id in key_of),
        key=lambda s: (member_pos[s.evaluator_id], vendor_pos[s.vendor_id],
                       position[s.criterion_id]))
    order = [c.key for c in criteria]
    # Decided and moderation are states of the app, not of the format: both export as review.
    status = (Status.REVIEW.value if evaluation.status in (Status.DECIDED, Status.MODERATION)
              else evaluation.status)
    return {
        "format": FORMAT,
        "title": evaluation.title,
        "program_context": evaluation.program_context or "",
        "context": dict(evaluation.context or {}),
        "relevance_weights": dict(evaluation.relevance_weights or {}),
        "status": status,
        "scale": {"min": evaluation.scale_min, "max": evaluation.scale_max},
        "criteria": [
            {"key": c.key, "name": c.name, "weight": _num(c.weight),
             "knockout_below": _num(c.knockout_below), "description": c.description or "",
             "anchors": {k: c.anchors[k] for k in sorted(c.anchors or {}, key=_level)}}
            for c in criteria
        ],
        "vendors": [{"name": e.vendor.name} for e in evaluation.shortlist],
        "evaluators": [
            {"email": m.user.email, "name": m.user.name or "", "role": m.role}
            for m in evaluation.members
        ],
        "scores": [
            {"evaluator": emails[s.evaluator_id], "vendor": names[s.vendor_id],
             "criterion": key_of[s.criterion_id],
             "value": None if s.insufficient_evidence else _num(s.value),
             "insufficient_evidence": bool(s.insufficient_evidence),
             "rationale": s.rationale or "",
             "evidence": [{"type": e["type"], "id": e["id"]} for e in (s.evidence or [])]}
            for s in scores
        ],
        "lenses": [
            {"name": lens.name, "description": lens.description or "",
             "weights": {k: _num(lens.weights[k]) for k in order if k in lens.weights}}
            for lens in evaluation.lenses
        ],
        "conflicts": sorted(
            ({"evaluator": emails[x.user_id], "vendor": names[x.vendor_id], "note": x.note or ""}
             for x in evaluation.conflicts if x.user_id in emails and x.vendor_id in names),
            key=lambda x: (x["evaluator"], x["vendor"])),
    }


def _level(key: str) -> tuple[int, str]:
    return (int(key), key) if key.lstrip("-").isdigit() else (1 << 30, key)

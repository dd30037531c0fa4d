"""The moderation round: after scoring is closed, the panel revisits divergent scores.

Procurement teams hold a consensus meeting once every evaluator has scored independently. Here
that meeting is a round the lead opens (status "moderation", services/setup.change_status):
the comparison lists the divergent cells; an evaluator may revise one of its own submitted
scores, or the lead may record the panel's agreed value for any evaluator's score, always with
a reason. The independent value is never overwritten: the revision is stored beside it
(Score.moderated_value, moderation_reason, moderated_by, moderated_at) and the audit trail
keeps every step. Outside an open round a submitted score cannot change.

`summary` is what the ranking object, the comparison page and the memo show of it: which
scores moved, by whom and why, and the agreement and ranking before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import scoring
from ..models import Evaluation, MemberRole, Membership, Score, Status, User
from . import analysis as analysis_service
from .errors import ConcurrentEdit, WorkflowError
from .evaluations import require_undecided
from .uow import transaction

#: A cell (vendor, criterion) is divergent when its submitted values span at least this many
#: scale points (docs/scoring.md): on a 1-5 scale, a 2 beside a 4.
DIVERGENT_RANGE = 2.0
#: A moderation reason says what the panel agreed and why: at least this many characters.
MIN_REASON = 10
MAX_REASON = 2000


@dataclass(frozen=True)
class Revision:
    score_id: int
    value: float
    reason: str
    version: int | None = None  # the score version the user saw; None skips the check


def divergent_cells(evaluation: Evaluation, scores: list[Score]) -> list[dict[str, Any]]:
    """Cells whose independent submitted values span DIVERGENT_RANGE or more, widest first."""
    names = {e.vendor_id: e.vendor.name for e in evaluation.shortlist}
    criteria = {c.id: c for c in evaluation.criteria}
    cells: dict[tuple[int, int], list[Score]] = {}
    for s in scores:
        if s.submitted and s.criterion_id in criteria and s.vendor_id in names:
            cells.setdefault((s.vendor_id, s.criterion_id), []).append(s)
    out = []
    for (vendor_id, criterion_id), cell in cells.items():
        values = [v for s in cell if (v := analysis_service.counted_value(s, independent=True))
                  is not None]
        if len(values) >= 2 and max(values) - min(values) >= DIVERGENT_RANGE:
            out.append({"vendor_id": vendor_id, "vendor": names[vendor_id],
                        "criterion_id": criterion_id, "criterion": criteria[criterion_id].name,
                        "range": max(values) - min(values), "scores": sorted(
                            cell, key=lambda s: s.evaluator_id)})
    out.sort(key=lambda c: (-c["range"], c["vendor"], c["criterion"]))
    return out


def _may_moderate(user: User, membership: Membership | None, score: Score) -> bool:
    if user.is_admin or (membership is not None and membership.role == MemberRole.LEAD):
        return True
    return (membership is not None and membership.role == MemberRole.EVALUATOR
            and score.evaluator_id == user.id)


@transaction
def moderate(session: Session, evaluation: Evaluation, user: User,
             membership: Membership | None, revisions: list[Revision]) -> list[Score]:
    """Record moderated values with their reasons; all or nothing.

    Refused (WorkflowError, nothing saved) outside an open moderation round, for a score that
    is not a submitted score of this evaluation, for someone else's score unless the user
    leads, for a value off the scale, without a reason; ConcurrentEdit when a score changed
    since the user read it.
    """
    require_undecided(evaluation)
    if evaluation.status != Status.MODERATION:
        raise WorkflowError("Submitted scores are independent and locked; they can be revised "
                            "only in the lead's moderation round, which is not open.")
    if not revisions:
        raise WorkflowError("Choose a score to revise.")
    ids = [r.score_id for r in revisions]
    rows = {s.id: s for s in session.scalars(select(Score).where(
        Score.id.in_(ids), Score.evaluation_id == evaluation.id))}
    stale = []
    for revision in revisions:
        score = rows.get(revision.score_id)
        if score is None or not score.submitted:
            raise WorkflowError("Only submitted scores of this evaluation can be moderated.")
        if not _may_moderate(user, membership, score):
            raise WorkflowError("You can revise only your own scores; the lead records the "
                                "panel's agreement for others.")
        if not evaluation.scale_min <= revision.value <= evaluation.scale_max:
            raise WorkflowError(f"A moderated score must lie between {evaluation.scale_min} and "
                                f"{evaluation.scale_max}.")
        reason = (revision.reason or "").strip()
        if len(reason) < MIN_REASON:
            raise WorkflowError(f"{score.criterion.name} ({score.vendor.name}): give the reason "
                                f"for the revision (at least {MIN_REASON} characters).")
        if len(reason) > MAX_REASON:
            raise WorkflowError(f"A moderation reason can be at most {MAX_REASON:,} characters.")
        if revision.version is not None and revision.version != score.version:
            stale.append(f"{score.criterion.name} ({score.vendor.name})")
    if stale:
        raise ConcurrentEdit("Not saved: " + ", ".join(stale) + " changed since you opened the "
                             "page. Reload, check the current values and save again.")
    now = datetime.now(UTC)
    for revision in revisions:
        score = rows[revision.score_id]
        score.moderated_value = float(revision.value)
        score.moderation_reason = revision.reason.strip()
        score.moderated_by_id = user.id
        score.moderated_at = now
    return [rows[r.score_id] for r in revisions]


def summary(evaluation: Evaluation, scores: list[Score], analysis: scoring.Analysis,
            labels: dict[int, str]) -> dict[str, Any] | None:
    """The moderation round as every output shows it, or None when there has been none.

    state: "open" | "closed"; changes: each moved score (evaluator id and label, vendor,
    criterion, independent value or abstention, moderated value, reason, by whom, when);
    agreement_before/after: overall Krippendorff alpha of the independent and the moderated
    values; ranking_before: each vendor's independent score (0-100) and rank.
    """
    moved = [s for s in scores if s.submitted and s.moved]
    is_open = evaluation.status == Status.MODERATION
    if not moved and not is_open:
        return None
    names = {e.vendor_id: e.vendor.name for e in evaluation.shortlist}
    criteria = {c.id: c for c in evaluation.criteria}
    before_inputs = analysis_service.build_inputs(evaluation, scores, independent=True)
    before_alpha, before_rank, before_winner = None, [], None
    try:
        matrix = scoring.build_score_matrix(before_inputs.scale, before_inputs.criteria,
                                            before_inputs.vendors, before_inputs.scores)
        before_alpha = scoring.agreement(matrix).overall.alpha
        ranked = scoring.rank_matrix(matrix, scoring.share_vector(matrix.criteria))
        before_rank = [{"id": r.vendor, "name": names.get(r.vendor, str(r.vendor)),
                        "score": None if r.score is None else round(r.score, 4),
                        "rank": r.rank} for r in ranked.results]
        before_winner = ranked.winner
    except scoring.ScoringError:
        pass
    after = analysis.to_dict()
    changes = [{
        "score_id": s.id, "evaluator_id": s.evaluator_id,
        "evaluator": labels.get(s.evaluator_id, str(s.evaluator_id)),
        "vendor_id": s.vendor_id, "vendor": names.get(s.vendor_id, str(s.vendor_id)),
        "criterion": criteria[s.criterion_id].key if s.criterion_id in criteria else "",
        "criterion_name": criteria[s.criterion_id].name if s.criterion_id in criteria else "",
        "independent": None if s.insufficient_evidence else s.value,
        "abstained": bool(s.insufficient_evidence), "moderated": s.moderated_value,
        "reason": s.moderation_reason,
        "by_id": s.moderated_by_id,
        "by": labels.get(s.moderated_by_id, str(s.moderated_by_id)),
        "at": s.moderated_at.isoformat() if s.moderated_at else None,
    } for s in sorted(moved, key=lambda s: (s.vendor_id, s.criterion_id, s.evaluator_id))]
    return {
        "state": "open" if is_open else "closed",
        "changes": changes,
        "divergent_range": DIVERGENT_RANGE,
        "agreement_before": None if before_alpha is None else round(before_alpha, 4),
        "agreement_after": after["agreement_alpha"],
        "ranking_before": before_rank,
        "winner_before": before_winner,
    }

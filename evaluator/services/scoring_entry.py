"""Evaluators' scores: drafts, autosave, submission, and the blind rule.

Blind rule (enforced here, in `visible_filter`, used by every page, fragment, API read and
export): a reader always sees its own rows; another evaluator's rows only once that evaluator
has submitted them (a draft is private to its author, whoever reads), and only when the reader
may see the others at all: an evaluator after submitting its own, leads, observers and admins.

Independence: a submitted score is the evaluator's independent score and is locked; a change
after seeing the others goes through the moderation round (services/moderation.py). Before an
evaluator first opens the scoring sheet it declares its conflicts of interest or attests to
none (services/conflicts.py). On submission every score must cite evidence as the
evaluation's evidence rule requires (scoring/evidence.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .. import scoring
from ..infra import webhooks
from ..models import (
    CaseStudy,
    Evaluation,
    Interview,
    InterviewAnswer,
    MemberRole,
    Membership,
    Score,
    Status,
    User,
)
from ..scoring.evidence import citation_reason, citation_required
from .errors import ConcurrentEdit, WorkflowError
from .evaluations import require_undecided
from .uow import transaction, unit_of_work

EVIDENCE_TYPES = ("case_study", "answer")


@dataclass(frozen=True)
class ScoreEntry:
    vendor_id: int
    criterion_id: int
    value: float | None
    insufficient_evidence: bool = False
    rationale: str = ""
    evidence: tuple[tuple[str, int], ...] = ()
    version: int | None = None  # the version the user edited; None for a new score


@dataclass
class SaveResult:
    saved: list[Score] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def can_see_all_scores(user: User, membership: Membership | None) -> bool:
    if user.is_admin:
        return True
    if membership is None:
        return False
    if membership.role in (MemberRole.LEAD, MemberRole.OBSERVER):
        return True
    return membership.submitted_at is not None


def visible_filter(user: User, membership: Membership | None):
    """The blind rule as one SQL condition on Score: the reader's own rows, plus the other
    evaluators' submitted rows when the reader may see them. Never another evaluator's draft."""
    own = Score.evaluator_id == user.id
    if not can_see_all_scores(user, membership):
        return own
    return or_(own, Score.submitted.is_(True))


def visible_scores(
    session: Session, evaluation: Evaluation, user: User, membership: Membership | None,
    *, vendor_id: int | None = None,
) -> list[Score]:
    """Every score row this user may read (visible_filter), for one vendor when vendor_id is
    given."""
    stmt = select(Score).where(Score.evaluation_id == evaluation.id,
                               visible_filter(user, membership))
    if vendor_id is not None:
        stmt = stmt.where(Score.vendor_id == vendor_id)
    return list(session.scalars(stmt.order_by(Score.id)))


def conflicted_vendor_ids(evaluation: Evaluation, user_id: int) -> set[int]:
    return {c.vendor_id for c in evaluation.conflicts if c.user_id == user_id}


def _require_evaluator(evaluation: Evaluation, membership: Membership | None) -> None:
    require_undecided(evaluation)
    if membership is None or membership.role != MemberRole.EVALUATOR:
        raise WorkflowError("Only the evaluation's evaluators can score.")
    if evaluation.status != Status.SCORING:
        raise WorkflowError(f"Scoring is closed: the evaluation is {evaluation.status}.")
    if membership.attested_at is None:
        raise WorkflowError("Declare your conflicts of interest with the shortlisted vendors "
                            "(or attest that you have none) before scoring.")


def _require_unlocked(membership: Membership) -> None:
    if membership.submitted_at is not None:
        raise WorkflowError(
            "Your scores are submitted and locked: they are your independent scores and are "
            "never overwritten. A change after seeing the others goes through the lead's "
            "moderation round, with a reason.")


def _validate(session, evaluation: Evaluation, user: User, entry: ScoreEntry) -> None:
    if entry.vendor_id not in {e.vendor_id for e in evaluation.shortlist}:
        raise WorkflowError("That vendor is not on the shortlist.")
    if entry.vendor_id in conflicted_vendor_ids(evaluation, user.id):
        raise WorkflowError("You declared a conflict of interest with this vendor and cannot "
                            "score it.")
    if entry.criterion_id not in {c.id for c in evaluation.criteria}:
        raise WorkflowError("Unknown criterion.")
    if entry.insufficient_evidence and entry.value is not None:
        raise WorkflowError("Choose either a score or 'insufficient evidence', not both.")
    if entry.value is not None and not (
        evaluation.scale_min <= entry.value <= evaluation.scale_max
    ):
        raise WorkflowError(
            f"Scores must lie between {evaluation.scale_min} and {evaluation.scale_max}."
        )
    if len(entry.rationale) > 5000:
        raise WorkflowError("A rationale can be at most 5,000 characters.")
    for kind, ref_id in entry.evidence:
        if kind not in EVIDENCE_TYPES:
            raise WorkflowError("Evidence must cite a case study or an interview answer.")
        if kind == "case_study":
            owner = session.scalar(select(CaseStudy.vendor_id).where(CaseStudy.id == ref_id))
        else:
            owner = session.scalar(
                select(Interview.vendor_id)
                .join(InterviewAnswer, InterviewAnswer.interview_id == Interview.id)
                .where(InterviewAnswer.id == ref_id)
            )
        if owner != entry.vendor_id:
            raise WorkflowError("Cited evidence must belong to the vendor being scored.")


@transaction
def save_scores(
    session: Session, evaluation: Evaluation, user: User, membership: Membership | None,
    entries: list[ScoreEntry],
) -> SaveResult:
    """Save drafts. All-or-nothing: a stale entry saves none. Refused once submitted.

    Entries with neither a value, an abstention nor a rationale are skipped (nothing to keep).
    """
    _require_evaluator(evaluation, membership)
    _require_unlocked(membership)
    existing = {
        (s.vendor_id, s.criterion_id): s
        for s in session.scalars(select(Score).where(
            Score.evaluation_id == evaluation.id, Score.evaluator_id == user.id))
    }
    result = SaveResult()
    for entry in entries:
        _validate(session, evaluation, user, entry)
        score = existing.get((entry.vendor_id, entry.criterion_id))
        if score is not None and entry.version is not None and entry.version != score.version:
            result.conflicts.append(
                f"{score.criterion.name}: changed in another tab or session "
                f"(now {_describe(score)})."
            )
    if result.conflicts:
        raise ConcurrentEdit("Not saved: " + " ".join(result.conflicts) +
                             " Your input is kept; check it and save again.")
    for entry in entries:
        score = existing.get((entry.vendor_id, entry.criterion_id))
        empty = entry.value is None and not entry.insufficient_evidence and not entry.rationale
        if score is None and empty:
            continue
        if score is None:
            score = Score(evaluation_id=evaluation.id, evaluator_id=user.id,
                          vendor_id=entry.vendor_id, criterion_id=entry.criterion_id)
            session.add(score)
        score.value = entry.value
        score.insufficient_evidence = entry.insufficient_evidence
        score.rationale = entry.rationale.strip()
        score.evidence = [{"type": kind, "id": ref} for kind, ref in entry.evidence]
        result.saved.append(score)
    return result


def _describe(score: Score) -> str:
    if score.insufficient_evidence:
        return "insufficient evidence"
    return "no value" if score.value is None else f"{score.value:g}"


def missing_scores(
    session: Session, evaluation: Evaluation, user: User
) -> list[tuple[str, str]]:
    """(vendor name, criterion name) pairs this evaluator has not yet given a value or abstention."""
    have = {
        (s.vendor_id, s.criterion_id)
        for s in session.scalars(select(Score).where(
            Score.evaluation_id == evaluation.id, Score.evaluator_id == user.id))
        if s.value is not None or s.insufficient_evidence
    }
    conflicted = conflicted_vendor_ids(evaluation, user.id)
    return [
        (entry.vendor.name, c.name)
        for entry in evaluation.shortlist if entry.vendor_id not in conflicted
        for c in evaluation.criteria if (entry.vendor_id, c.id) not in have
    ]


def uncited(evaluation: Evaluation, scores: list[Score]) -> list[str]:
    """One message per criterion listing the scores that lack a citation the evaluation's
    evidence rule requires (empty when none does)."""
    scale = scoring.Scale(evaluation.scale_min, evaluation.scale_max)
    names = {e.vendor_id: e.vendor.name for e in evaluation.shortlist}
    by_criterion: dict[int, list[str]] = {}
    criteria = {c.id: c for c in evaluation.criteria}
    for s in scores:
        criterion = criteria.get(s.criterion_id)
        if criterion is None or s.evidence or s.insufficient_evidence:
            continue
        if citation_required(evaluation.evidence_rule, s.value, scale,
                             knockout=criterion.knockout_below is not None):
            by_criterion.setdefault(criterion.id, []).append(
                f"{names.get(s.vendor_id, s.vendor_id)} ({s.value:g})")
    out = []
    for criterion in evaluation.criteria:
        if criterion.id in by_criterion:
            why = citation_reason(evaluation.evidence_rule,
                                  knockout=criterion.knockout_below is not None)
            out.append(f"{criterion.name}: cite evidence for "
                       f"{', '.join(by_criterion[criterion.id])} ({why}).")
    return out


def submit(
    session: Session, evaluation: Evaluation, user: User, membership: Membership | None
) -> int:
    """Submit every score of this evaluator; refused while any is missing or lacks a
    required citation, and once submitted (scores are then locked)."""
    _require_evaluator(evaluation, membership)
    _require_unlocked(membership)
    missing = missing_scores(session, evaluation, user)
    if missing:
        preview = "; ".join(f"{v} – {c}" for v, c in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise WorkflowError(f"{len(missing)} scores still missing: {preview}{more}. Give a score "
                            "or mark 'insufficient evidence' for each.")
    own = list(session.scalars(select(Score).where(
        Score.evaluation_id == evaluation.id, Score.evaluator_id == user.id)))
    conflicted = conflicted_vendor_ids(evaluation, user.id)
    gaps = uncited(evaluation, [s for s in own if s.vendor_id not in conflicted])
    if gaps:
        raise WorkflowError("Not submitted: evidence is required. " + " ".join(gaps))
    count = 0
    with unit_of_work(session):
        for score in own:
            if not score.submitted and score.vendor_id not in conflicted:
                score.submitted = True
                count += 1
        membership.submitted_at = datetime.now(UTC)
    webhooks.scores_submitted(session, evaluation, user, count)  # after the commit
    return count

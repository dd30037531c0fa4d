"""Conflicts of interest: attestation before scoring, declarations, and the lead's decision.

Before an evaluator first opens the shortlist's scoring sheet it declares its conflicts per
vendor or attests to none (Membership.attested_at; the Conflict rows name the vendors). A
conflict declared later is handled by when it comes:

- before the member submitted: the member's scores for that vendor are removed (they were
  drafts, never seen by anyone else) and the vendor leaves the member's sheet;
- after the member submitted: nothing is deleted. The conflict is recorded with
  `after_submission` and flagged for the lead, who decides whether the member's scores of that
  vendor are excluded from the ranking or kept (ConflictResolution), with a note. A decision
  cannot be recorded while such a conflict awaits the lead.

Every step is an ORM change, so the audit trail records it (audit.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    Conflict,
    ConflictResolution,
    Evaluation,
    MemberRole,
    Membership,
    Score,
    User,
)
from .errors import WorkflowError
from .evaluations import require_undecided
from .uow import transaction

MAX_NOTE = 500


@dataclass(frozen=True)
class Declaration:
    vendor_id: int
    note: str


def pending(evaluation: Evaluation) -> list[Conflict]:
    """Conflicts declared after submission that still await the lead's decision."""
    return [c for c in evaluation.conflicts
            if c.after_submission and c.resolution == ConflictResolution.PENDING]


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise WorkflowError("Describe the conflict of interest (the relationship with the "
                            "vendor).")
    if len(note) > MAX_NOTE:
        raise WorkflowError(f"A conflict note can be at most {MAX_NOTE} characters.")
    return note


def _add(session: Session, evaluation: Evaluation, member: Membership, vendor_id: int,
         note: str) -> Conflict:
    if not any(e.vendor_id == vendor_id for e in evaluation.shortlist):
        raise WorkflowError("The vendor is not on the shortlist.")
    if any(c.user_id == member.user_id and c.vendor_id == vendor_id
           for c in evaluation.conflicts):
        raise WorkflowError("That conflict is already declared.")
    submitted = member.submitted_at is not None
    conflict = Conflict(user_id=member.user_id, vendor_id=vendor_id, note=note,
                        declared_at=datetime.now(UTC), after_submission=submitted)
    evaluation.conflicts.append(conflict)
    if not submitted:
        # Drafts only, seen by no one else: they no longer count and leave the sheet.
        for score in session.scalars(select(Score).where(
                Score.evaluation_id == evaluation.id, Score.evaluator_id == member.user_id,
                Score.vendor_id == vendor_id)):
            session.delete(score)
    return conflict


@transaction
def declare(session: Session, evaluation: Evaluation, user_id: int, vendor_id: int,
            note: str) -> Conflict:
    """Declare one member's conflict with one shortlisted vendor (see the module rules)."""
    require_undecided(evaluation)
    member = next((m for m in evaluation.members if m.user_id == user_id), None)
    if member is None:
        raise WorkflowError("Only members can declare a conflict of interest.")
    return _add(session, evaluation, member, vendor_id, _check_note(note))


@transaction
def attest(session: Session, evaluation: Evaluation, user: User,
           membership: Membership | None, declarations: list[Declaration],
           *, none: bool) -> list[Conflict]:
    """The member's attestation: its conflicts per vendor, or none (`none` True and no
    declaration). Once per member; declare() adds a conflict later."""
    require_undecided(evaluation)
    if membership is None or membership.role != MemberRole.EVALUATOR:
        raise WorkflowError("Only the evaluation's evaluators attest their independence.")
    if membership.attested_at is not None:
        raise WorkflowError("You have already made your declaration; declare a further "
                            "conflict from the evaluation page.")
    if none and declarations:
        raise WorkflowError("Either declare conflicts or attest that you have none, not both.")
    if not none and not declarations:
        raise WorkflowError("Declare a conflict for a vendor, or attest that you have no "
                            "conflict of interest with any shortlisted vendor.")
    vendor_ids = [d.vendor_id for d in declarations]
    if len(set(vendor_ids)) != len(vendor_ids):
        raise WorkflowError("Declare each vendor once.")
    added = [_add(session, evaluation, membership, d.vendor_id, _check_note(d.note))
             for d in declarations]
    membership.attested_at = datetime.now(UTC)
    return added


@transaction
def resolve(session: Session, evaluation: Evaluation, conflict_id: int, resolution: str,
            note: str) -> Conflict:
    """The lead's decision on a conflict declared after submission: exclude the member's scores
    of the vendor from the ranking, or keep them; with a note."""
    require_undecided(evaluation)
    conflict = next((c for c in evaluation.conflicts if c.id == conflict_id), None)
    if conflict is None or not conflict.after_submission:
        raise WorkflowError("Only a conflict declared after submission awaits a decision.")
    if resolution not in (ConflictResolution.EXCLUDE, ConflictResolution.KEEP):
        raise WorkflowError("Choose whether the scores are excluded or kept.")
    note = (note or "").strip()
    if len(note) < 10:
        raise WorkflowError("Give the reason for the decision (at least 10 characters).")
    if len(note) > MAX_NOTE:
        raise WorkflowError(f"A note can be at most {MAX_NOTE} characters.")
    conflict.resolution = resolution
    conflict.resolution_note = note
    return conflict

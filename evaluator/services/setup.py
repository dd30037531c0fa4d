"""Setting up an evaluation: criteria and weights, lenses, shortlist, members, conflicts, status.

Every function validates first and writes nothing on error (raises WorkflowError or a
scoring.ScoringError with a user-facing message), then commits once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import scoring
from ..models import (
    CriteriaTemplate,
    Evaluation,
    EvidenceRule,
    Lens,
    MemberRole,
    Membership,
    Role,
    Score,
    ShortlistEntry,
    Status,
    TemplateCriterion,
    User,
    Vendor,
)
from ..scoring import relevance as core
from . import limits
from . import users as user_service
from .errors import ConcurrentEdit, WorkflowError
from .evaluations import create_from_template, require_undecided
from .uow import transaction


@dataclass(frozen=True)
class CriterionEdit:
    id: int
    name: str
    weight: float
    knockout_below: float | None
    description: str = ""
    anchors: dict[str, str] | None = None


def _touch(evaluation: Evaluation, expected_version: int | None) -> None:
    """Check the version the user edited and bump it, so a concurrent save is detected."""
    if expected_version is not None and expected_version != evaluation.version:
        raise ConcurrentEdit(
            "Someone else changed this evaluation while you were editing. Your input is kept "
            "below; review the current values and save again."
        )
    evaluation.updated_at = datetime.now(UTC)


@transaction
def create_evaluation(
    session: Session, *, title: str, template_id: int, program_context: str, user: User
) -> Evaluation:
    title = (title or "").strip()
    if not title:
        raise WorkflowError("A title is required.")
    template = session.get(CriteriaTemplate, template_id)
    if template is None:
        raise WorkflowError("Choose a criteria template.")
    evaluation = create_from_template(
        session, title=title, template=template, created_by=user,
        program_context=program_context.strip(),
    )
    return evaluation


@transaction
def save_as_template(session: Session, evaluation: Evaluation, name: str) -> CriteriaTemplate:
    name = name.strip()
    if not name:
        raise WorkflowError("Give the template a name.")
    if session.scalar(select(CriteriaTemplate.id).where(CriteriaTemplate.name == name)):
        raise WorkflowError(f"A template named {name!r} already exists.")
    template = CriteriaTemplate(
        name=name, scale_min=evaluation.scale_min, scale_max=evaluation.scale_max,
        lenses=[{"name": lens.name, "description": lens.description,
                 "weights": dict(lens.weights)} for lens in evaluation.lenses],
    )
    for position, c in enumerate(evaluation.criteria):
        template.criteria.append(TemplateCriterion(
            key=c.key, name=c.name, description=c.description, weight=c.weight,
            knockout_below=c.knockout_below, anchors=dict(c.anchors), position=position))
    session.add(template)
    return template


def _require_status(evaluation: Evaluation, *allowed: Status, what: str) -> None:
    require_undecided(evaluation)
    if evaluation.status not in {s.value for s in allowed}:
        states = " or ".join(s.value for s in allowed)
        raise WorkflowError(f"{what} is possible only while the evaluation is {states} "
                            f"(it is {evaluation.status}).")


def _check_weights(weights: dict[str, float]) -> None:
    for key, weight in weights.items():
        if isinstance(weight, int | float) and weight > limits.MAX_WEIGHT:
            raise WorkflowError(f"The weight of {key!r} is {weight:g}; a weight is at most "
                                f"{limits.MAX_WEIGHT:g} (weights count as shares of their sum).")


@transaction
def update_criteria(
    session: Session, evaluation: Evaluation, edits: list[CriterionEdit], expected_version: int
) -> None:
    _require_status(evaluation, Status.DRAFT, what="Changing criteria and weights")
    by_id = {c.id: c for c in evaluation.criteria}
    weights = {}
    for edit in edits:
        criterion = by_id.get(edit.id)
        if criterion is None:
            raise WorkflowError("A criterion in the form does not belong to this evaluation.")
        if not edit.name.strip():
            raise WorkflowError(f"Criterion {criterion.key!r} needs a name.")
        if edit.knockout_below is not None and not (
            evaluation.scale_min <= edit.knockout_below <= evaluation.scale_max
        ):
            raise WorkflowError(
                f"The knockout threshold of {edit.name!r} must lie on the scale "
                f"{evaluation.scale_min}-{evaluation.scale_max}."
            )
        weights[criterion.key] = edit.weight
    _check_weights(weights)
    scoring.normalise_weights(weights)  # raises InvalidWeights with a clear message
    _touch(evaluation, expected_version)
    for edit in edits:
        criterion = by_id[edit.id]
        criterion.name = edit.name.strip()
        criterion.weight = float(edit.weight)
        criterion.knockout_below = edit.knockout_below
        criterion.description = edit.description.strip()
        if edit.anchors is not None:
            criterion.anchors = {k: v.strip() for k, v in edit.anchors.items()}


@transaction
def apply_weights(
    session: Session, evaluation: Evaluation, shares: dict[str, float], expected_version: int
) -> None:
    """Replace the weights with shares (e.g. from rank-order centroid or AHP), as percentages."""
    _require_status(evaluation, Status.DRAFT, what="Changing weights")
    _touch(evaluation, expected_version)
    for criterion in evaluation.criteria:
        criterion.weight = round(100 * float(shares.get(criterion.key, 0.0)), 4)


@transaction
def save_lens(
    session: Session, evaluation: Evaluation, name: str, weights: dict[str, float],
    description: str = "",
) -> Lens:
    _require_status(evaluation, Status.DRAFT, Status.SCORING, Status.REVIEW,
                    what="Changing lenses")
    name = name.strip()
    if not name:
        raise WorkflowError("A lens needs a name.")
    keys = {c.key for c in evaluation.criteria}
    unknown = set(weights) - keys
    if unknown:
        raise WorkflowError(f"Unknown criteria in lens: {', '.join(sorted(unknown))}.")
    _check_weights(weights)
    scoring.normalise_weights({k: weights.get(k, 0.0) for k in keys})
    lens = next((x for x in evaluation.lenses if x.name == name), None)
    if lens is None:
        if len(evaluation.lenses) >= limits.MAX_LENSES:
            raise WorkflowError(f"An evaluation has at most {limits.MAX_LENSES} lenses; edit "
                                "or delete one first.")
        lens = Lens(name=name)
        evaluation.lenses.append(lens)
    lens.weights = {k: float(v) for k, v in weights.items()}
    lens.description = description.strip()
    return lens


@transaction
def delete_lens(session: Session, evaluation: Evaluation, lens_id: int) -> None:
    require_undecided(evaluation)
    lens = next((x for x in evaluation.lenses if x.id == lens_id), None)
    if lens is None:
        raise WorkflowError("No such lens.")
    evaluation.lenses.remove(lens)


@transaction
def add_to_shortlist(session: Session, evaluation: Evaluation, vendor_ids: list[int]) -> int:
    _require_status(evaluation, Status.DRAFT, Status.SCORING, what="Changing the shortlist")
    present = {e.vendor_id for e in evaluation.shortlist}
    added = 0
    for vendor_id in vendor_ids:
        vendor = session.get(Vendor, vendor_id)
        if vendor is None or vendor.archived:
            raise WorkflowError("Choose vendors from the register (archived vendors cannot be "
                                "shortlisted).")
        if vendor_id not in present:
            if len(present) >= limits.MAX_SHORTLIST:
                raise WorkflowError(f"A shortlist has at most {limits.MAX_SHORTLIST} vendors; "
                                    "nothing was added.")
            evaluation.shortlist.append(ShortlistEntry(vendor=vendor))
            present.add(vendor_id)
            added += 1
    return added


@transaction
def remove_from_shortlist(session: Session, evaluation: Evaluation, vendor_id: int) -> None:
    _require_status(evaluation, Status.DRAFT, what="Removing a vendor from the shortlist")
    entry = next((e for e in evaluation.shortlist if e.vendor_id == vendor_id), None)
    if entry is None:
        raise WorkflowError("That vendor is not on the shortlist.")
    evaluation.shortlist.remove(entry)


@transaction
def add_member(session: Session, evaluation: Evaluation, email: str, role: str) -> Membership:
    require_undecided(evaluation)
    if role not in {r.value for r in MemberRole}:
        raise WorkflowError("Choose a role: lead, evaluator or observer.")
    user = user_service.find_by_email(session, email)
    if user is None:
        raise WorkflowError(f"No user with email {email.strip()}. An administrator can create "
                            "the account first.")
    if any(m.user_id == user.id for m in evaluation.members):
        raise WorkflowError(f"{user.email} is already a member.")
    if not user.active:
        raise WorkflowError(f"{user.email} is deactivated.")
    if role not in user_service.member_roles_allowed(user.role):
        raise WorkflowError(
            "Only procurement leads can lead an evaluation." if role == MemberRole.LEAD else
            f"{user.email} is a {Role(user.role).label.lower()} and can only observe; an "
            "administrator can change the account's role first.")
    if len(evaluation.members) >= limits.MAX_MEMBERS:
        raise WorkflowError(f"An evaluation has at most {limits.MAX_MEMBERS} members.")
    membership = Membership(user=user, role=role)
    evaluation.members.append(membership)
    return membership


@transaction
def remove_member(session: Session, evaluation: Evaluation, membership_id: int) -> None:
    require_undecided(evaluation)
    membership = next((m for m in evaluation.members if m.id == membership_id), None)
    if membership is None:
        raise WorkflowError("No such member.")
    leads = [m for m in evaluation.members if m.role == MemberRole.LEAD]
    if membership.role == MemberRole.LEAD and len(leads) == 1:
        raise WorkflowError("An evaluation needs at least one lead.")
    has_scores = session.scalar(select(Score.id).where(
        Score.evaluation_id == evaluation.id, Score.evaluator_id == membership.user_id).limit(1))
    if has_scores:
        raise WorkflowError("This member has already scored; their scores stay on record.")
    evaluation.members.remove(membership)


@transaction
def set_evidence_rule(session: Session, evaluation: Evaluation, rule: str) -> None:
    """Which scores must cite evidence (scoring/evidence.py). Settled before scoring opens,
    so every evaluator submits under the same rule."""
    _require_status(evaluation, Status.DRAFT, what="Changing the evidence rule")
    if rule not in {r.value for r in EvidenceRule}:
        raise WorkflowError("Choose an evidence rule: " + ", ".join(
            r.label for r in EvidenceRule) + ".")
    evaluation.evidence_rule = rule


# --- status flow -------------------------------------------------------------------------------

TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    # (from, to): membership roles allowed (admins always)
    (Status.DRAFT, Status.SCORING): (MemberRole.LEAD,),
    (Status.SCORING, Status.DRAFT): (MemberRole.LEAD,),
    (Status.SCORING, Status.REVIEW): (MemberRole.LEAD,),
    (Status.REVIEW, Status.SCORING): (MemberRole.LEAD,),
    (Status.REVIEW, Status.MODERATION): (MemberRole.LEAD,),  # open the moderation round
    (Status.MODERATION, Status.REVIEW): (MemberRole.LEAD,),  # close it
    # review -> decided happens by recording a decision (services/decisions.py); decided ->
    # review by reopening it (decisions.reopen)
}


def missing_for(evaluation: Evaluation, target: str, progress: dict[int, dict]) -> list[str]:
    """What still blocks moving to `target`; empty when the step can be taken. Closing scoring
    with evaluators missing is possible with allow_missing (change_status)."""
    missing = []
    if target == Status.SCORING:
        if len(evaluation.shortlist) < 2:
            missing.append("Shortlist at least two vendors.")
        if not any(m.role == MemberRole.EVALUATOR for m in evaluation.members):
            missing.append("Invite at least one evaluator.")
        weights = {c.key: c.weight for c in evaluation.criteria}
        if not weights:
            missing.append("Add at least one criterion.")
        elif sum(weights.values()) <= 0 or any(
            w < 0 or not math.isfinite(w) for w in weights.values()
        ):
            missing.append("Give the criteria valid weights (non-negative, not all zero).")
    elif target == Status.REVIEW:
        for m in evaluation.members:
            if m.role == MemberRole.EVALUATOR and m.submitted_at is None:
                p = progress.get(m.user_id, {})
                missing.append(
                    f"{m.user.display_name} has not submitted "
                    f"({p.get('submitted', 0) + p.get('draft', 0)} of "
                    f"{p.get('expected', 0)} scores entered)."
                )
    return missing


@transaction
def change_status(
    session: Session, evaluation: Evaluation, target: str, user: User,
    membership: Membership | None, progress: dict[int, dict], *, allow_missing: bool = False,
) -> None:
    """Take a status step. Closing scoring (scoring -> review) needs every evaluator's
    submission, or allow_missing: the lead closes anyway and the evaluators who had not
    submitted are recorded by name (Evaluation.closed_missing; the outputs show them)."""
    require_undecided(evaluation)
    allowed_roles = TRANSITIONS.get((evaluation.status, target))
    if allowed_roles is None:
        raise WorkflowError(f"An evaluation cannot go from {evaluation.status} to {target}.")
    if not user.is_admin and (membership is None or membership.role not in allowed_roles):
        raise WorkflowError("Only the evaluation's lead can take this step.")
    missing = missing_for(evaluation, target, progress)
    closing = evaluation.status == Status.SCORING and target == Status.REVIEW
    if missing and closing and allow_missing:
        evaluators = [m for m in evaluation.members if m.role == MemberRole.EVALUATOR]
        if not any(m.submitted_at for m in evaluators):
            raise WorkflowError("Not yet: no evaluator has submitted, so there is nothing to "
                                "close scoring on.")
        evaluation.closed_missing = [{"id": m.user_id, "name": m.user.display_name}
                                     for m in evaluators if m.submitted_at is None]
    elif missing:
        raise WorkflowError("Not yet: " + " ".join(missing))
    if target == Status.SCORING and evaluation.status == Status.REVIEW:
        # Reopening scoring lets the missing evaluators finish; submitted scores stay locked.
        evaluation.closed_missing = []
    evaluation.status = target


@transaction
def update_context(
    session: Session, evaluation: Evaluation, context: dict, weights: dict[str, float],
    expected_version: int,
) -> None:
    """Structured program context (relevance matching) and the facet weights."""
    require_undecided(evaluation)

    core.facet_weights(weights)  # raises InvalidWeights with a clear message
    for band in ("budget_band", "duration_band"):
        value = context.get(band)
        if value and (value[0] is None) != (value[1] is None):
            raise WorkflowError("Give both ends of a band, or neither.")
        if value and value[0] is not None and (value[0] < 0 or value[1] < 0):
            raise WorkflowError("Bands cannot be negative.")
    _touch(evaluation, expected_version)
    evaluation.context = context
    evaluation.relevance_weights = weights

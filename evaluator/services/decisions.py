"""The decision record: chosen vendor, rationale, dissent, frozen with a reproducible snapshot.

A decided evaluation is frozen (services/evaluations.require_undecided, access.refuse_if_decided).
Reopening is an explicit, audited lead action with a reason: the decision is revoked (kept in
history with who revoked it, when and why) and the evaluation returns to review.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..infra import webhooks
from ..models import Decision, Evaluation, MemberRole, Membership, Status, User
from . import conflicts as conflict_service
from .errors import WorkflowError
from .ranking import DEFAULT_SAMPLING, Sampling, ranking_for
from .uow import unit_of_work


def snapshot_of(evaluation: Evaluation, scores, ranking: dict[str, Any]) -> dict[str, Any]:
    """Everything the decision rests on, in a canonical, id-stable form."""
    criterion_key = {c.id: c.key for c in evaluation.criteria}
    return {
        "evaluation": {"id": evaluation.id, "title": evaluation.title},
        "scale": {"min": evaluation.scale_min, "max": evaluation.scale_max},
        "criteria": [
            {"key": c.key, "name": c.name, "weight": c.weight,
             "knockout_below": c.knockout_below}
            for c in evaluation.criteria
        ],
        "lenses": sorted(
            ({"name": lens.name, "weights": dict(sorted(lens.weights.items()))}
             for lens in evaluation.lenses), key=lambda x: x["name"]),
        "scores": sorted(
            (
                {"evaluator_id": s.evaluator_id, "vendor_id": s.vendor_id,
                 "criterion": criterion_key[s.criterion_id], "value": s.value,
                 "insufficient_evidence": s.insufficient_evidence,
                 "moderated_value": s.moderated_value,
                 "moderation_reason": s.moderation_reason or "",
                 "moderated_by_id": s.moderated_by_id}
                for s in scores if s.submitted and s.criterion_id in criterion_key
            ),
            key=lambda x: (x["evaluator_id"], x["vendor_id"], x["criterion"]),
        ),
        "conflicts": sorted(
            ({"user_id": c.user_id, "vendor_id": c.vendor_id,
              "after_submission": bool(c.after_submission), "resolution": c.resolution}
             for c in evaluation.conflicts), key=lambda x: (x["user_id"], x["vendor_id"])),
        "ranking": ranking,
    }


def inputs_unchanged(frozen: dict[str, Any], now: dict[str, Any]) -> bool:
    """The criteria, weights, lenses and submitted scores are those the decision froze.

    When they are and the digests still differ, only the computed ranking moved: the analysis
    method changed since (e.g. p_rank1 began to resample the evaluators), not the evidence.
    """
    # Compared on what the frozen snapshot recorded: fields added to snapshots later (conflicts,
    # the moderated value of each score) are not evidence that changed.
    keys = set(frozen) - {"ranking"}
    if keys - set(now):
        return False
    fields = {k for row in frozen.get("scores", []) for k in row}
    current = {k: now[k] for k in keys}
    if "scores" in current:
        current["scores"] = [{k: v for k, v in row.items() if k in fields}
                             for row in current["scores"]]
    return {k: frozen[k] for k in keys} == current


def _id_stable(ranking: dict[str, Any]) -> dict[str, Any]:
    """The ranking with people named by id only (a renamed user must not change a digest)."""
    ranking = dict(ranking)
    ranking["leniency"] = [
        {k: v for k, v in item.items() if k != "evaluator_id"} | {"evaluator": item["evaluator_id"]}
        for item in ranking["leniency"]
    ]
    process = dict(ranking["process"])
    process["missing_evaluators"] = [m["id"] for m in process["missing_evaluators"]]
    process["closed_with_missing"] = [m["id"] for m in process["closed_with_missing"]]
    process["qualifier"] = process["status"] = None  # review then, decided at verify time
    ranking["process"] = process
    if ranking.get("moderation"):
        moderation = dict(ranking["moderation"])
        moderation["changes"] = [
            {k: v for k, v in c.items() if k not in ("evaluator", "by", "vendor",
                                                      "criterion_name")}
            for c in moderation["changes"]]
        moderation["ranking_before"] = [{k: v for k, v in r.items() if k != "name"}
                                        for r in moderation["ranking_before"]]
        ranking["moderation"] = moderation
    return ranking


def digest(snapshot: dict[str, Any]) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_snapshot(session: Session, evaluation: Evaluation,
                     sampling: Sampling = DEFAULT_SAMPLING) -> dict[str, Any]:
    """The snapshot a decision taken now would freeze.

    Id-stable: leniency items name the evaluator by id only (a renamed user must not change a
    decision's digest), and the outcome model is left out (retraining must not either)."""
    ranked = ranking_for(session, evaluation, sampling=sampling, with_model=False)
    return snapshot_of(evaluation, ranked.scores, _id_stable(ranked.ranking))


def record_decision(
    session: Session, evaluation: Evaluation, user: User, membership: Membership | None,
    *, vendor_id: int, rationale: str, dissent: str, sampling: Sampling = DEFAULT_SAMPLING,
) -> Decision:
    if evaluation.status == Status.MODERATION:
        raise WorkflowError("The moderation round is open: close it first, so the decision "
                            "rests on settled scores.")
    if evaluation.status != Status.REVIEW:
        raise WorkflowError("A decision can be recorded only when the evaluation is in review.")
    flagged = conflict_service.pending(evaluation)
    if flagged:
        raise WorkflowError("Decide first on the conflicts of interest declared after "
                            "submission: " + "; ".join(
                                f"{c.user.display_name} with {c.vendor.name}" for c in flagged)
                            + ".")
    if not user.is_admin and (
        membership is None or membership.role not in (MemberRole.LEAD, MemberRole.OBSERVER)
    ):
        raise WorkflowError("Only the lead or a steering observer can record the decision.")
    if vendor_id not in {e.vendor_id for e in evaluation.shortlist}:
        raise WorkflowError("Choose a vendor from the shortlist.")
    if len((rationale or "").strip()) < 20:
        raise WorkflowError("Give the rationale for the decision (at least 20 characters).")
    snapshot = current_snapshot(session, evaluation, sampling)
    with unit_of_work(session):
        decision = Decision(
            vendor_id=vendor_id, rationale=rationale.strip(), dissent=(dissent or "").strip(),
            decided_by=user, snapshot=snapshot, snapshot_sha256=digest(snapshot),
        )
        evaluation.decisions.append(decision)
        evaluation.status = Status.DECIDED.value
    webhooks.decision_recorded(session, evaluation, decision)  # after the commit, never before
    return decision


def reopen(session: Session, evaluation: Evaluation, user: User,
           membership: Membership | None, reason: str) -> Decision:
    """Revoke the decision in force and return the evaluation to review; the decision stays in
    history (revoked_at, revoked_by, revoke_reason), and the audit trail records the step."""
    if not user.is_admin and (membership is None or membership.role != MemberRole.LEAD):
        raise WorkflowError("Only the evaluation's lead can reopen a decided evaluation.")
    decision = evaluation.decision
    if evaluation.status != Status.DECIDED or decision is None:
        raise WorkflowError("Only a decided evaluation can be reopened.")
    reason = (reason or "").strip()
    if len(reason) < 20:
        raise WorkflowError("Give the reason for reopening (at least 20 characters): it is kept "
                            "with the revoked decision.")
    if len(reason) > 5000:
        raise WorkflowError("A reason can be at most 5,000 characters.")
    with unit_of_work(session):
        decision.revoked_at = datetime.now(UTC)
        decision.revoked_by_id = user.id
        decision.revoke_reason = reason
        evaluation.status = Status.REVIEW.value
    return decision


def verify(session: Session, evaluation: Evaluation,
           sampling: Sampling = DEFAULT_SAMPLING) -> dict[str, Any]:
    """Re-run the analysis now and compare it with the frozen snapshot."""
    decision = evaluation.decision
    if decision is None:
        raise WorkflowError("No decision has been recorded.")
    stored_ok = digest(decision.snapshot) == decision.snapshot_sha256
    now = current_snapshot(session, evaluation, sampling)
    now_digest = digest(now)
    return {
        "stored_sha256": decision.snapshot_sha256,
        "snapshot_intact": stored_ok,
        "rerun_sha256": now_digest,
        "reproduced": now_digest == decision.snapshot_sha256,
        "inputs_unchanged": inputs_unchanged(decision.snapshot, now),
        "winner_then": decision.snapshot.get("ranking", {}).get("winner"),
        "winner_now": now["ranking"].get("winner"),
    }

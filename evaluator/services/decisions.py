"""The decision record: chosen vendor, rationale, dissent, frozen with a reproducible snapshot."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from ..infra import webhooks
from ..models import Decision, Evaluation, MemberRole, Membership, Status, User
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
                 "insufficient_evidence": s.insufficient_evidence}
                for s in scores if s.submitted and s.criterion_id in criterion_key
            ),
            key=lambda x: (x["evaluator_id"], x["vendor_id"], x["criterion"]),
        ),
        "ranking": ranking,
    }


def inputs_unchanged(frozen: dict[str, Any], now: dict[str, Any]) -> bool:
    """The criteria, weights, lenses and submitted scores are those the decision froze.

    When they are and the digests still differ, only the computed ranking moved: the analysis
    method changed since (e.g. p_rank1 began to resample the evaluators), not the evidence.
    """
    return ({k: v for k, v in frozen.items() if k != "ranking"}
            == {k: v for k, v in now.items() if k != "ranking"})


def digest(snapshot: dict[str, Any]) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_snapshot(session: Session, evaluation: Evaluation,
                     sampling: Sampling = DEFAULT_SAMPLING) -> dict[str, Any]:
    """The snapshot a decision taken now would freeze.

    Id-stable: leniency items name the evaluator by id only (a renamed user must not change a
    decision's digest), and the outcome model is left out (retraining must not either)."""
    ranked = ranking_for(session, evaluation, sampling=sampling, with_model=False)
    ranking = dict(ranked.ranking)
    ranking["leniency"] = [
        {k: v for k, v in item.items() if k != "evaluator_id"} | {"evaluator": item["evaluator_id"]}
        for item in ranking["leniency"]
    ]
    return snapshot_of(evaluation, ranked.scores, ranking)


def record_decision(
    session: Session, evaluation: Evaluation, user: User, membership: Membership | None,
    *, vendor_id: int, rationale: str, dissent: str, sampling: Sampling = DEFAULT_SAMPLING,
) -> Decision:
    if evaluation.status != Status.REVIEW:
        raise WorkflowError("A decision can be recorded only when the evaluation is in review.")
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
        evaluation.decision = decision
        evaluation.status = Status.DECIDED.value
    webhooks.decision_recorded(session, evaluation, decision)  # after the commit, never before
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

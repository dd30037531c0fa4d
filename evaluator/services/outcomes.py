"""Past program outcomes and the outcome model: record, train, activate, predict (the CSV
import of past programs is services/outcome_import.py).

The modelling itself is pure (evaluator.scoring.outcome); this module loads rows, calls it,
persists every trained version as data (never a pickle) and owns the commits. The model is
advisory: predictions are shown beside the committee's weighted score, never instead of it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from .. import catalog, scoring
from ..models import (
    Decision,
    Evaluation,
    EvaluationCriterion,
    OutcomeModel,
    PastProgram,
    Status,
    User,
)
from ..scoring import outcome as core
from ..scoring.predictions import predict_shortlist
from . import analysis as analysis_service
from . import relevance as relevance_service
from .errors import OutcomeError
from .evaluations import visible_to
from .paging import Page, fetch_page
from .uow import transaction

log = logging.getLogger(__name__)

# --- listing and recording --------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramFilter:
    q: str = ""
    outcome: str = ""  # "", "success", "failure"
    source: str = ""  # "", "recorded", "imported", "demo"


def list_programs(session: Session, flt: ProgramFilter, page: int = 1,
                  per_page: int = 50) -> Page:
    stmt = select(PastProgram)
    if flt.q:
        like = "%" + flt.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(PastProgram.vendor_name).like(like, escape="\\"),
                              func.lower(PastProgram.program).like(like, escape="\\")))
    if flt.outcome in ("success", "failure"):
        stmt = stmt.where(PastProgram.success.is_(flt.outcome == "success"))
    if flt.source == "demo":
        stmt = stmt.where(PastProgram.is_demo.is_(True))
    elif flt.source == "recorded":
        stmt = stmt.where(PastProgram.evaluation_id.is_not(None))
    elif flt.source == "imported":
        stmt = stmt.where(PastProgram.is_demo.is_(False), PastProgram.evaluation_id.is_(None))
    return fetch_page(session, stmt, order=(PastProgram.year.desc(), PastProgram.vendor_name,
                                            PastProgram.id), page=page, per_page=per_page)


def outcome_for(session: Session, evaluation_id: int) -> PastProgram | None:
    return session.scalar(select(PastProgram).where(PastProgram.evaluation_id == evaluation_id))


def decided_evaluations_for(session: Session, user: User, limit: int = 50
                            ) -> list[tuple[Evaluation, PastProgram | None]]:
    """Decided evaluations the user may see (member, or admin), with their outcome if recorded."""
    stmt = visible_to(select(Evaluation).where(Evaluation.status == Status.DECIDED.value), user)
    evaluations = list(session.scalars(
        stmt.options(selectinload(Evaluation.decision).selectinload(Decision.vendor))
        .order_by(Evaluation.id.desc()).limit(limit)))
    recorded = {p.evaluation_id: p for p in session.scalars(select(PastProgram).where(
        PastProgram.evaluation_id.in_([e.id for e in evaluations])))}
    return [(e, recorded.get(e.id)) for e in evaluations]


def award_features(session: Session, evaluation: Evaluation, vendor_id: int) -> dict[str, float]:
    """The chosen vendor's criterion means at award time (from the decision's frozen snapshot)."""
    snapshot = (evaluation.decision.snapshot or {}) if evaluation.decision else {}
    for vendor in (snapshot.get("ranking") or {}).get("vendors", []):
        if vendor.get("id") == vendor_id:
            return {k: float(v) for k, v in (vendor.get("criterion_means") or {}).items()
                    if v is not None}
    scores = analysis_service.submitted_scores(session, evaluation.id)
    result = analysis_service.analyse(analysis_service.build_inputs(evaluation, scores))
    for item in result.ranking.results:
        if item.vendor == vendor_id:
            return {k: float(v) for k, v in item.criterion_means.items() if v is not None}
    return {}


@transaction
def record_outcome(session: Session, evaluation: Evaluation, *, success: bool,
                   on_time: bool | None, on_budget: bool | None, notes: str) -> PastProgram:
    """Record (or correct) how a decided evaluation's program turned out."""
    if evaluation.status != Status.DECIDED.value or evaluation.decision is None:
        raise OutcomeError("An outcome can be recorded only once the evaluation is decided.")
    decision = evaluation.decision
    program = outcome_for(session, evaluation.id)
    if program is None:
        title = evaluation.title[:200]
        clash = session.scalar(select(PastProgram.id).where(
            func.lower(PastProgram.vendor_name) == decision.vendor.name.lower(),
            func.lower(PastProgram.program) == title.lower()))
        if clash is not None:
            raise OutcomeError(f"A past program '{title}' by {decision.vendor.name} is already "
                               "recorded (imported). Edit that record instead.")
        program = PastProgram(
            vendor_name=decision.vendor.name, vendor_id=decision.vendor_id, program=title,
            year=decision.decided_at.year if decision.decided_at else None,
            evaluation_id=evaluation.id, is_demo=evaluation.is_demo,
            features=award_features(session, evaluation, decision.vendor_id),
        )
        session.add(program)
    program.success, program.on_time, program.on_budget = success, on_time, on_budget
    program.notes = (notes or "").strip()
    return program


# --- training and model versions --------------------------------------------------------------


def criterion_labels(session: Session) -> dict[str, str]:
    labels = {c["key"]: c["name"] for c in catalog.CRITERIA}
    for key, name in session.execute(select(EvaluationCriterion.key, EvaluationCriterion.name)
                                     .distinct()):
        labels.setdefault(key, name)
    return labels


def training_programs(session: Session) -> tuple[list[PastProgram], bool]:
    """Real programs when there are any, else the demo set: the two are never mixed."""
    real = list(session.scalars(select(PastProgram).where(PastProgram.is_demo.is_(False))
                                .order_by(PastProgram.id)))
    if real:
        return real, False
    return list(session.scalars(select(PastProgram).order_by(PastProgram.id))), True


@transaction
def train_model(
    session: Session, *, user: User | None = None, n_repeats: int | None = None, seed: int = 0,
    bootstrap: int | None = None, effect_bootstrap: int | None = None, activate: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> OutcomeModel:
    """Validate and fit a new model version on the past programs; keep it, activate it.

    Raises scoring.outcome.OutcomeModelError (InsufficientData says what is missing).
    """
    programs, demo = training_programs(session)
    labels = criterion_labels(session)
    rows = [{k: v for k, v in (p.features or {}).items()
             if isinstance(v, int | float) and not isinstance(v, bool)} for p in programs]
    selection = core.select_features(rows, preferred=[c["key"] for c in catalog.CRITERIA])
    X = core.feature_matrix(rows, selection.features)
    y = [int(p.success) for p in programs]
    groups = [p.vendor_name.casefold() for p in programs]
    try:
        trained = core.train(X, np.asarray(y), groups, selection.features, n_repeats=n_repeats,
                             seed=seed, bootstrap=bootstrap, effect_bootstrap=effect_bootstrap,
                             progress=progress)
    except core.InsufficientData as exc:
        if not demo and session.scalar(select(PastProgram.id).where(PastProgram.is_demo)):
            raise core.InsufficientData(f"{exc} (Demo programs are not counted once real "
                                        "programs are recorded.)") from exc
        raise
    years = [p.year for p in programs if p.year]
    metrics = trained.metrics | {"data": {
        "demo": demo, "dropped_features": selection.dropped,
        "criterion_features": [f for f in selection.features if f in labels],
        "years": [min(years), max(years)] if years else None,
        "evaluation_ids": sorted({p.evaluation_id for p in programs if p.evaluation_id}),
    }}
    version = (session.scalar(select(func.max(OutcomeModel.version))) or 0) + 1
    model = OutcomeModel(
        version=version, trained_by_id=user.id if user else None, n_programs=len(programs),
        features=list(selection.features), params=trained.params.to_dict(), metrics=metrics,
        coefficients=trained.effects, is_active=False,
    )
    session.add(model)
    session.flush()
    if activate:
        _activate(session, model)
    return model


def _activate(session: Session, model: OutcomeModel) -> None:
    for other in session.scalars(select(OutcomeModel).where(OutcomeModel.is_active.is_(True),
                                                            OutcomeModel.id != model.id)):
        other.is_active = False
    session.flush()
    model.is_active = True


@transaction
def activate_model(session: Session, model_id: int) -> OutcomeModel:
    model = session.get(OutcomeModel, model_id)
    if model is None:
        raise OutcomeError("No such model version.")
    _activate(session, model)
    return model


def active_model(session: Session) -> OutcomeModel | None:
    return session.scalar(select(OutcomeModel).where(OutcomeModel.is_active.is_(True))
                          .order_by(OutcomeModel.version.desc()).limit(1))


def list_models(session: Session) -> list[OutcomeModel]:
    return list(session.scalars(select(OutcomeModel).options(selectinload(OutcomeModel.trained_by))
                                .order_by(OutcomeModel.version.desc())))


def withheld_reason(model: OutcomeModel) -> str | None:
    """Why this model's predictions are withheld (plain words), or None when they are shown.

    A model validated under older rules (before validation_version 2: no vendor-evidence
    thresholds, repeated identical partitions, a calibration that could reverse the order) is
    withheld until it is retrained.
    """
    m = model.metrics or {}
    if m.get("validation_version") != core.VALIDATION_VERSION:
        return ("trained under older validation rules that could claim skill without evidence; "
                "retrain it (flask train-model or Train a new version)")
    if m.get("skill") == "none":
        return "no demonstrated skill: " + (m.get("withheld_reason") or "see the model page")
    return None


def describe_effects(model: OutcomeModel, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Each feature's effect in plain words, strongest first; none while predictions are
    withheld (a model without demonstrated skill has learned nothing worth showing)."""
    if withheld_reason(model) is not None:
        return []
    out = []
    for item in model.coefficients or []:
        name = labels.get(item["feature"], item["feature"])
        ci = item.get("ci95")
        clear = ci is not None and not (ci[0] <= 0 <= ci[1])
        if not clear:
            words = (f"{name}: no clear direction (the 95 % interval of its effect includes "
                     "no effect).")
        else:
            more = item["effect"] > 0
            words = (f"Higher {name} went with {'more' if more else 'less'} success: one "
                     f"standard deviation ({item['sd']:.2g}) higher multiplies the odds by "
                     f"{item['odds_ratio']:.2f} (95 % interval {math.exp(ci[0]):.2f} to "
                     f"{math.exp(ci[1]):.2f}).")
        out.append(item | {"label": name, "words": words, "clear": clear,
                           "ci95_or": [math.exp(ci[0]), math.exp(ci[1])] if ci else None})
    return sorted(out, key=lambda e: -abs(e["effect"]))


def limits_text(model: OutcomeModel) -> str:
    m = model.metrics
    auc = m["auc"]
    ci = auc.get("ci95") or [None, None]
    evidence = m.get("evidence") or {}
    vendors = (f"{m['n_vendors']} vendors (effective number {evidence['effective_vendors']:.1f}"
               f", the largest holding {evidence['largest_vendor_share']:.0%})"
               if evidence else f"{m['n_vendors']} vendors")
    parts = [
        f"Advisory only, shown beside the committee's weighted score. Trained on {m['n']} past "
        f"programs from {vendors} ({m['n_success']} successes).",
        (f"Small data: the cross-validated AUC of {auc['mean']:.2f} could be anywhere from "
         f"{ci[0]:.2f} to {ci[1]:.2f}." if ci[0] is not None and auc["mean"] is not None else
         "Small data: the AUC's uncertainty could not be estimated."),
        "It learns associations in past programs, not causes, and knows only the recorded "
        "pre-award features; it cannot see what is specific to this program.",
    ]
    if m.get("data", {}).get("demo"):
        parts.append("Trained on generated demo data: its figures say nothing about real "
                     "vendors.")
    reason = withheld_reason(model)
    if reason:
        parts.append(f"Predictions withheld: {reason}.")
    return " ".join(parts)


def model_card(model: OutcomeModel, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """The version's card as one JSON object (`flask train-model --json`, docs/outcome-model.md).

    effects is empty when the skill is "none" (or the model is withheld); calibration gives
    in_the_large_points (mean prediction minus observed success rate, percentage points;
    positive = predicts more success than happened) and the calibration slope (1 ideal).
    """
    m = model.metrics
    evidence = m.get("evidence") or {}
    calibration = m.get("calibration") or {}
    return {
        "version": model.version, "n": m["n"], "vendors": m["n_vendors"],
        "effective_vendors": evidence.get("effective_vendors"),
        "largest_vendor_share": evidence.get("largest_vendor_share"),
        "skill": m["skill"], "skill_text": m["skill_text"],
        "withheld_reason": withheld_reason(model),
        "auc": {"mean": m["auc"]["mean"], "ci95": m["auc"]["ci95"]},
        "brier_skill": {"mean": m["brier_skill"]["mean"], "ci95": m["brier_skill"]["ci95"]},
        "calibration": {
            "in_the_large_points": (calibration.get("in_the_large_points") or {}).get("mean"),
            "slope": (calibration.get("slope") or {}).get("mean"),
        },
        "splits": m.get("splits"),
        "effects": [{"feature": e["feature"], "label": e["label"], "effect": e["effect"],
                     "odds_ratio": e["odds_ratio"], "ci95": e["ci95"], "clear": e["clear"]}
                    for e in describe_effects(model, labels or {})],
        "active": model.is_active,
    }


# --- predictions for a ranking ----------------------------------------------------------------


def _summary(model: OutcomeModel, evaluation: Evaluation) -> dict[str, Any]:
    m = model.metrics
    evidence = m.get("evidence") or {}
    splits = m.get("splits") or {}
    return {
        "id": model.id, "version": model.version,
        "trained_at": model.trained_at.isoformat() if model.trained_at else None,
        "n": model.n_programs, "n_success": m["n_success"], "n_vendors": m["n_vendors"],
        "effective_vendors": evidence.get("effective_vendors"),
        "largest_vendor_share": evidence.get("largest_vendor_share"),
        "fold_sizes": splits.get("fold_sizes"), "unscorable_folds": splits.get("unscorable_folds"),
        "validation_method": splits.get("method"),
        "features": list(model.features), "demo_data": bool(m.get("data", {}).get("demo")),
        "cv_auc": m["auc"]["mean"], "cv_auc_ci95": m["auc"]["ci95"], "auc_baseline": 0.5,
        "brier": m["brier"]["mean"], "brier_baseline": m["brier_baseline"]["mean"],
        "brier_skill": m["brier_skill"]["mean"], "brier_skill_ci95": m["brier_skill"]["ci95"],
        "calibration_slope": m["calibration"]["slope"]["mean"],
        "calibration_in_the_large_points": (
            m["calibration"].get("in_the_large_points") or {}).get("mean"),
        "skill": m["skill"], "skill_text": m["skill_text"],
        "advisory": True, "limits": limits_text(model),
        "in_training": evaluation.id in m.get("data", {}).get("evaluation_ids", []),
    }


#: Pre-award features the app fills from the dossier at prediction time (docs/formats.md).
DOSSIER_FEATURES = ("relevant_case_studies", "relevant_on_time_share", "mean_relevance")


def features_from_evidence(evidence: dict) -> dict[int, dict[str, float]]:
    """Relevant-evidence features per vendor from services/relevance.py's VendorEvidence:
    how many case studies match our program context, their on-time share, mean relevance."""
    out: dict[int, dict[str, float]] = {}
    for vendor_id, item in evidence.items():
        summary = item.summary
        features = {"relevant_case_studies": float(summary.n_relevant)}
        if summary.relevant_on_time_share is not None:
            features["relevant_on_time_share"] = summary.relevant_on_time_share
        if summary.mean_relevance is not None:
            features["mean_relevance"] = summary.mean_relevance
        out[vendor_id] = features
    return out


def dossier_features(session: Session, evaluation: Evaluation) -> dict[int, dict[str, float]]:
    """features_from_evidence for an evaluation whose evidence the caller has not loaded."""
    return features_from_evidence(relevance_service.for_evaluation(session, evaluation))


def model_for_ranking(
    session: Session, evaluation: Evaluation, analysis: scoring.Analysis,
    *, extra_features: dict[int, dict[str, float]] | None = None,
) -> tuple[dict[str, Any] | None, dict[int, float]]:
    """The active outcome model's summary and its predictions for this evaluation's shortlist.

    Returns (None, {}) when no model is active (or the stored one cannot be read). Otherwise:

    * summary: JSON-ready dict with id, version, trained_at (ISO 8601), n, n_success, n_vendors,
      features, demo_data, cv_auc (mean over folds), cv_auc_ci95 [lo, hi], auc_baseline (0.5),
      brier, brier_baseline (always predicting the base rate), brier_skill (+ brier_skill_ci95),
      calibration_slope, calibration_in_the_large_points, effective_vendors,
      largest_vendor_share, fold_sizes, unscorable_folds, validation_method,
      skill ("none" | "weak" | "moderate" | "good"), skill_text, advisory (always True), limits
      (plain text), in_training (this evaluation's own outcome was in the training data),
      predictions_withheld, withheld_reason (plain words, or null when predictions are shown:
      "no demonstrated skill: ..." or older validation rules), notes (list of text: where the
      model and the committee disagree),
      and vendors: one entry per vendor of `analysis.ranking.results`, in that order:
      {id, committee_rank, predicted_success (0-1 or null), model_rank, reason (why null, or
      null), base_log_odds, contributions [{feature, value, imputed, contribution}] (log-odds,
      summing with base_log_odds to the prediction's log-odds), disagrees}.
    * predictions: {vendor_id: probability of success 0-1}, only for vendors with a prediction;
      services/ranking.py puts them into the ranking object.

    Inputs: criterion-key features take the vendor's current criterion means from
    `analysis.ranking.results`; other features come from `extra_features[vendor_id]` (by default
    the relevant-evidence features of `dossier_features`), else take the training median
    (flagged `imputed`). A vendor gets no prediction when a
    criterion feature of this evaluation has no mean for it, or when imputed features carry
    more than half of the model's total effect. When the model shows no skill in validation (or
    was validated under older rules), every prediction is withheld (predictions_withheld true,
    withheld_reason says why, predictions empty).
    """
    model = active_model(session)
    if model is None:
        return None, {}
    try:
        params = core.ModelParams.from_dict(model.params)
    except core.OutcomeModelError:
        log.exception("outcome model %s cannot be read; ignoring it", model.id)
        return None, {}
    if extra_features is None:
        extra_features = dossier_features(session, evaluation)
    summary = _summary(model, evaluation)
    reason = withheld_reason(model)
    names = {entry.vendor_id: entry.vendor.name for entry in evaluation.shortlist}
    shortlist = predict_shortlist(
        params, analysis.ranking.results, criterion_keys={c.key for c in evaluation.criteria},
        extra_features=extra_features, names=names, withheld_reason=reason)
    summary |= {"predictions_withheld": reason is not None, "withheld_reason": reason,
                "notes": shortlist.notes, "vendors": [v.__dict__ for v in shortlist.vendors]}
    return summary, shortlist.predictions

"""The ranking of an evaluation: one use case for every reader.

Loading the scores the reader may see, the core analysis, the relevant evidence, the outcome
model's predictions and the labels of the documented ranking object happen here and nowhere
else: the comparison page, the ranking JSON route, the API, `flask ranking`, the decision
snapshot and the memo all call `ranking_for`, so they give the same object for the same
evaluation and lens.

Evaluators are labelled by display name (the user's name, else the e-mail address) everywhere;
each leniency item also carries the evaluator's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .. import scoring
from ..models import Evaluation, MemberRole, Membership, Score, User
from ..scoring.report import process_status, ranking_object
from . import analysis as analysis_service
from . import evaluations as evaluation_service
from . import moderation as moderation_service
from . import outcomes as outcome_service
from . import relevance as relevance_service
from . import scoring_entry
from .analysis import DEFAULT_SAMPLING, Sampling
from .errors import EvaluationNotFound


@dataclass(frozen=True)
class RankedEvaluation:
    """What a ranking rests on and the ranking object built from it.

    scores: the rows the reader may see (all submitted rows for the system view); inputs: the
    core's inputs built from them; evidence: relevant evidence per vendor id (empty when the
    model was not asked for); ranking: the documented ranking object (docs/formats.md).
    """

    evaluation: Evaluation
    scores: list[Score]
    inputs: analysis_service.Inputs
    analysis: scoring.Analysis
    evidence: dict[int, Any]
    ranking: dict[str, Any]


def evaluator_labels(evaluation: Evaluation) -> dict[int, str]:
    """The one labelling rule: an evaluator's display name (name, else e-mail)."""
    return {m.user_id: m.user.display_name for m in evaluation.members}


def process_of(evaluation: Evaluation) -> dict[str, Any]:
    """Whether the evaluation's ranking is final, and who has submitted (scoring/report.py)."""
    evaluators = [m for m in evaluation.members if m.role == MemberRole.EVALUATOR]
    return process_status(
        status=evaluation.status,
        evaluators=[(m.user_id, m.user.display_name) for m in evaluators],
        submitted=[m.user_id for m in evaluators if m.submitted_at is not None],
        closed_missing=evaluation.closed_missing or ())


def ranking_for(
    session: Session, evaluation: Evaluation | int, *, reader: User | None = None,
    membership: Membership | None = None, lens: str | None = None,
    sampling: Sampling = DEFAULT_SAMPLING, with_model: bool = True,
) -> RankedEvaluation:
    """Rank an evaluation's submitted scores as `reader` may see them.

    The ranking object says whether the result is final ("final", "process": submitted and
    expected evaluators, who is missing) and carries the moderation round's summary.

    reader None is the system view (CLI, memo, decision snapshot): every submitted score. With a
    reader, the blind rule of services/scoring_entry.py decides which rows are loaded.
    with_model False leaves out the outcome model and relevant evidence (the decision snapshot
    must not change when a model is retrained). Raises EvaluationNotFound, or
    scoring.ScoringError (InvalidLens for an unknown lens).
    """
    if not isinstance(evaluation, Evaluation):
        loaded = evaluation_service.load_detail(session, evaluation)
        if loaded is None:
            raise EvaluationNotFound(evaluation)
        evaluation = loaded
    if reader is None:
        scores = analysis_service.submitted_scores(session, evaluation.id)
    else:
        scores = scoring_entry.visible_scores(session, evaluation, reader, membership)
    inputs = analysis_service.build_inputs(evaluation, scores)
    result = analysis_service.analyse(inputs, lens=lens, sampling=sampling)
    evidence: dict[int, Any] = {}
    model, predictions = None, None
    if with_model:
        evidence = relevance_service.for_evaluation(session, evaluation)
        model, predictions = outcome_service.model_for_ranking(
            session, evaluation, result,
            extra_features=outcome_service.features_from_evidence(evidence))
    labels = evaluator_labels(evaluation)
    ranking = ranking_object(
        result, evaluation_id=evaluation.id, title=evaluation.title,
        vendor_names={e.vendor_id: e.vendor.name for e in evaluation.shortlist},
        evaluator_labels=labels, model=model, predictions=predictions,
        process=process_of(evaluation),
        moderation=moderation_service.summary(evaluation, scores, result, labels))
    return RankedEvaluation(evaluation, scores, inputs, result, evidence, ranking)

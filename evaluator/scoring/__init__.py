"""Pure scoring core of Evaluator: no Flask, no SQLAlchemy, no I/O.

The service layer turns database rows into the frozen dataclasses below, calls the core and
persists or renders what comes back. Every formula is explained to users in docs/scoring.md.
Units: scores 0-100, weight shares 0-1 (summing to 1), means and leniency in scale points,
probabilities and alpha as plain fractions.

Public API (all re-exported here):

Inputs (domain)
    Scale(min=1, max=5), Criterion(key, name, weight, knockout_below=None),
    ScoreValue(evaluator, vendor, criterion, value), Lens(name, weights)
Errors (errors)
    ScoringError(ValueError) and its subclasses InvalidScale, InvalidCriteria, InvalidWeights,
    InvalidScore, InvalidJudgements, InconsistentJudgements, InvalidLens, InvalidSampling,
    InvalidDeliveryFigure
Weights (weights)
    normalise_weights(mapping) -> dict[key, share]
    rank_order_centroid(ordered_keys) -> dict[key, share]
    ahp_weights(keys, matrix) -> AhpResult(weights, consistency_ratio, lambda_max)
Scores and ranks (matrix, ranking)
    build_score_matrix(scale, criteria, vendors, scores) -> ScoreMatrix
    rank_vendors(scale, criteria, vendors, scores, weights=None) -> Ranking
    rank_matrix(matrix, shares) -> Ranking;  share_vector(criteria, weights=None) -> ndarray
    Ranking(scale, weights, results: tuple[VendorResult]), VendorResult(vendor, score, rank,
    knocked_out, knockouts, incomplete, gaps, criterion_means, spread), Spread(n, std, min, max)
Lenses (lenses)
    rank_lens(matrix, lens) -> Ranking;  rank_lenses(matrix, lenses) -> dict[name, Ranking]
    consensus(rankings_by_lens) -> Consensus(entries, winners_by_lens, lenses_disagree)
Agreement (agreement)
    agreement(matrix) -> Agreement(by_criterion, overall);  interval_alpha(data) -> AlphaResult
    leniency(matrix) -> dict[evaluator, Leniency(evaluator, mean_deviation, n)]
Robustness (robustness)
    robustness(matrix, ranking, *, samples, concentration, seed) -> Robustness(samples,
    concentration, seed, eligible, p_rank1, acceptability)
    flip_weights(matrix, ranking) -> dict[key, FlipWeight(criterion, current, flip, takeover,
    direction)]
Everything at once (analysis)
    analyse(scale, criteria, vendors, scores, *, lenses=(), lens=None, samples=10_000,
    concentration=100.0, seed=0) -> Analysis;  Analysis.to_dict() -> plain JSON-ready dict
Evidence text and delivery (text, delivery)
    label_sentences(text) -> list[Sentence(text, start, end, labels, cues, success_claim)]
    split_sentences(text) -> list[(start, end)];  candour_summary(texts) -> Candour
    schedule_slip_pct(planned, actual), budget_overrun_pct(planned, actual) -> float | None
    delivery_realism(case_studies) -> Realism(median_slip_pct, median_overrun_pct,
    on_time_share, n, n_schedule, n_budget)
"""

from .agreement import (
    ALPHA_FLAG_BELOW,
    Agreement,
    AlphaResult,
    Leniency,
    agreement,
    interval_alpha,
    leniency,
)
from .analysis import BASE_PROFILE, Analysis, analyse
from .delivery import Realism, budget_overrun_pct, delivery_realism, schedule_slip_pct
from .domain import Criterion, Lens, Scale, ScoreValue
from .errors import (
    InconsistentJudgements,
    InvalidCriteria,
    InvalidDeliveryFigure,
    InvalidJudgements,
    InvalidLens,
    InvalidSampling,
    InvalidScale,
    InvalidScore,
    InvalidWeights,
    ScoringError,
)
from .lenses import Consensus, ConsensusEntry, consensus, rank_lens, rank_lenses
from .matrix import ScoreMatrix, build_score_matrix
from .ranking import (
    TIE_TOLERANCE,
    Ranking,
    Spread,
    VendorResult,
    rank_matrix,
    rank_vendors,
    share_vector,
)
from .robustness import (
    DEFAULT_CONCENTRATION,
    DEFAULT_SAMPLES,
    FlipWeight,
    Robustness,
    flip_weights,
    robustness,
)
from .text import (
    LABELS,
    LEXICON,
    Candour,
    Cue,
    Sentence,
    candour_summary,
    label_sentences,
    split_sentences,
)
from .weights import AhpResult, ahp_weights, normalise_weights, rank_order_centroid

__all__ = [
    "ALPHA_FLAG_BELOW",
    "BASE_PROFILE",
    "DEFAULT_CONCENTRATION",
    "DEFAULT_SAMPLES",
    "LABELS",
    "LEXICON",
    "TIE_TOLERANCE",
    "Agreement",
    "AhpResult",
    "AlphaResult",
    "Analysis",
    "Candour",
    "Consensus",
    "ConsensusEntry",
    "Criterion",
    "Cue",
    "FlipWeight",
    "InconsistentJudgements",
    "InvalidCriteria",
    "InvalidDeliveryFigure",
    "InvalidJudgements",
    "InvalidLens",
    "InvalidSampling",
    "InvalidScale",
    "InvalidScore",
    "InvalidWeights",
    "Lens",
    "Leniency",
    "Ranking",
    "Realism",
    "Robustness",
    "Scale",
    "ScoreMatrix",
    "ScoreValue",
    "ScoringError",
    "Sentence",
    "Spread",
    "VendorResult",
    "agreement",
    "ahp_weights",
    "analyse",
    "budget_overrun_pct",
    "build_score_matrix",
    "candour_summary",
    "consensus",
    "delivery_realism",
    "flip_weights",
    "interval_alpha",
    "label_sentences",
    "leniency",
    "normalise_weights",
    "rank_lens",
    "rank_lenses",
    "rank_matrix",
    "rank_order_centroid",
    "rank_vendors",
    "robustness",
    "schedule_slip_pct",
    "share_vector",
    "split_sentences",
]

"""One entry point for the comparison page, the API and ``flask ranking --json``.

``analyse`` validates the scores once and computes everything the CTO sees: the ranking, the
lens rankings and their consensus, agreement, leniency, p_rank1 with rank acceptability, and
the flip weights. ``Analysis.to_dict`` turns it into plain JSON-ready data (see
docs/scoring.md for every field); the app adds names, the evaluation and the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .agreement import ALPHA_FLAG_BELOW, Agreement, AlphaResult, Leniency, agreement, leniency
from .domain import Criterion, EvaluatorId, Lens, Scale, ScoreValue, VendorId
from .errors import InvalidLens
from .lenses import Consensus, consensus, rank_lens, validate_lenses
from .matrix import ScoreMatrix, build_score_matrix
from .ranking import Ranking, VendorResult, rank_matrix, share_vector
from .robustness import (
    DEFAULT_CONCENTRATION,
    DEFAULT_SAMPLES,
    TIED_SHARE,
    EvaluatorDrop,
    FlipWeight,
    Robustness,
    flip_weights,
    leave_one_evaluator_out,
    robustness,
)

#: Name of the criteria's own weight profile when it takes part in the lens consensus.
BASE_PROFILE = "Base weights"
#: Decimals kept in to_dict: scores (0-100) and means (scale points) / shares, p and alpha.
SCORE_DIGITS = 4
SHARE_DIGITS = 6


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything computed for one evaluation under one primary weight profile.

    lens: the primary lens name, or None for the criteria's own weights. lens_rankings: base
    profile (key BASE_PROFILE) and every lens. consensus: Borda across those, None without lenses.
    """

    matrix: ScoreMatrix
    lens: str | None
    ranking: Ranking
    agreement: Agreement
    leniency: dict[EvaluatorId, Leniency]
    robustness: Robustness
    flips: dict[str, FlipWeight]
    lens_rankings: dict[str, Ranking]
    consensus: Consensus | None
    evaluator_drops: tuple[EvaluatorDrop, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (str keys, lists, rounded floats, None for null)."""
        return analysis_to_dict(self)


def analyse(
    scale: Scale,
    criteria: Sequence[Criterion],
    vendors: Sequence[VendorId],
    scores: Iterable[ScoreValue],
    *,
    lenses: Iterable[Lens] = (),
    lens: str | None = None,
    samples: int = DEFAULT_SAMPLES,
    concentration: float = DEFAULT_CONCENTRATION,
    seed: int = 0,
) -> Analysis:
    """Run the full analysis. ``lens`` picks one of ``lenses`` as the primary profile.

    Raises a ScoringError subclass on any invalid input, before computing anything.
    """
    matrix = build_score_matrix(scale, criteria, vendors, scores)
    lens_list = validate_lenses(lenses, reserved=(BASE_PROFILE,))
    base_shares = share_vector(matrix.criteria)
    lens_rankings = {BASE_PROFILE: rank_matrix(matrix, base_shares)}
    for item in lens_list:
        lens_rankings[item.name] = rank_lens(matrix, item)
    if lens is None:
        ranking = lens_rankings[BASE_PROFILE]
    elif lens in lens_rankings and lens != BASE_PROFILE:
        ranking = lens_rankings[lens]
    else:
        names = ", ".join(repr(item.name) for item in lens_list) or "none defined"
        raise InvalidLens(f"unknown lens {lens!r} (lenses: {names})")
    return Analysis(
        matrix=matrix,
        lens=lens,
        ranking=ranking,
        agreement=agreement(matrix),
        leniency=leniency(matrix),
        robustness=robustness(
            matrix, ranking, samples=samples, concentration=concentration, seed=seed
        ),
        flips=flip_weights(matrix, ranking),
        lens_rankings=lens_rankings,
        consensus=consensus(lens_rankings) if lens_list else None,
        evaluator_drops=leave_one_evaluator_out(matrix, ranking),
    )


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _json_id(value: Any) -> Any:
    """Vendor/evaluator ids as JSON scalars: str, int and float pass, anything else as str."""
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _alpha_dict(result: AlphaResult) -> dict[str, Any]:
    return {
        "alpha": _round(result.alpha, SHARE_DIGITS),
        "units": result.n_units,
        "pairable_values": result.n_pairable,
        "flagged": result.flagged,
    }


def _vendor_dict(result: VendorResult, analysis: Analysis) -> dict[str, Any]:
    acceptability = analysis.robustness.acceptability.get(result.vendor)
    return {
        "id": _json_id(result.vendor),
        "rank": result.rank,
        "score": _round(result.score, SCORE_DIGITS),
        "knocked_out": result.knocked_out,
        "knockouts": list(result.knockouts),
        "incomplete": result.incomplete,
        "gaps": list(result.gaps),
        "criterion_means": {k: _round(m, SCORE_DIGITS) for k, m in result.criterion_means.items()},
        "spread": {
            k: {
                "n": s.n,
                "std": _round(s.std, SCORE_DIGITS),
                "min": _round(s.min, SCORE_DIGITS),
                "max": _round(s.max, SCORE_DIGITS),
            }
            for k, s in result.spread.items()
        },
        "p_rank1": _round(analysis.robustness.p_rank1[result.vendor], SHARE_DIGITS),
        "rank_acceptability": (
            None if acceptability is None else [_round(p, SHARE_DIGITS) for p in acceptability]
        ),
        "p_beats_leader": _round((analysis.robustness.p_beats_leader or {}).get(result.vendor),
                                 SHARE_DIGITS),
    }


def _ranking_summary(name: str, ranking: Ranking) -> dict[str, Any]:
    return {
        "name": name,
        "weights": {k: _round(w, SHARE_DIGITS) for k, w in ranking.weights.items()},
        "winners": [_json_id(v) for v in ranking.winners],
        "vendors": [
            {
                "id": _json_id(r.vendor),
                "rank": r.rank,
                "score": _round(r.score, SCORE_DIGITS),
                "knocked_out": r.knocked_out,
                "incomplete": r.incomplete,
            }
            for r in ranking.results
        ],
    }


def _consensus_dict(result: Consensus | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "method": "borda",
        "winner": _json_id(result.winner),
        "lenses_disagree": result.lenses_disagree,
        "winners_by_lens": {
            name: [_json_id(v) for v in winners] for name, winners in result.winners_by_lens.items()
        },
        "vendors": [
            {"id": _json_id(e.vendor), "points": e.points, "rank": e.rank} for e in result.entries
        ],
    }


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """See Analysis.to_dict; field by field in docs/scoring.md ("JSON output")."""
    matrix, ranking, agree = analysis.matrix, analysis.ranking, analysis.agreement
    return {
        "lens": analysis.lens,
        "scale": {"min": matrix.scale.min, "max": matrix.scale.max},
        "criteria": [
            {
                "key": c.key,
                "name": c.name,
                "weight": _round(ranking.weights[c.key], SHARE_DIGITS),
                "knockout_below": c.knockout_below,
                "agreement_alpha": _round(agree.by_criterion[c.key].alpha, SHARE_DIGITS),
                "agreement": _alpha_dict(agree.by_criterion[c.key]),
            }
            for c in matrix.criteria
        ],
        "vendors": [_vendor_dict(r, analysis) for r in ranking.results],
        "winner": _json_id(ranking.winner),
        "agreement_alpha": _round(agree.overall.alpha, SHARE_DIGITS),
        "agreement": {
            "overall": _alpha_dict(agree.overall),
            "flag_below": ALPHA_FLAG_BELOW,
            "flagged": list(agree.flagged),
        },
        "leniency": [
            {
                "evaluator": _json_id(item.evaluator),
                "mean_deviation": _round(item.mean_deviation, SCORE_DIGITS),
                "n": item.n,
            }
            for item in analysis.leniency.values()
        ],
        "sensitivity": {
            "samples": analysis.robustness.samples,
            "concentration": analysis.robustness.concentration,
            "seed": analysis.robustness.seed,
            "resamples": (
                ["evaluators", "weights"] if analysis.robustness.evaluators_resampled
                else ["weights"]
            ),
            "statistically_tied": [_json_id(v) for v in analysis.robustness.statistically_tied],
            "tied_share": TIED_SHARE,
            "leader_margin_ci95": (
                None if analysis.robustness.leader_margin_ci95 is None
                else [_round(x, SCORE_DIGITS) for x in analysis.robustness.leader_margin_ci95]
            ),
            "leave_one_evaluator_out": [
                {
                    "evaluator": _json_id(d.evaluator),
                    "winners": [_json_id(v) for v in d.winners],
                    "winner_changes": d.winner_changes,
                    "leader_rank": d.leader_rank,
                    "leader_score": _round(d.leader_score, SCORE_DIGITS),
                }
                for d in analysis.evaluator_drops
            ],
            "flip_weights": {k: _round(f.flip, SHARE_DIGITS) for k, f in analysis.flips.items()},
            "flips": [
                {
                    "criterion": f.criterion,
                    "current": _round(f.current, SHARE_DIGITS),
                    "flip": _round(f.flip, SHARE_DIGITS),
                    "takeover": _json_id(f.takeover),
                    "direction": f.direction,
                }
                for f in analysis.flips.values()
            ],
        },
        "lenses": [_ranking_summary(n, r) for n, r in analysis.lens_rankings.items()],
        "consensus": _consensus_dict(analysis.consensus),
    }

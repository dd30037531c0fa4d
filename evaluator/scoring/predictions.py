"""The outcome model applied to a shortlist (pure core): who gets a prediction, why not, and
where the model and the committee disagree.

Inputs are plain values (the model's parameters, the committee's ranking results, dossier
features), so the rules are tested without a database (tests/unit/test_predictions.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .outcome import ModelParams, explain
from .ranking import VendorResult

#: A vendor gets no prediction when imputed (unknown) features carry more than this share of the
#: model's total effect: the prediction would mostly be the training medians.
MAX_IMPUTED_EFFECT_SHARE = 0.5
NOT_FIRST_CHOICE = "The model's most likely success is not the committee's first choice."


@dataclass
class VendorPrediction:
    id: int
    committee_rank: int | None
    predicted_success: float | None = None
    reason: str | None = None
    base_log_odds: float | None = None
    contributions: list[dict[str, Any]] = field(default_factory=list)
    model_rank: int | None = None
    disagrees: bool = False


@dataclass(frozen=True)
class ShortlistPrediction:
    vendors: list[VendorPrediction]  # one per ranking result, in the ranking's order
    notes: list[str]
    predictions: dict[int, float]  # vendor id -> probability of success, predicted vendors only


def predict_shortlist(
    params: ModelParams, results: Sequence[VendorResult], *, criterion_keys: set[str],
    extra_features: Mapping[int, Mapping[str, float]], names: Mapping[int, str],
    withheld_reason: str | None,
) -> ShortlistPrediction:
    """Predict success for each ranked vendor and compare the model's order with the committee's.

    Criterion-key features take the vendor's criterion means from `results`; other features come
    from `extra_features[vendor_id]`, else the training median (flagged imputed). A vendor gets no
    prediction when a criterion feature has no mean for it, or when imputed features carry more
    than MAX_IMPUTED_EFFECT_SHARE of the model's effect; every prediction is withheld when
    `withheld_reason` is given (the model shows no skill, or was validated under older rules),
    and each vendor's reason says "Predictions withheld: <withheld_reason>.". A note is added when the model's top vendor is not the
    committee's, and for each vendor whose model rank is 2 or more places from the committee's.
    """
    total_effect = float(sum(abs(e) for e in params.effects)) or 1.0
    vendors = []
    for result in results:
        item = VendorPrediction(int(result.vendor), result.rank)
        values: dict[str, float | None] = {}
        missing = []
        for feature in params.features:
            if feature in criterion_keys:
                values[feature] = result.criterion_means.get(feature)
                if values[feature] is None:
                    missing.append(feature)
            else:
                values[feature] = extra_features.get(item.id, {}).get(feature)
        imputed_share = sum(abs(params.effects[j]) for j, f in enumerate(params.features)
                            if values[f] is None and f not in criterion_keys) / total_effect
        if withheld_reason is not None:
            item.reason = f"Predictions withheld: {withheld_reason}."
        elif missing:
            item.reason = ("No score yet on " + ", ".join(missing)
                           + ": the model cannot predict without it.")
        elif imputed_share > MAX_IMPUTED_EFFECT_SHARE:
            item.reason = ("Most of what the model relies on is not known for this vendor "
                           f"({imputed_share:.0%} of its effect).")
        else:
            explanation = explain(params, values)
            item.predicted_success = round(explanation.probability, 4)
            item.base_log_odds = round(explanation.base_log_odds, 4)
            item.contributions = [
                {"feature": c.feature, "value": c.value, "imputed": c.imputed,
                 "contribution": round(c.contribution, 4)}
                for c in sorted(explanation.contributions, key=lambda c: -abs(c.contribution))
            ]
        vendors.append(item)
    predicted = sorted((v for v in vendors if v.predicted_success is not None),
                       key=lambda v: -v.predicted_success)
    for v in predicted:
        v.model_rank = 1 + sum(o.predicted_success > v.predicted_success for o in predicted)
    notes = []
    committee_top = {v.id for v in vendors if v.committee_rank == 1 and v.predicted_success is not None}
    model_top = {v.id for v in predicted if v.model_rank == 1}
    if committee_top and model_top and not committee_top & model_top:
        notes.append(NOT_FIRST_CHOICE)
    for v in predicted:
        if v.committee_rank is not None and abs(v.model_rank - v.committee_rank) >= 2:
            v.disagrees = True
            notes.append(f"{names.get(v.id, v.id)}: committee rank {v.committee_rank}, "
                         f"model rank {v.model_rank}.")
    return ShortlistPrediction(vendors, notes, {v.id: v.predicted_success for v in predicted})

"""Evaluator agreement (Krippendorff's alpha, interval metric) and per-evaluator leniency.

Alpha is computed by the ``krippendorff`` package (Castro 2017), which implements Krippendorff
(2011) "Computing Krippendorff's Alpha-Reliability" and is validated in our tests against the
worked examples there. alpha = 1 - D_o / D_e: 1 is perfect agreement, 0 is agreement no better
than chance, negative is systematic disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass

import krippendorff
import numpy as np

from .domain import EvaluatorId
from .matrix import ScoreMatrix

#: Krippendorff's lowest acceptable alpha for tentative conclusions; criteria under it are
#: flagged for discussion before a decision.
ALPHA_FLAG_BELOW = 0.667


@dataclass(frozen=True)
class AlphaResult:
    """Alpha for one set of units, with the data it rests on.

    alpha: None when it cannot be computed (see ``interval_alpha``). n_units: units with values
    from at least two evaluators. n_pairable: values in those units. flagged: alpha < 0.667.
    """

    alpha: float | None
    n_units: int
    n_pairable: int

    @property
    def flagged(self) -> bool:
        return self.alpha is not None and self.alpha < ALPHA_FLAG_BELOW


@dataclass(frozen=True)
class Agreement:
    """Alpha per criterion (units = vendors) and overall (units = (vendor, criterion) pairs)."""

    by_criterion: dict[str, AlphaResult]
    overall: AlphaResult

    @property
    def flagged(self) -> tuple[str, ...]:
        """Criterion keys whose alpha is below 0.667, in criteria order."""
        return tuple(k for k, r in self.by_criterion.items() if r.flagged)


def interval_alpha(reliability_data: np.ndarray) -> AlphaResult:
    """Krippendorff's interval alpha of a (coders, units) array with NaN for missing values.

    Only units with two or more values are pairable; the others carry no information about
    agreement and are dropped (this does not change alpha). alpha is None when there is no
    pairable unit, or when every pairable value is identical: then the expected disagreement
    D_e is 0 and alpha = 1 - 0/0 is undefined (the evaluators agree, but on a single value,
    so there is no variation to be reliable about).
    """
    data = np.asarray(reliability_data, dtype=float)
    per_unit = (~np.isnan(data)).sum(axis=0)
    pairable = per_unit >= 2
    n_units = int(pairable.sum())
    n_pairable = int(per_unit[pairable].sum())
    if n_units == 0:
        return AlphaResult(None, 0, 0)
    kept = data[:, pairable]
    values = kept[~np.isnan(kept)]
    if values.max() == values.min():
        return AlphaResult(None, n_units, n_pairable)
    alpha = float(krippendorff.alpha(reliability_data=kept, level_of_measurement="interval"))
    return AlphaResult(alpha, n_units, n_pairable)


def agreement(matrix: ScoreMatrix) -> Agreement:
    """Alpha per criterion (coders = evaluators, units = vendors) and overall."""
    values = matrix.values  # (E, V, K)
    by_criterion = {key: interval_alpha(values[:, :, k]) for k, key in enumerate(matrix.keys)}
    overall = interval_alpha(values.reshape(values.shape[0], values.shape[1] * values.shape[2]))
    return Agreement(by_criterion=by_criterion, overall=overall)


@dataclass(frozen=True)
class Leniency:
    """How much higher (positive) or lower an evaluator scores than colleagues, in scale points.

    mean_deviation: mean over cells the evaluator scored where at least one other evaluator
    also scored, of (own value - mean of the OTHER evaluators' values on that cell); None if
    there is no such cell. n: number of such cells.
    """

    evaluator: EvaluatorId
    mean_deviation: float | None
    n: int


def leniency(matrix: ScoreMatrix) -> dict[EvaluatorId, Leniency]:
    """Per-evaluator leniency (see Leniency), keyed by evaluator id in canonical order."""
    values = matrix.values
    present = ~np.isnan(values)
    counts = present.sum(axis=0)  # (V, K)
    totals = np.where(present, values, 0.0).sum(axis=0)
    shared = present & (counts >= 2)[np.newaxis]
    others = np.maximum(counts - 1, 1)[np.newaxis]
    deviation = np.where(shared, values - (totals[np.newaxis] - values) / others, 0.0)
    n = shared.sum(axis=(1, 2))
    sums = deviation.sum(axis=(1, 2))
    return {
        e: Leniency(e, float(sums[i] / n[i]) if n[i] else None, int(n[i]))
        for i, e in enumerate(matrix.evaluators)
    }

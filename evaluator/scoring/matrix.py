"""The evaluator x vendor x criterion score cube and its per-cell statistics.

Built once per analysis and shared by ranking, lenses, agreement and robustness, so the raw
scores are validated and aggregated exactly once. Arrays use NaN for "no value" (nobody scored
that cell, or every evaluator abstained).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .domain import Criterion, EvaluatorId, Scale, ScoreValue, VendorId, vendor_sort_key
from .errors import InvalidCriteria, InvalidScore


@dataclass(frozen=True, eq=False)
class ScoreMatrix:
    """Validated scores as arrays; axes are (evaluator E, vendor V, criterion K).

    ``values``: scale points, NaN where an evaluator gave no value. ``evaluators`` is sorted
    canonically (integers numerically, then by str) so the input order of scores never matters.
    ``means``/``stds``/``mins``/``maxs`` are per (vendor, criterion) in scale points, NaN where
    ``counts`` is 0; ``stds`` is the population standard deviation (ddof=0) of the values.
    """

    scale: Scale
    criteria: tuple[Criterion, ...]
    vendors: tuple[VendorId, ...]
    evaluators: tuple[EvaluatorId, ...]
    values: np.ndarray
    counts: np.ndarray
    means: np.ndarray
    stds: np.ndarray
    mins: np.ndarray
    maxs: np.ndarray

    @property
    def keys(self) -> tuple[str, ...]:
        """Criterion keys in criteria order."""
        return tuple(c.key for c in self.criteria)

    @property
    def normalised_means(self) -> np.ndarray:
        """Means mapped onto 0-1 by the fixed scale bounds: (m - min) / (max - min); NaN if none."""
        return (self.means - float(self.scale.min)) / self.scale.span


def validate_criteria(scale: Scale, criteria: Sequence[Criterion]) -> tuple[Criterion, ...]:
    """Check keys are unique non-empty strings and knockout thresholds lie on the scale."""
    items = tuple(criteria)
    if not items:
        raise InvalidCriteria("an evaluation needs at least one criterion")
    seen: set[str] = set()
    for criterion in items:
        if not isinstance(criterion.key, str) or not criterion.key.strip():
            raise InvalidCriteria(
                f"criterion key must be a non-empty string, got {criterion.key!r}"
            )
        if criterion.key in seen:
            raise InvalidCriteria(f"criterion key {criterion.key!r} is used twice")
        seen.add(criterion.key)
        threshold = criterion.knockout_below
        if threshold is not None:
            if (
                isinstance(threshold, bool)
                or not isinstance(threshold, int | float)
                or not (math.isfinite(threshold))
            ):
                raise InvalidCriteria(
                    f"knockout threshold of {criterion.key!r} must be a number, got {threshold!r}"
                )
            if not scale.min <= threshold <= scale.max:
                raise InvalidCriteria(
                    f"knockout threshold {threshold:g} of {criterion.key!r} is outside the scale "
                    f"{scale.min:g}..{scale.max:g}"
                )
    return items


def build_score_matrix(
    scale: Scale,
    criteria: Sequence[Criterion],
    vendors: Sequence[VendorId],
    scores: Iterable[ScoreValue],
) -> ScoreMatrix:
    """Validate submitted scores and aggregate them per (vendor, criterion).

    Raises InvalidScore for a score naming an unknown vendor or criterion, a value that is not
    a finite number on the scale, or a second score by the same evaluator for the same vendor
    and criterion (the service layer must pass one submitted value per cell).
    """
    crits = validate_criteria(scale, criteria)
    vendor_ids = tuple(vendors)
    vendor_index = {v: i for i, v in enumerate(vendor_ids)}
    if len(vendor_index) != len(vendor_ids):
        raise InvalidScore("each vendor may appear once in the shortlist")
    key_index = {c.key: i for i, c in enumerate(crits)}
    rows = list(scores)
    evaluator_ids = tuple(sorted({s.evaluator for s in rows}, key=vendor_sort_key))
    evaluator_index = {e: i for i, e in enumerate(evaluator_ids)}

    n = len(rows)
    e_idx = np.empty(n, dtype=np.intp)
    v_idx = np.empty(n, dtype=np.intp)
    k_idx = np.empty(n, dtype=np.intp)
    vals = np.empty(n, dtype=float)
    for j, s in enumerate(rows):
        v = vendor_index.get(s.vendor)
        if v is None:
            raise InvalidScore(f"score by {s.evaluator!r} names unknown vendor {s.vendor!r}")
        k = key_index.get(s.criterion)
        if k is None:
            raise InvalidScore(f"score by {s.evaluator!r} names unknown criterion {s.criterion!r}")
        value = s.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidScore(
                f"score by {s.evaluator!r} for {s.vendor!r} on {s.criterion!r} must be a number, "
                f"got {value!r}"
            )
        e_idx[j], v_idx[j], k_idx[j], vals[j] = evaluator_index[s.evaluator], v, k, value
    off_scale = ~np.isfinite(vals) | (vals < scale.min) | (vals > scale.max)
    if off_scale.any():
        s = rows[int(np.argmax(off_scale))]
        raise InvalidScore(
            f"score {s.value!r} by {s.evaluator!r} for {s.vendor!r} on {s.criterion!r} is off "
            f"the scale {scale.min:g}..{scale.max:g}"
        )

    n_e, n_v, n_k = len(evaluator_ids), len(vendor_ids), len(crits)
    flat = (e_idx * n_v + v_idx) * n_k + k_idx
    if n:
        uniq, first, counts = np.unique(flat, return_index=True, return_counts=True)
        if (counts > 1).any():
            s = rows[int(first[np.argmax(counts > 1)])]
            raise InvalidScore(
                f"{s.evaluator!r} has more than one score for {s.vendor!r} on {s.criterion!r}"
            )
    values = np.full((n_e, n_v, n_k), np.nan)
    values[e_idx, v_idx, k_idx] = vals
    return _aggregate(scale, crits, vendor_ids, evaluator_ids, values)


def drop_evaluator(matrix: ScoreMatrix, evaluator: EvaluatorId) -> ScoreMatrix:
    """The same scores without one evaluator's (KeyError if they gave none)."""
    keep = [i for i, e in enumerate(matrix.evaluators) if e != evaluator]
    if len(keep) == len(matrix.evaluators):
        raise KeyError(evaluator)
    return _aggregate(matrix.scale, matrix.criteria, matrix.vendors,
                      tuple(matrix.evaluators[i] for i in keep), matrix.values[keep])


def _aggregate(
    scale: Scale,
    criteria: tuple[Criterion, ...],
    vendors: tuple[VendorId, ...],
    evaluators: tuple[EvaluatorId, ...],
    values: np.ndarray,
) -> ScoreMatrix:
    present = ~np.isnan(values)
    counts = present.sum(axis=0)
    has = counts > 0
    safe_counts = np.where(has, counts, 1)
    filled = np.where(present, values, 0.0)
    means = np.where(has, filled.sum(axis=0) / safe_counts, np.nan)
    deviations = np.where(present, values - means, 0.0)
    stds = np.where(has, np.sqrt((deviations**2).sum(axis=0) / safe_counts), np.nan)
    mins = np.where(has, np.where(present, values, np.inf).min(axis=0, initial=np.inf), np.nan)
    maxs = np.where(has, np.where(present, values, -np.inf).max(axis=0, initial=-np.inf), np.nan)
    return ScoreMatrix(
        scale=scale,
        criteria=criteria,
        vendors=vendors,
        evaluators=evaluators,
        values=values,
        counts=counts,
        means=means,
        stds=stds,
        mins=mins,
        maxs=maxs,
    )

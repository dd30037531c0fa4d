"""Weight shares and the two elicitation helpers (rank-order centroid and AHP).

A share is a weight normalised so that all shares sum to 1 (a share of 0.25 is "25 % of the
decision"). The elicitation helpers exist because people state priorities more reliably as an
order ("cost matters more than speed") or as pairwise comparisons than as raw percentages.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InconsistentJudgements, InvalidJudgements, InvalidWeights

#: Saaty's random consistency index RI by matrix size n (Saaty 1980; the table most AHP
#: software uses). CR = CI / RI is undefined for n <= 2, where every reciprocal matrix is
#: consistent, so CR is reported as 0 there.
SAATY_RANDOM_INDEX: Mapping[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}

#: Saaty's acceptance threshold: judgements with CR above this are sent back for review.
MAX_CONSISTENCY_RATIO = 0.10

#: Relative tolerance for a_ij * a_ji == 1, so that typed decimals like 0.333 for 1/3 pass.
RECIPROCAL_TOLERANCE = 0.02


def normalise_weights(weights: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """Turn raw non-negative weights into shares (0-1) that sum to 1, in the input's key order.

    Raises InvalidWeights for an empty mapping, a negative, non-numeric or non-finite weight,
    or when every weight is zero (nothing would count, so there is no ranking to compute).
    """
    if not weights:
        raise InvalidWeights("there are no weights to normalise: add at least one criterion")
    values = []
    for key, raw in weights.items():
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise InvalidWeights(f"weight of {key!r} must be a finite number, got {raw!r}")
        if raw < 0:
            raise InvalidWeights(f"weight of {key!r} must not be negative, got {raw!r}")
        values.append(float(raw))
    largest = max(values)
    if largest <= 0:
        raise InvalidWeights("all weights are zero: give at least one criterion a positive weight")
    # Divided by the largest first: shares are scale-free, and a sum of weights near the float
    # maximum (1e308) must not overflow.
    scaled = [value / largest for value in values]
    total = math.fsum(scaled)
    return {key: value / total for key, value in zip(weights, scaled, strict=True)}


def rank_order_centroid(ordered_keys: Sequence[Hashable]) -> dict[Hashable, float]:
    """Rank-order centroid (ROC) shares for criteria listed from most to least important.

    w_i = (1/n) * sum_{j=i..n} 1/j (Barron & Barrett 1996): the centroid of all weight vectors
    consistent with the order, i.e. the least-committal shares that respect it. For n = 3:
    0.6111, 0.2778, 0.1111.
    """
    keys = list(ordered_keys)
    if not keys:
        raise InvalidWeights("rank-order centroid needs at least one criterion")
    if len(set(keys)) != len(keys):
        dupes = sorted({str(k) for k in keys if keys.count(k) > 1})
        raise InvalidWeights(f"each criterion may appear once in the order; repeated: {dupes}")
    n = len(keys)
    tail_sums = np.cumsum(1.0 / np.arange(n, 0, -1))[::-1]  # sum_{j=i..n} 1/j for i = 1..n
    return {key: float(share) for key, share in zip(keys, tail_sums / n, strict=True)}


@dataclass(frozen=True)
class AhpResult:
    """AHP outcome: shares (0-1, sum 1), Saaty's consistency ratio and the principal eigenvalue.

    consistency_ratio = ((lambda_max - n) / (n - 1)) / RI(n); 0 means perfectly consistent.
    """

    weights: dict[Hashable, float]
    consistency_ratio: float
    lambda_max: float


def ahp_weights(
    keys: Sequence[Hashable],
    matrix: Sequence[Sequence[float]] | np.ndarray,
    *,
    max_consistency_ratio: float = MAX_CONSISTENCY_RATIO,
) -> AhpResult:
    """Shares from a pairwise comparison matrix by Saaty's principal-eigenvector method.

    ``matrix[i][j]`` says how many times more important ``keys[i]`` is than ``keys[j]`` (Saaty's
    1-9 scale); it must be positive with a unit diagonal and reciprocal (a_ji = 1/a_ij, within
    2 % so typed decimals pass). Raises InconsistentJudgements when CR exceeds 0.10, because
    such judgements contradict each other too much for their weights to mean anything.
    """
    names = list(keys)
    n = len(names)
    if n == 0:
        raise InvalidJudgements("AHP needs at least one criterion")
    if len(set(names)) != n:
        raise InvalidJudgements("AHP criteria must be distinct")
    if n not in SAATY_RANDOM_INDEX:
        raise InvalidJudgements(
            f"AHP supports at most {max(SAATY_RANDOM_INDEX)} criteria (Saaty's random index "
            f"table ends there), got {n}"
        )
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidJudgements(f"the comparison matrix must contain numbers only ({exc})") from exc
    if a.shape != (n, n):
        raise InvalidJudgements(f"the comparison matrix must be {n}x{n}, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise InvalidJudgements("every pairwise comparison must be a positive finite number")
    if not np.allclose(np.diag(a), 1.0):
        raise InvalidJudgements("a criterion compared with itself must be 1 (the diagonal)")
    product = a * a.T
    bad = np.argwhere(np.abs(product - 1.0) > RECIPROCAL_TOLERANCE)
    if bad.size:
        i, j = bad[0]
        raise InvalidJudgements(
            f"comparisons must be reciprocal: {names[i]!r} vs {names[j]!r} is {a[i, j]:g} "
            f"but {names[j]!r} vs {names[i]!r} is {a[j, i]:g} (expected {1 / a[i, j]:g})"
        )
    eigenvalues, eigenvectors = np.linalg.eig(a)
    top = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[top].real)
    vector = np.abs(eigenvectors[:, top].real)  # Perron vector: one sign, made positive
    shares = vector / vector.sum()
    ratio = 0.0 if n <= 2 else max(0.0, (lambda_max - n) / (n - 1)) / SAATY_RANDOM_INDEX[n]
    if ratio > max_consistency_ratio:
        raise InconsistentJudgements(
            f"the pairwise comparisons are inconsistent: consistency ratio {ratio:.3f} is above "
            f"{max_consistency_ratio:.2f}. Review the comparisons that contradict each other "
            "(if A beats B and B beats C, A should beat C by more).",
            consistency_ratio=ratio,
        )
    return AhpResult(
        weights={key: float(s) for key, s in zip(names, shares, strict=True)},
        consistency_ratio=float(ratio),
        lambda_max=lambda_max,
    )

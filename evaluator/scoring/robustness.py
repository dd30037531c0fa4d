"""How sure is the ranking? Weight-uncertainty sampling and exact flip weights.

Only vendors that are complete and not knocked out compete here (the eligible vendors):
knockouts and gaps do not depend on the weights' exact values, so sampling cannot revive them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .domain import VendorId, vendor_sort_key
from .errors import InvalidSampling
from .matrix import ScoreMatrix
from .ranking import TIE_TOLERANCE, Ranking, score_arrays

#: Dirichlet concentration: alpha_k = concentration * w_k. With 100, a share of 0.30 varies
#: with a standard deviation of about 0.045 (sqrt(w(1-w)/(c+1))): "roughly +-5 points".
DEFAULT_CONCENTRATION = 100.0
DEFAULT_SAMPLES = 10_000

#: Utilities (samples x eligible vendors) ranked per chunk: bounds memory at 1,000 vendors.
_CHUNK_CELLS = 1_000_000

#: Slopes (score points per unit share) closer than this count as parallel: no crossing.
_SLOPE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Robustness:
    """Rank probabilities under Dirichlet weight uncertainty.

    p_rank1: every vendor -> probability (0-1) of ranking first among eligible vendors; 0 for
    vendors that are not eligible; sums to 1 when at least one vendor is eligible (ties in a
    sample split that sample equally). acceptability: eligible vendor -> tuple of P(rank r),
    r = 1..n_eligible; each row and each column sums to 1. ``eligible`` is in ranking order.
    """

    samples: int
    concentration: float
    seed: int
    eligible: tuple[VendorId, ...]
    p_rank1: dict[VendorId, float]
    acceptability: dict[VendorId, tuple[float, ...]]


def sample_weights(
    shares: np.ndarray, *, samples: int, concentration: float, seed: int
) -> np.ndarray:
    """(samples, K) share vectors from Dirichlet(concentration * w), centred on ``shares``.

    Criteria with share 0 stay at 0 in every sample: the stakeholders excluded them, and a
    Dirichlet parameter of 0 is degenerate. A single weighted criterion is always 1.
    """
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise InvalidSampling(f"samples must be a whole number >= 1, got {samples!r}")
    if not np.isfinite(concentration) or concentration <= 0:
        raise InvalidSampling(f"concentration must be a positive number, got {concentration!r}")
    active = np.flatnonzero(shares > 0)
    drawn = np.zeros((samples, shares.size))
    if active.size == 1:
        drawn[:, active[0]] = 1.0
    else:
        rng = np.random.default_rng(seed)
        drawn[:, active] = rng.dirichlet(concentration * shares[active], size=samples)
    return drawn


def rank_probabilities(utilities: np.ndarray) -> np.ndarray:
    """(n, n) matrix P[v, r] = share of rows (samples) in which column v holds rank r+1.

    Vendors within TIE_TOLERANCE of each other in a sample form a tie group occupying ranks
    s..s+m-1; each member gets 1/m of each of those ranks, so rows and columns sum to 1.
    Vectorised: one argsort per sample row; rows without ties (almost all, unless two vendors
    have identical means) are counted directly, the rest spread over their tie groups.
    """
    n_samples, n = utilities.shape
    order = np.argsort(-utilities, axis=1)
    ranked = np.take_along_axis(utilities, order, axis=1)
    starts_group = np.ones((n_samples, n), dtype=bool)
    starts_group[:, 1:] = (ranked[:, :-1] - ranked[:, 1:]) > TIE_TOLERANCE
    tied_rows = ~starts_group.all(axis=1)
    any_tied = bool(tied_rows.any())
    clean = order[~tied_rows] if any_tied else order
    cells = clean * n
    cells += np.arange(n)
    result = np.bincount(cells.ravel(), minlength=n * n).reshape(n, n).astype(float)
    if any_tied:
        result += _tied_rank_counts(order[tied_rows], starts_group[tied_rows])
    return result / n_samples


def _tied_rank_counts(order: np.ndarray, starts_group: np.ndarray) -> np.ndarray:
    """Rank counts (n, n) for sample rows with ties: each tie group's ranks shared equally."""
    rows, n = order.shape
    positions = np.broadcast_to(np.arange(n), (rows, n))
    ends_group = np.ones((rows, n), dtype=bool)
    ends_group[:, :-1] = starts_group[:, 1:]
    start = np.maximum.accumulate(np.where(starts_group, positions, 0), axis=1)
    end = np.minimum.accumulate(np.where(ends_group, positions, n - 1)[:, ::-1], axis=1)[:, ::-1]
    share = 1.0 / (end - start + 1)
    # Difference array over ranks: +1/m at the group's first rank, -1/m after its last.
    width = n + 1
    index = np.concatenate([(order * width + start).ravel(), (order * width + end + 1).ravel()])
    weight = np.concatenate([share.ravel(), -share.ravel()])
    diff = np.bincount(index, weights=weight, minlength=n * width).reshape(n, width)
    return np.cumsum(diff, axis=1)[:, :n]


def robustness(
    matrix: ScoreMatrix,
    ranking: Ranking,
    *,
    samples: int = DEFAULT_SAMPLES,
    concentration: float = DEFAULT_CONCENTRATION,
    seed: int = 0,
) -> Robustness:
    """p_rank1 and the rank acceptability matrix for ``ranking`` (computed from ``matrix``).

    Reproducible: the same inputs and seed give the same figures on any machine with the
    same numpy bit generator (PCG64).
    """
    shares = np.array([ranking.weights[k] for k in matrix.keys])
    weights = sample_weights(shares, samples=samples, concentration=concentration, seed=seed)
    arrays = score_arrays(matrix, shares)
    index = {v: i for i, v in enumerate(matrix.vendors)}
    eligible = tuple(r.vendor for r in ranking.results if r.rank is not None and not r.knocked_out)
    p_rank1 = dict.fromkeys(matrix.vendors, 0.0)
    acceptability: dict[VendorId, tuple[float, ...]] = {}
    if eligible:
        rows = [index[v] for v in eligible]
        points = 100.0 * np.nan_to_num(arrays.normalised[rows], nan=0.0)  # (n, K) 0-100
        columns = np.ascontiguousarray(points.T)
        # Sample rows in chunks of about _CHUNK_CELLS utilities to bound memory for many vendors;
        # each chunk's rank counts are weighted by its row count, so the result is identical.
        step = max(1, _CHUNK_CELLS // len(rows))
        probabilities = np.zeros((len(rows), len(rows)))
        for first in range(0, samples, step):
            chunk = weights[first : first + step]
            utilities = chunk @ columns  # (chunk, n): scores 0-100 under each sampled vector
            probabilities += rank_probabilities(utilities) * (len(chunk) / samples)
        for vendor, row in zip(eligible, probabilities, strict=True):
            p_rank1[vendor] = float(row[0])
            acceptability[vendor] = tuple(float(p) for p in row)
    return Robustness(samples, float(concentration), seed, eligible, p_rank1, acceptability)


@dataclass(frozen=True)
class FlipWeight:
    """Where one criterion's share would change the winner.

    current: the criterion's share now (0-1). flip: the share t in [0, 1] nearest ``current``
    at which another vendor's score reaches the winner's and, moving further away, passes it
    (others rescaled to 1 - t); None if no vendor can pass the winner by changing this share.
    takeover: that vendor. direction: "up", "down" or None.
    """

    criterion: str
    current: float
    flip: float | None
    takeover: VendorId | None
    direction: str | None


def flip_weights(matrix: ScoreMatrix, ranking: Ranking) -> dict[str, FlipWeight]:
    """Exact flip weight per criterion (scores are linear in t, so each crossing is a root).

    With share t on k and the others scaled by (1-t)/(1-w_k), vendor v scores
    s_v(t) = t*a_vk + (1-t)*b_v, b_v = (s_v - w_k*a_vk)/(1 - w_k), a = 0-100 means.
    The winner w and a rival u cross where s_u(t) = s_w(t); the rival must be strictly ahead
    just beyond the crossing, still inside [0, 1]. Not defined (None) when fewer
    than two vendors are eligible, or when k holds the whole weight (nothing to rescale).
    Parallel lines (same slope) never cross; equally near crossings above and below prefer
    the lower t; several rivals crossing at one t: the one leading beyond it, then vendor id.
    """
    keys = matrix.keys
    shares = np.array([ranking.weights[k] for k in keys])
    eligible = [r.vendor for r in ranking.results if r.rank is not None and not r.knocked_out]
    result = {
        k: FlipWeight(k, float(w), None, None, None) for k, w in zip(keys, shares, strict=True)
    }
    if len(eligible) < 2:
        return result
    index = {v: i for i, v in enumerate(matrix.vendors)}
    rows = [index[v] for v in eligible]
    points = 100.0 * score_arrays(matrix, shares).normalised[rows]  # (n, K), NaN if missing
    score_of = {r.vendor: r.score for r in ranking.results}
    scores = np.array([score_of[v] for v in eligible], dtype=float)
    rest = 1.0 - shares
    with np.errstate(divide="ignore", invalid="ignore"):
        base = (scores[:, None] - shares * np.nan_to_num(points)) / rest  # b_vk
        slope = points - base  # ds_v/dt
        gap = scores[1:] - scores[0]  # s_u - s_w at t = w_k, <= 0 (winner is row 0)
        rel_slope = slope[1:] - slope[0]
        crossing = shares - gap[:, None] / rel_slope  # (n-1, K)
    for k, key in enumerate(keys):
        w = float(shares[k])
        if rest[k] <= 0:
            continue
        if np.isnan(points[0, k]):
            # The winner has no value on this zero-weight criterion: any share > 0 makes it
            # incomplete, so the flip is at 0 and the best-ranked rival with a value takes over.
            rivals = [eligible[i] for i in range(1, len(eligible)) if not np.isnan(points[i, k])]
            if rivals:
                result[key] = FlipWeight(key, w, 0.0, rivals[0], "up")
            continue
        candidates = []
        for u in range(len(eligible) - 1):
            t, s = crossing[u, k], rel_slope[u, k]
            if np.isnan(points[u + 1, k]) or not np.isfinite(t) or abs(s) <= _SLOPE_TOLERANCE:
                continue
            up = s > 0  # the rival gains on the winner as t rises
            # The rival must get strictly ahead inside [0, 1]: a crossing at t = 1 going up
            # (or t = 0 going down) is only a tie at the edge, e.g. a weakly dominated rival.
            if (-1e-12 <= t < 1 - 1e-12) if up else (1e-12 < t <= 1 + 1e-12):
                t = min(max(t, 0.0), 1.0)
                candidates.append((abs(t - w), t, -abs(s), vendor_sort_key(eligible[u + 1]), u, up))
        if candidates:
            _, t, _, _, u, up = min(candidates)
            result[key] = FlipWeight(key, w, float(t), eligible[u + 1], "up" if up else "down")
    return result

"""Weighted vendor scores (0-100), knockouts, incomplete vendors and ranks.

score_v = 100 * sum_k w_k * (m_vk - min) / (max - min), over criteria with share w_k > 0.
The scale bounds are fixed, so a vendor's score depends only on its own means and the weights:
adding or removing another vendor can never reorder the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .domain import Criterion, Scale, ScoreValue, VendorId, vendor_sort_key
from .errors import InvalidWeights
from .matrix import ScoreMatrix, build_score_matrix
from .weights import normalise_weights

#: Scores (0-100 points) closer than this share a rank; floating-point noise is not a lead.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Spread:
    """How far apart the evaluators were on one cell: n values, population std, min, max.

    All in scale points; std/min/max are None when nobody gave a value (n = 0).
    """

    n: int
    std: float | None
    min: float | None
    max: float | None


@dataclass(frozen=True)
class VendorResult:
    """One vendor's line in a ranking.

    score: 0-100, None when incomplete. rank: 1 is best, None when incomplete; knocked-out
    vendors are ranked after every vendor that is not. knockouts / gaps: criterion keys.
    criterion_means: scale points, None where the vendor has no value.
    """

    vendor: VendorId
    score: float | None
    rank: int | None
    knocked_out: bool
    knockouts: tuple[str, ...]
    incomplete: bool
    gaps: tuple[str, ...]
    criterion_means: dict[str, float | None]
    spread: dict[str, Spread]


@dataclass(frozen=True)
class Ranking:
    """Vendors in display order: ranked non-knocked-out, ranked knocked-out, then incomplete.

    ``weights`` are the shares (0-1, sum 1) the ranking was computed with, by criterion key.
    """

    scale: Scale
    weights: dict[str, float]
    results: tuple[VendorResult, ...]

    @property
    def winners(self) -> tuple[VendorId, ...]:
        """Every vendor at rank 1 that is not knocked out (several when tied), in tie order."""
        return tuple(r.vendor for r in self.results if r.rank == 1 and not r.knocked_out)

    @property
    def winner(self) -> VendorId | None:
        """The first vendor at rank 1 that is not knocked out, or None if there is none."""
        winners = self.winners
        return winners[0] if winners else None

    def result(self, vendor: VendorId) -> VendorResult:
        """The result line of ``vendor`` (KeyError if it is not in the ranking)."""
        for r in self.results:
            if r.vendor == vendor:
                return r
        raise KeyError(vendor)

    @property
    def order(self) -> tuple[VendorId, ...]:
        """Vendor ids in display order."""
        return tuple(r.vendor for r in self.results)


def share_vector(
    criteria: Sequence[Criterion], weights: Mapping[str, float] | None = None
) -> np.ndarray:
    """Shares (0-1, sum 1) aligned with ``criteria``.

    Without ``weights`` the criteria's own weights are used. A ``weights`` mapping (a lens or
    an override) may omit criteria, which then weigh 0; naming an unknown criterion is an error.
    """
    keys = [c.key for c in criteria]
    if weights is None:
        raw = {c.key: c.weight for c in criteria}
    else:
        unknown = sorted(set(weights) - set(keys))
        if unknown:
            raise InvalidWeights(f"weights name unknown criteria: {', '.join(unknown)}")
        raw = {k: weights.get(k, 0.0) for k in keys}
    shares = normalise_weights(raw)
    return np.array([shares[k] for k in keys], dtype=float)


@dataclass(frozen=True, eq=False)
class ScoreArrays:
    """Per-vendor arrays behind a ranking, reused by robustness and flip weights.

    normalised: (V, K) means on 0-1, NaN where missing. scores: (V,) 0-100, NaN if incomplete.
    """

    shares: np.ndarray
    normalised: np.ndarray
    scores: np.ndarray
    incomplete: np.ndarray
    knocked: np.ndarray  # (V, K) bool: mean below that criterion's knockout threshold

    @property
    def eligible(self) -> np.ndarray:
        """Vendors that compete for rank 1: complete and not knocked out."""
        return ~self.incomplete & ~self.knocked.any(axis=1)


def score_arrays(matrix: ScoreMatrix, shares: np.ndarray) -> ScoreArrays:
    """Compute the 0-100 scores, incompleteness and knockouts for one share vector."""
    normalised = matrix.normalised_means
    missing = matrix.counts == 0
    weighted = shares > 0
    incomplete = (missing & weighted).any(axis=1)
    contributions = np.where(weighted, np.nan_to_num(normalised, nan=0.0) * shares, 0.0)
    scores = np.clip(100.0 * contributions.sum(axis=1), 0.0, 100.0)
    scores = np.where(incomplete, np.nan, scores)
    thresholds = np.array(
        [np.nan if c.knockout_below is None else float(c.knockout_below) for c in matrix.criteria]
    )
    # A knockout needs evidence: a missing mean is a gap (if weighted), never a knockout.
    with np.errstate(invalid="ignore"):
        knocked = ~missing & (matrix.means < thresholds)
    return ScoreArrays(shares, normalised, scores, incomplete, knocked)


def competition_ranks(sorted_scores: Sequence[float], start: int = 1) -> list[int]:
    """Standard competition ranks ("1, 1, 3") for scores sorted best first.

    A score within TIE_TOLERANCE of the previous one shares its rank (ties chain).
    """
    ranks: list[int] = []
    for position, score in enumerate(sorted_scores):
        if position and sorted_scores[position - 1] - score <= TIE_TOLERANCE:
            ranks.append(ranks[-1])
        else:
            ranks.append(start + position)
    return ranks


def order_by_score(
    indices: Iterable[int], scores: np.ndarray, ids: Sequence[VendorId]
) -> list[int]:
    """Indices best score first; scores within TIE_TOLERANCE are ordered by vendor id."""
    by_score = sorted(indices, key=lambda i: -scores[i])
    groups: list[list[int]] = []
    for i in by_score:
        if groups and scores[groups[-1][-1]] - scores[i] <= TIE_TOLERANCE:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [i for group in groups for i in sorted(group, key=lambda j: vendor_sort_key(ids[j]))]


def rank_matrix(matrix: ScoreMatrix, shares: np.ndarray) -> Ranking:
    """Rank the vendors of ``matrix`` under ``shares`` (aligned with matrix.criteria)."""
    arrays = score_arrays(matrix, shares)
    keys = matrix.keys
    ids = matrix.vendors
    knocked_any = arrays.knocked.any(axis=1)
    open_group = [i for i in range(len(ids)) if not arrays.incomplete[i] and not knocked_any[i]]
    ko_group = [i for i in range(len(ids)) if not arrays.incomplete[i] and knocked_any[i]]
    incomplete_group = sorted(
        (i for i in range(len(ids)) if arrays.incomplete[i]), key=lambda i: vendor_sort_key(ids[i])
    )
    ordered_open = order_by_score(open_group, arrays.scores, ids)
    ordered_ko = order_by_score(ko_group, arrays.scores, ids)
    rank_of: dict[int, int | None] = {}
    for group, start in ((ordered_open, 1), (ordered_ko, len(ordered_open) + 1)):
        ranks = competition_ranks([float(arrays.scores[i]) for i in group], start)
        rank_of.update(zip(group, ranks, strict=True))

    results = []
    for i in ordered_open + ordered_ko + incomplete_group:
        score = arrays.scores[i]
        results.append(
            VendorResult(
                vendor=ids[i],
                score=None if np.isnan(score) else float(score),
                rank=rank_of.get(i),
                knocked_out=bool(knocked_any[i]),
                knockouts=tuple(k for k, hit in zip(keys, arrays.knocked[i], strict=True) if hit),
                incomplete=bool(arrays.incomplete[i]),
                gaps=tuple(
                    k
                    for k, n, w in zip(keys, matrix.counts[i], shares, strict=True)
                    if n == 0 and w > 0
                ),
                criterion_means={k: _opt(m) for k, m in zip(keys, matrix.means[i], strict=True)},
                spread={k: _spread(matrix, i, j) for j, k in enumerate(keys)},
            )
        )
    return Ranking(
        scale=matrix.scale,
        weights={k: float(w) for k, w in zip(keys, shares, strict=True)},
        results=tuple(results),
    )


def rank_vendors(
    scale: Scale,
    criteria: Sequence[Criterion],
    vendors: Sequence[VendorId],
    scores: Iterable[ScoreValue],
    weights: Mapping[str, float] | None = None,
) -> Ranking:
    """Rank vendors from raw submitted scores (see module docstring for the formula).

    ``weights`` overrides the criteria's weights (omitted criteria weigh 0).
    """
    matrix = build_score_matrix(scale, criteria, vendors, scores)
    return rank_matrix(matrix, share_vector(matrix.criteria, weights))


def _opt(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _spread(matrix: ScoreMatrix, v: int, k: int) -> Spread:
    return Spread(
        n=int(matrix.counts[v, k]),
        std=_opt(matrix.stds[v, k]),
        min=_opt(matrix.mins[v, k]),
        max=_opt(matrix.maxs[v, k]),
    )

"""How sure is the ranking? Evaluator and weight uncertainty, exact flip weights, and what
happens when one evaluator is left out.

Only vendors that are complete and not knocked out compete here (the eligible vendors):
knockouts and gaps are decided on the submitted means, so sampling cannot revive them.

Two sources of uncertainty are sampled together, one draw of each per sample (a two-stage
Bayesian bootstrap; Rubin 1981):

1. **Evaluators**: a Bayesian bootstrap over the evaluators, weights g ~ Dirichlet(1, ..., 1);
   each cell's mean becomes the g-weighted mean of the evaluators who scored that cell. Who
   happened to be on the panel is uncertain, and with three evaluators one of them can decide
   the winner; this is what the weights alone never show. Scores *within* an evaluator are not
   resampled separately: an evaluator gives one value per vendor and criterion, so there is
   nothing below the evaluator to resample, and an evaluator's leniency moves all of their
   scores together (resampling the evaluator carries it).
2. **Weights**: shares w ~ Dirichlet(concentration * current shares).

p_rank1 and the rank acceptability count ranks over these joint draws. With one evaluator the
first stage changes nothing and the figures are the weight-only ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .domain import EvaluatorId, VendorId, vendor_sort_key
from .errors import InvalidSampling
from .matrix import ScoreMatrix, drop_evaluator
from .ranking import TIE_TOLERANCE, Ranking, score_arrays

#: Dirichlet concentration: alpha_k = concentration * w_k. With 100, a share of 0.30 varies
#: with a standard deviation of about 0.045 (sqrt(w(1-w)/(c+1))): "roughly +-5 points".
DEFAULT_CONCENTRATION = 100.0
DEFAULT_SAMPLES = 10_000

#: Cells (samples x eligible vendors x criteria) sampled per chunk: bounds memory.
_CHUNK_CELLS = 1_000_000

#: Slopes (score points per unit share) closer than this count as parallel: no crossing.
_SLOPE_TOLERANCE = 1e-12

#: A rival that scores at least the leader's score in this share of the draws or more is
#: statistically tied with the leader (the leader's margin's 95 % interval reaches zero).
TIED_SHARE = 0.025


@dataclass(frozen=True)
class Robustness:
    """Rank probabilities under evaluator and weight uncertainty.

    p_rank1: every vendor -> probability (0-1) of ranking first among eligible vendors; 0 for
    vendors that are not eligible; sums to 1 when at least one vendor is eligible (ties in a
    sample split that sample equally). acceptability: eligible vendor -> tuple of P(rank r),
    r = 1..n_eligible; each row and each column sums to 1. ``eligible`` is in ranking order.
    evaluators_resampled: True when two or more evaluators were resampled. p_beats_leader:
    eligible vendor other than the leader (first eligible) -> share of draws in which it scores
    at least the leader's score. statistically_tied: those with p_beats_leader >= TIED_SHARE.
    leader_margin_ci95: 95 % interval of the leader's score minus the runner-up's (points).
    """

    samples: int
    concentration: float
    seed: int
    eligible: tuple[VendorId, ...]
    p_rank1: dict[VendorId, float]
    acceptability: dict[VendorId, tuple[float, ...]]
    evaluators_resampled: bool = False
    p_beats_leader: dict[VendorId, float] | None = None
    statistically_tied: tuple[VendorId, ...] = ()
    leader_margin_ci95: tuple[float, float] | None = None


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


def sample_evaluator_weights(n_evaluators: int, *, samples: int, seed: int) -> np.ndarray:
    """(samples, E) Bayesian-bootstrap weights over the evaluators: Dirichlet(1, ..., 1).

    Drawn from their own stream ([seed, 2]) so the weight samples stay those of sample_weights.
    """
    if n_evaluators <= 1:
        return np.ones((samples, max(n_evaluators, 1)))
    return np.random.default_rng([seed, 2]).dirichlet(np.ones(n_evaluators), size=samples)


def _sampled_utilities(values: np.ndarray, present: np.ndarray, g: np.ndarray, w: np.ndarray,
                       scale_min: float, span: float) -> np.ndarray:
    """(S, n) scores 0-100 under evaluator weights g (S, E) and criterion shares w (S, K).

    values / present: (E, n*K), values filled with 0 where an evaluator gave none. A cell's
    mean is the g-weighted mean of the evaluators who scored it; the bootstrap weights sum to 1,
    so without empty cells no denominator is needed. A cell nobody scored counts 0, which only
    happens on criteria with share 0 for a competing vendor. The 0-100 mapping is linear, so it
    is applied after the weighted sum (shares sum to 1): one batched product per sample.
    """
    n_cells = values.shape[1]
    K = w.shape[1]
    means = g @ values  # (S, n*K)
    if not present.all():
        den = g @ present  # one product and an in-place division beat fixing columns by index
        np.maximum(den, 1e-300, out=den)  # a cell nobody scored: 0 / tiny = 0
        means /= den
    raw = np.matmul(means.reshape(len(g), n_cells // K, K), w[:, :, None])[:, :, 0]
    return 100.0 * (raw - scale_min * w.sum(axis=1, keepdims=True)) / span


def robustness(
    matrix: ScoreMatrix,
    ranking: Ranking,
    *,
    samples: int = DEFAULT_SAMPLES,
    concentration: float = DEFAULT_CONCENTRATION,
    seed: int = 0,
) -> Robustness:
    """p_rank1, rank acceptability and the leader's statistical ties for ``ranking`` (computed
    from ``matrix``), over joint draws of evaluators and weights (module docstring).

    Reproducible: the same inputs and seed give the same figures on any machine with the
    same numpy bit generator (PCG64).
    """
    shares = np.array([ranking.weights[k] for k in matrix.keys])
    weights = sample_weights(shares, samples=samples, concentration=concentration, seed=seed)
    index = {v: i for i, v in enumerate(matrix.vendors)}
    eligible = tuple(r.vendor for r in ranking.results if r.rank is not None and not r.knocked_out)
    p_rank1 = dict.fromkeys(matrix.vendors, 0.0)
    acceptability: dict[VendorId, tuple[float, ...]] = {}
    n_eval = len(matrix.evaluators)
    resampled = n_eval > 1
    if not eligible:
        return Robustness(samples, float(concentration), seed, eligible, p_rank1, acceptability,
                          resampled)
    rows = [index[v] for v in eligible]
    n, K = len(rows), len(matrix.keys)
    g_all = sample_evaluator_weights(n_eval, samples=samples, seed=seed)
    if resampled:
        # Dirichlet columns go to the evaluators in an order set by their scores, not their
        # ids, so relabelling the evaluators cannot change a single figure.
        canonical = sorted(range(n_eval), key=lambda e: tuple(
            np.nan_to_num(matrix.values[e].ravel(), nan=-1.0).tolist()))
        raw = matrix.values[canonical][:, rows, :].reshape(n_eval, -1)
        present = (~np.isnan(raw)).astype(float)
        filled = np.nan_to_num(raw, nan=0.0)
    else:
        arrays = score_arrays(matrix, shares)
        fixed = 100.0 * np.nan_to_num(arrays.normalised[rows], nan=0.0)  # (n, K) 0-100
    step = max(1, _CHUNK_CELLS // (n * K))
    probabilities = np.zeros((n, n))
    beats = np.zeros(n)
    margins = []
    for first in range(0, samples, step):
        chunk = weights[first : first + step]
        if resampled:
            utilities = _sampled_utilities(filled, present, g_all[first : first + step], chunk,
                                           float(matrix.scale.min), float(matrix.scale.span))
        else:
            utilities = chunk @ fixed.T  # (chunk, n): scores 0-100 under each sampled vector
        probabilities += rank_probabilities(utilities) * (len(chunk) / samples)
        beats += (utilities >= utilities[:, :1] - TIE_TOLERANCE).sum(axis=0)
        if n > 1:
            margins.append(utilities[:, 0] - utilities[:, 1])
    for vendor, row in zip(eligible, probabilities, strict=True):
        p_rank1[vendor] = float(row[0])
        acceptability[vendor] = tuple(float(p) for p in row)
    p_beats = {v: float(b / samples) for v, b in zip(eligible[1:], beats[1:], strict=True)}
    tied = tuple(v for v, p in p_beats.items() if p >= TIED_SHARE)
    margin_ci = None
    if margins:
        lo, hi = np.percentile(np.concatenate(margins), [2.5, 97.5])
        margin_ci = (float(lo), float(hi))
    return Robustness(samples, float(concentration), seed, eligible, p_rank1, acceptability,
                      resampled, p_beats, tied, margin_ci)


@dataclass(frozen=True)
class EvaluatorDrop:
    """The ranking without one evaluator's scores.

    winners: rank-1 vendors (not knocked out) without them; winner_changes: not the same set as
    with everyone; leader_rank / leader_score: where the current leader lands (None when it
    becomes incomplete, i.e. only this evaluator scored one of its weighted criteria).
    """

    evaluator: EvaluatorId
    winners: tuple[VendorId, ...]
    winner_changes: bool
    leader_rank: int | None
    leader_score: float | None


def leave_one_evaluator_out(matrix: ScoreMatrix, ranking: Ranking) -> tuple[EvaluatorDrop, ...]:
    """Re-rank with each evaluator left out in turn (same weights). Empty with one evaluator or
    no winner: there is nobody to leave out, or nothing to survive.

    Only the scores, knockouts and gaps are recomputed (score_arrays), not the full Ranking
    with its spreads: the same rules as rank_matrix (open vendors first, competition ranks
    within TIE_TOLERANCE, knocked-out vendors after them, ties in vendor order).
    """
    if len(matrix.evaluators) < 2 or ranking.winner is None:
        return ()
    shares = np.array([ranking.weights[k] for k in matrix.keys])
    leader = matrix.vendors.index(ranking.winner)
    out = []
    for evaluator in matrix.evaluators:
        arrays = score_arrays(drop_evaluator(matrix, evaluator), shares)
        knocked = arrays.knocked.any(axis=1)
        open_ = ~arrays.incomplete & ~knocked
        scores = arrays.scores
        winners: tuple[VendorId, ...] = ()
        if open_.any():
            top = np.nanmax(np.where(open_, scores, np.nan))
            winners = tuple(sorted((v for i, v in enumerate(matrix.vendors)
                                    if open_[i] and top - scores[i] <= TIE_TOLERANCE),
                                   key=vendor_sort_key))
        rank = None
        if not arrays.incomplete[leader]:
            group = open_ if open_[leader] else (~arrays.incomplete & knocked)
            ahead = group & (scores - scores[leader] > TIE_TOLERANCE)
            rank = int(ahead.sum()) + 1 + (0 if open_[leader] else int(open_.sum()))
        score = None if arrays.incomplete[leader] else float(scores[leader])
        out.append(EvaluatorDrop(evaluator, winners, set(winners) != set(ranking.winners),
                                 rank, score))
    return tuple(out)


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

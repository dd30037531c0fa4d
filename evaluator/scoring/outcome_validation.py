"""Validation of the outcome model: how much evidence the history holds, the splits, the
figures with vendor-cluster bootstrap intervals, and the skill verdict (pure core).

Why a module of its own: the rules that decide whether the model may claim any skill are the
part a reviewer must be able to read in one place (docs/outcome-model.md, "Validation").

* Evidence: programs by the same vendor are not independent, so what counts is the number of
  vendors and how evenly the programs spread over them: the effective number of vendors is the
  inverse Simpson index 1 / sum(share_v^2) (Simpson 1949; Hill 1973), the number of equally
  sized vendors that would give the same concentration.
* Splits: vendor-grouped folds, and only **distinct** partitions count (with 5 vendors and 5
  folds every shuffle gives the same partition; counting it ten times would pretend to ten
  times the evidence). With no more vendors than folds: leave-one-vendor-out, once.
* Intervals: a cluster bootstrap over vendors (Field & Welsh 2007) of the out-of-fold
  predictions: vendors are drawn with replacement and carry all their programs. AUC is pooled
  within folds (each test fold's successful/unsuccessful pairs, so folds count by their pairs,
  not equally, and predictions from different folds' models are never compared).
* Verdict: "none" unless the data thresholds hold AND the lower bounds of both the AUC
  interval (> 0.5) and the Brier-improvement interval (> 0) clear chance.

Units: probabilities 0-1; AUC 0-1; Brier improvement as a share of the base-rate Brier score;
calibration-in-the-large in percentage points (mean prediction minus observed success rate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold

from .errors import ScoringError

#: Evidence a skill verdict needs (issue 21): vendors, effective vendors, largest vendor share.
MIN_SKILL_VENDORS = 10
MIN_EFFECTIVE_VENDORS = 8.0
MAX_VENDOR_SHARE = 0.40


class SplitError(ScoringError):
    """No vendor-grouped split leaves both outcomes in every training part."""


# --- evidence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """How much independent evidence the history holds. shares: programs per vendor (0-1)."""

    vendors: int
    effective_vendors: float
    largest_vendor_share: float
    missing: tuple[str, ...]  # what a skill verdict still needs, in words; empty when enough

    def to_dict(self) -> dict[str, Any]:
        return {"vendors": self.vendors, "effective_vendors": round(self.effective_vendors, 2),
                "largest_vendor_share": round(self.largest_vendor_share, 4),
                "thresholds": {"vendors": MIN_SKILL_VENDORS,
                               "effective_vendors": MIN_EFFECTIVE_VENDORS,
                               "largest_vendor_share": MAX_VENDOR_SHARE},
                "missing": list(self.missing)}


def data_evidence(groups: Sequence[Any]) -> Evidence:
    """Vendor count, inverse-Simpson effective count and largest share of the programs."""
    _, counts = np.unique(np.asarray([str(g) for g in groups]), return_counts=True)
    if counts.size == 0:
        return Evidence(0, 0.0, 0.0, (f"needs programs from at least {MIN_SKILL_VENDORS} "
                                      "vendors; you have none",))
    shares = counts / counts.sum()
    effective = float(1.0 / np.sum(shares ** 2))
    largest = float(shares.max())
    missing = []
    if counts.size < MIN_SKILL_VENDORS:
        missing.append(f"needs programs from at least {MIN_SKILL_VENDORS} vendors; you have "
                       f"{counts.size}")
    if largest > MAX_VENDOR_SHARE:
        missing.append(f"one vendor holds {largest:.0%} of the programs; no vendor may hold "
                       f"more than {MAX_VENDOR_SHARE:.0%}")
    if effective < MIN_EFFECTIVE_VENDORS:
        missing.append(f"the programs are concentrated on few vendors: the effective number of "
                       f"vendors is {effective:.1f}, it needs at least {MIN_EFFECTIVE_VENDORS:g}")
    return Evidence(int(counts.size), effective, largest, tuple(missing))


# --- splits -----------------------------------------------------------------------------------

Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Partitions:
    """Distinct vendor-grouped partitions. method: "leave-one-vendor-out" | "grouped-k-fold"."""

    method: str
    partitions: tuple[tuple[Split, ...], ...]
    folds: int  # folds per partition

    def to_dict(self, y: np.ndarray) -> dict[str, Any]:
        """Fold sizes (programs in each test fold of every partition) and unscorable folds
        (a test fold with only one outcome has no successful/unsuccessful pair: no AUC)."""
        sizes = [[int(len(test)) for _, test in p] for p in self.partitions]
        unscorable = sum(len(np.unique(y[test])) < 2 for p in self.partitions for _, test in p)
        return {"method": self.method, "distinct_partitions": len(self.partitions),
                "folds": self.folds, "fold_sizes": sizes,
                "unscorable_folds": int(unscorable),
                "total_folds": sum(len(p) for p in self.partitions)}


def _both_outcomes(y: np.ndarray, splits: Sequence[Split]) -> bool:
    return all(len(np.unique(y[train])) == 2 for train, _ in splits)


def distinct_partitions(y: np.ndarray, groups: np.ndarray, *, n_splits: int, repeats: int,
                        seed: int) -> Partitions:
    """Up to `repeats` distinct vendor-grouped partitions (leave-one-vendor-out when there are
    no more vendors than folds). Raises SplitError when none keeps both outcomes in training."""
    n_groups = len(np.unique(groups))
    if n_groups <= n_splits:
        splits = tuple(LeaveOneGroupOut().split(np.zeros(len(y)), y, groups))
        if not _both_outcomes(y, splits):
            raise SplitError("Cannot validate by vendor: one outcome comes from so few vendors "
                             "that a training split has no example of it. Record programs from "
                             "more vendors.")
        return Partitions("leave-one-vendor-out", (splits,), n_groups)
    seen: set[frozenset] = set()
    found: list[tuple[Split, ...]] = []
    for attempt in range(max(4 * repeats, 20)):
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True,
                                        random_state=seed + attempt)
        splits = tuple(splitter.split(np.zeros(len(y)), y, groups))
        key = frozenset(frozenset(groups[test].tolist()) for _, test in splits)
        if key in seen or not _both_outcomes(y, splits):
            continue
        seen.add(key)
        found.append(splits)
        if len(found) == repeats:
            break
    if not found:
        raise SplitError("Cannot validate by vendor: one outcome comes from so few vendors that "
                         "a training split has no example of it. Record programs from more "
                         "vendors.")
    return Partitions("grouped-k-fold", tuple(found), n_splits)


def cluster_weights(groups: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """(1 + draws, n) case weights: row 0 the data as observed, then vendor-cluster bootstrap
    draws (each vendor drawn k times weighs its programs k)."""
    uniq, index = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(uniq), np.full(len(uniq), 1 / len(uniq)), size=draws)
    return np.vstack([np.ones(len(groups)), counts[:, index].astype(float)])


# --- figures ----------------------------------------------------------------------------------


def auc_parts(scores: np.ndarray, y: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concordant pairs (ties 1/2) and all successful/unsuccessful pairs, per row of case
    weights W (B x n). Written by hand: the bootstrap needs hundreds of AUCs of the same scores
    under different weights (one sort, then one cumulative sum per weight row)."""
    order = np.argsort(scores, kind="mergesort")
    s, yy, Wo = scores[order], y[order].astype(float), W[:, order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    pos = np.add.reduceat(Wo * yy, starts, axis=1)
    neg = np.add.reduceat(Wo * (1 - yy), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    return (pos * (below + 0.5 * neg)).sum(axis=1), pos.sum(axis=1) * neg.sum(axis=1)


def weighted_auc(scores: np.ndarray, y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """ROC AUC (ties count 1/2) for each row of case weights W (B x n); NaN without both classes."""
    num, den = auc_parts(scores, y, W)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def calibration_fit(p: np.ndarray, y: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calibration intercept and slope: logistic regression of y on logit(p), per weight row.

    Newton-Raphson by hand, vectorised over the bootstrap rows (one sklearn fit per row would be
    hundreds of fits). Slope 1 is ideal; below 1 the predictions are too extreme (overfit).
    NaN where the fit does not converge (e.g. perfect separation).
    """
    L = _logit(p)
    y = y.astype(float)
    theta = np.zeros((W.shape[0], 2))
    converged = np.zeros(W.shape[0], dtype=bool)
    for _ in range(50):
        mu = expit(theta[:, :1] + theta[:, 1:] * L)
        r = W * (y - mu)
        w = W * mu * (1 - mu)
        g = np.stack([r.sum(1), (r * L).sum(1)], axis=1)
        h00, h01, h11 = w.sum(1), (w * L).sum(1), (w * L * L).sum(1)
        det = h00 * h11 - h01 ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.stack([(h11 * g[:, 0] - h01 * g[:, 1]) / det,
                             (h00 * g[:, 1] - h01 * g[:, 0]) / det], axis=1)
        step = np.where(np.isfinite(step), step, 0.0)
        theta = theta + np.clip(step, -5, 5)
        converged = np.abs(step).max(axis=1) < 1e-8
        if converged.all():
            break
    bad = ~converged | (np.abs(theta[:, 1]) > 50)
    theta[bad] = np.nan
    return theta[:, 0], theta[:, 1]


def calibration_in_the_large(p: np.ndarray, y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Intercept of y on logit(p) with the slope fixed at 1 (logit(p) as offset), per weight
    row: 0 = no overall over- or under-prediction; negative = predicts too much success."""
    L = _logit(p)
    y = y.astype(float)
    alpha = np.zeros(W.shape[0])
    for _ in range(50):
        mu = expit(alpha[:, None] + L)
        g = (W * (y - mu)).sum(1)
        h = (W * mu * (1 - mu)).sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(h > 0, g / h, 0.0)
        alpha = alpha + np.clip(step, -5, 5)
        if np.abs(step).max() < 1e-10:
            break
    return alpha


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Figures:
    """Validation figures: row 0 of each array is the observed data, the rest bootstrap draws."""

    auc: np.ndarray
    brier: np.ndarray
    base: np.ndarray
    slope: np.ndarray
    in_the_large: np.ndarray
    over_prediction_points: np.ndarray


def validation_figures(oof: np.ndarray, base: np.ndarray, y: np.ndarray,
                       partitions: Partitions, W: np.ndarray, *, chunk: int = 100) -> Figures:
    """Pooled-within-fold AUC, Brier scores, calibration slope and calibration-in-the-large for
    every weight row of W, averaged over the partitions (oof/base: partitions x programs)."""
    rows = W.shape[0]
    out = {name: np.zeros(rows) for name in Figures.__dataclass_fields__}
    n_part = len(partitions.partitions)
    for lo in range(0, rows, chunk):  # chunks bound the memory for large n
        Wc = W[lo:lo + chunk]
        sl = slice(lo, lo + chunk)
        for r, splits in enumerate(partitions.partitions):
            num = np.zeros(len(Wc))
            den = np.zeros(len(Wc))
            for _, test in splits:
                a, b = auc_parts(oof[r, test], y[test], Wc[:, test])
                num += a
                den += b
            with np.errstate(invalid="ignore", divide="ignore"):
                out["auc"][sl] += np.where(den > 0, num / den, np.nan) / n_part
            total = Wc.sum(1)
            out["brier"][sl] += (Wc * (oof[r] - y) ** 2).sum(1) / total / n_part
            out["base"][sl] += (Wc * (base[r] - y) ** 2).sum(1) / total / n_part
            out["slope"][sl] += calibration_fit(oof[r], y, Wc)[1] / n_part
            out["in_the_large"][sl] += calibration_in_the_large(oof[r], y, Wc) / n_part
            out["over_prediction_points"][sl] += (
                100 * (Wc * (oof[r] - y)).sum(1) / total / n_part)
    return Figures(**out)


def summary(draws: np.ndarray, digits: int = 4) -> dict[str, Any]:
    """{"mean": the observed figure (row 0), "ci95": percentile interval of the draws or None}."""
    point = float(draws[0])
    finite = draws[1:][np.isfinite(draws[1:])]
    ci = ([round(float(v), digits) for v in np.percentile(finite, [2.5, 97.5])]
          if len(finite) >= 10 else None)
    return {"mean": round(point, digits) if math.isfinite(point) else None, "ci95": ci}


def _wilson(k: float, n: float, z: float = 1.96) -> list[float]:
    if n <= 0:
        return [0.0, 1.0]
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def calibration_bins(p: np.ndarray, y: np.ndarray, n_bins: int = 5) -> list[dict[str, Any]]:
    """Programs grouped by predicted probability (equal-count bins): predicted vs observed."""
    n_bins = max(1, min(n_bins, len(p) // 10))
    order = np.argsort(p, kind="mergesort")
    out = []
    for chunk in np.array_split(order, n_bins):
        k, n = float(y[chunk].sum()), len(chunk)
        out.append({"n": n, "predicted_from": round(float(p[chunk].min()), 4),
                    "predicted_to": round(float(p[chunk].max()), 4),
                    "mean_predicted": round(float(p[chunk].mean()), 4),
                    "observed": round(k / n, 4), "observed_ci95": _wilson(k, n)})
    return out


# --- verdict ----------------------------------------------------------------------------------

LEVEL_TEXT = {
    "weak": ("Weak skill: better than chance, but it separates successful from unsuccessful "
             "programs only slightly. Treat predictions as a faint hint."),
    "moderate": ("Moderate skill: it separates successful from unsuccessful programs better "
                 "than chance, with wide uncertainty. Advisory only."),
    "good": ("Good skill in validation, on past programs like these. Advisory only: it cannot "
             "know what is specific to this program."),
}


@dataclass(frozen=True)
class Verdict:
    """level: none | weak | moderate | good; reason: why "none" (None otherwise)."""

    level: str
    text: str
    reason: str | None


def skill_verdict(auc: dict[str, Any], brier_skill: dict[str, Any], evidence: Evidence, *,
                  order_kept: bool = True) -> Verdict:
    """No verdict but "none" without enough vendors, an AUC interval above 0.5 and a Brier
    improvement interval above 0 (lower bounds, not point estimates). Every level is advisory."""
    auc_ci, gain_ci = auc.get("ci95"), brier_skill.get("ci95")
    reason = None
    if evidence.missing:
        reason = "not enough independent evidence: " + "; ".join(evidence.missing)
    elif auc.get("mean") is None or auc_ci is None:
        reason = "the AUC's uncertainty could not be estimated"
    elif auc_ci[0] <= 0.5:
        reason = (f"the AUC's 95 % interval ({auc_ci[0]:.2f} to {auc_ci[1]:.2f}) reaches 0.5, "
                  "which is chance")
    elif gain_ci is None or gain_ci[0] <= 0:
        shown = (f" ({gain_ci[0]:+.0%} to {gain_ci[1]:+.0%})" if gain_ci else "")
        reason = ("its probabilities may be no better than always predicting the base rate: "
                  f"the 95 % interval of the improvement{shown} reaches zero")
    elif not order_kept:
        reason = "the final calibration found no ordering to keep (it predicts the base rate)"
    if reason is not None:
        return Verdict("none", f"No demonstrated skill: {reason}. Its predictions are withheld; "
                               "do not use it to rank vendors.", reason)
    level = "weak" if auc["mean"] < 0.65 else "moderate" if auc["mean"] < 0.75 else "good"
    return Verdict(level, LEVEL_TEXT[level], None)

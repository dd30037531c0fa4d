"""Outcome model: which pre-award signals predicted how past programs turned out (pure core).

Why this shape: our users have tens to a few hundred past programs, so the model is small and
heavily regularised (median imputation, standardisation, L2 logistic regression, probabilities
calibrated with a sigmoid on cross-validated scores), and validation is what matters most.
Validation is repeated stratified k-fold **grouped by vendor** (a vendor's programs never sit on
both sides of a split), and everything that learns from data (imputer medians, scaler, the
regression and its calibration) is fitted inside each training fold, so no held-out program
influences its own prediction. Intervals come from a vendor-cluster bootstrap of the
out-of-fold predictions. The fitted model is kept as plain numbers (`ModelParams`), never as a
pickle: it is stored as JSON and predicted with numpy.

Units: probabilities 0-1; effects are calibrated log-odds per standard deviation of a feature
(odds ratio = exp(effect)); a contribution is a feature's share of one prediction's log-odds.
Everything is seeded: the same data, settings and seed give the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit
from scipy.stats import t as student_t
from sklearn.calibration import CalibratedClassifierCV
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .errors import ScoringError

MIN_PROGRAMS = 30
MIN_PER_OUTCOME = 8
MIN_VENDORS = 3
LARGE_DATA = 500  # programs; above this, fewer repeats and bootstrap draws (see train)
MIN_COVERAGE = 0.5  # a feature must be recorded for at least half of the programs
FORMAT = "evaluator-logistic-v1"
Progress = Callable[[int, int], None]


class OutcomeModelError(ScoringError):
    """The outcome model cannot be trained or used as asked (the message says why)."""


class InsufficientData(OutcomeModelError):
    """Too few programs, outcomes or vendors to train and validate honestly."""


# --- features ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureSelection:
    features: tuple[str, ...]
    dropped: dict[str, str]  # feature -> why it is not used


def select_features(
    rows: Sequence[Mapping[str, float | None]], *, preferred: Sequence[str] = (),
    min_coverage: float = MIN_COVERAGE,
) -> FeatureSelection:
    """Numeric features recorded often enough and varying; `preferred` names come first, in order."""
    names = {k for row in rows for k in row}
    order = [k for k in preferred if k in names] + sorted(names - set(preferred))
    keep, dropped = [], {}
    n = len(rows)
    for name in order:
        values = [row.get(name) for row in rows]
        present = [v for v in values if v is not None and math.isfinite(v)]
        if n == 0 or len(present) < min_coverage * n:
            dropped[name] = (f"recorded for {len(present)} of {n} programs "
                             f"(needs at least {min_coverage:.0%})")
        elif max(present) == min(present):
            dropped[name] = "the same value in every program that records it"
        else:
            keep.append(name)
    return FeatureSelection(tuple(keep), dropped)


def feature_matrix(rows: Sequence[Mapping[str, float | None]], features: Sequence[str]) -> np.ndarray:
    """rows x features as float, NaN where a program does not record a feature."""
    out = np.full((len(rows), len(features)), np.nan)
    for i, row in enumerate(rows):
        for j, name in enumerate(features):
            value = row.get(name)
            if value is not None:
                out[i, j] = float(value)
    return out


def check_training_data(y: np.ndarray, groups: np.ndarray) -> None:
    """Refuse, saying what is missing, when the data cannot support an honest model."""
    n, n_success = len(y), int(np.sum(y == 1))
    n_failure = n - n_success
    missing = []
    if n < MIN_PROGRAMS:
        missing.append(f"at least {MIN_PROGRAMS} past programs with a known outcome "
                       f"(there are {n}; record {MIN_PROGRAMS - n} more)")
    for label, count in (("successful", n_success), ("unsuccessful", n_failure)):
        if count < MIN_PER_OUTCOME:
            missing.append(f"at least {MIN_PER_OUTCOME} {label} programs (there are {count}; "
                           f"record {MIN_PER_OUTCOME - count} more)")
    n_groups = len(set(groups.tolist()))
    if n_groups < MIN_VENDORS:
        missing.append(f"programs from at least {MIN_VENDORS} vendors, so that validation can "
                       f"keep each vendor on one side of a split (there are {n_groups})")
    if missing:
        raise InsufficientData("Not enough data to train the outcome model: it needs "
                               + "; ".join(missing) + ".")


# --- the fitted model as plain numbers --------------------------------------------------------


@dataclass(frozen=True)
class ModelParams:
    """The whole fitted pipeline as numbers: p = sigmoid(-(a * (coef . z + intercept) + b)),
    z = (x imputed by `impute` - mean) / scale. Stored as JSON (to_dict), never pickled."""

    features: tuple[str, ...]
    impute: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    cal_a: float
    cal_b: float

    @property
    def effects(self) -> np.ndarray:
        """Calibrated log-odds per standard deviation of each feature."""
        return -self.cal_a * np.asarray(self.coef)

    @property
    def base_log_odds(self) -> float:
        """Log-odds of a program with every feature at the training mean."""
        return float(-(self.cal_a * self.intercept + self.cal_b))

    def standardise(self, X: np.ndarray) -> np.ndarray:
        X = np.array(X, dtype=float, ndmin=2)
        X = np.where(np.isnan(X), np.asarray(self.impute), X)
        return (X - np.asarray(self.mean)) / np.asarray(self.scale)

    def log_odds(self, X: np.ndarray) -> np.ndarray:
        return self.standardise(X) @ self.effects + self.base_log_odds

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probability of success (0-1) per row; NaN features take the training median."""
        return expit(self.log_odds(X))

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "features": list(self.features), "impute": list(self.impute),
                "mean": list(self.mean), "scale": list(self.scale), "coef": list(self.coef),
                "intercept": self.intercept, "calibration": {"a": self.cal_a, "b": self.cal_b}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelParams:
        """Rebuild from stored JSON; refuses anything malformed rather than predicting nonsense."""
        try:
            if data["format"] != FORMAT:
                raise OutcomeModelError(f"Unknown model format {data['format']!r}.")
            features = tuple(str(f) for f in data["features"])
            vectors = [tuple(float(v) for v in data[k]) for k in ("impute", "mean", "scale", "coef")]
            scalars = (float(data["intercept"]), float(data["calibration"]["a"]),
                       float(data["calibration"]["b"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise OutcomeModelError(f"The stored model is malformed ({exc}).") from exc
        if any(len(v) != len(features) for v in vectors) or not all(
            math.isfinite(x) for v in vectors for x in v
        ) or not all(math.isfinite(x) for x in scalars) or any(s <= 0 for s in vectors[2]):
            raise OutcomeModelError("The stored model is malformed (inconsistent parameters).")
        return cls(features, *vectors, *scalars)


def _pipeline(C: float) -> Pipeline:
    return Pipeline([
        # keep_empty_features: a feature missing in a whole training fold keeps its column.
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
        ("logistic", LogisticRegression(C=C, max_iter=1000)),  # L2 is the default penalty
    ])


def _splits(y: np.ndarray, groups: np.ndarray, k: int, seed: int, *,
            stratified: bool = True) -> list[tuple]:
    """k vendor-grouped folds. stratified=False (inner calibration folds) uses the much faster
    GroupKFold, falling back to stratification when a training part would lack an outcome."""
    if stratified:
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    splits = list(splitter.split(np.zeros(len(y)), y, groups))
    for train, _ in splits:
        if len(np.unique(y[train])) < 2:
            if not stratified:
                return _splits(y, groups, k, seed)
            raise InsufficientData(
                "Cannot validate by vendor: one outcome comes from so few vendors that a "
                "training split has no example of it. Record programs from more vendors.")
    return splits


def fit_params(X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, C: float = 1.0,
               seed: int = 0, inner_folds: int = 3) -> ModelParams:
    """Fit the pipeline and its sigmoid calibration on these rows only.

    The calibration is learned on scores predicted for vendor-grouped inner folds (GroupKFold)
    (CalibratedClassifierCV with ensemble=False), so it never sees a score for a program the
    regression was trained on; the regression itself is then refitted on all rows.
    """
    k = min(inner_folds, len(set(groups.tolist())))
    calibrated = CalibratedClassifierCV(
        _pipeline(C), method="sigmoid", cv=_splits(y, groups, k, seed, stratified=False),
        ensemble=False
    ).fit(X, y)
    fitted = calibrated.calibrated_classifiers_[0]
    pipe, sigmoid = fitted.estimator, fitted.calibrators[0]
    imputer, scaler, logistic = (pipe.named_steps[s] for s in ("impute", "scale", "logistic"))
    return ModelParams(
        features=tuple(f"x{j}" for j in range(X.shape[1])),
        impute=tuple(float(v) for v in imputer.statistics_),
        mean=tuple(float(v) for v in scaler.mean_), scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in logistic.coef_[0]), intercept=float(logistic.intercept_[0]),
        cal_a=float(sigmoid.a_), cal_b=float(sigmoid.b_),
    )


# --- validation metrics -----------------------------------------------------------------------


def weighted_auc(scores: np.ndarray, y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """ROC AUC (ties count 1/2) for each row of case weights W (B x n); NaN without both classes.

    Written by hand because the bootstrap needs hundreds of AUCs of the same scores under
    different weights: one sort, then one cumulative sum per weight row.
    """
    order = np.argsort(scores, kind="mergesort")
    s, yy, Wo = scores[order], y[order].astype(float), W[:, order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    pos = np.add.reduceat(Wo * yy, starts, axis=1)
    neg = np.add.reduceat(Wo * (1 - yy), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg
    num = (pos * (below + 0.5 * neg)).sum(axis=1)
    den = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def calibration_fit(p: np.ndarray, y: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calibration intercept and slope: logistic regression of y on logit(p), per weight row.

    Newton-Raphson by hand, vectorised over the bootstrap rows (one sklearn fit per row would be
    hundreds of fits). Slope 1 is ideal; below 1 the predictions are too extreme (overfit).
    NaN where the fit does not converge (e.g. perfect separation).
    """
    L = np.log(np.clip(p, 1e-9, 1 - 1e-9) / np.clip(1 - p, 1e-9, 1 - 1e-9))
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


def _summary(point: float, draws: np.ndarray, digits: int = 4) -> dict[str, Any]:
    finite = draws[np.isfinite(draws)]
    ci = ([round(float(v), digits) for v in np.percentile(finite, [2.5, 97.5])]
          if len(finite) >= 10 else None)
    return {"mean": None if not math.isfinite(point) else round(point, digits), "ci95": ci}


def _corrected_interval(values: np.ndarray, k: int) -> dict[str, Any]:
    """Mean of per-fold figures with a 95 % interval by the corrected resampled t-test.

    Folds share training programs, so their figures are correlated and the naive standard
    error is too small; Nadeau & Bengio (2003) inflate the variance by n_test / n_train
    (1 / (k - 1) for k folds): se = sd * sqrt(1 / J + 1 / (k - 1)) over J folds.
    """
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return {"mean": None, "ci95": None}
    mean = float(v.mean())
    if len(v) < 2:
        return {"mean": round(mean, 4), "ci95": None}
    se = float(v.std(ddof=1)) * math.sqrt(1 / len(v) + 1 / (k - 1))
    half = float(student_t.ppf(0.975, len(v) - 1)) * se
    return {"mean": round(mean, 4), "ci95": [round(mean - half, 4), round(mean + half, 4)]}


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


def skill_verdict(auc: dict, brier_skill: dict) -> tuple[str, str]:
    """(level, plain words): none / weak / moderate / good. Every level is advisory."""
    ci = auc.get("ci95")
    if auc["mean"] is None or ci is None or ci[0] <= 0.5 or (brier_skill["mean"] or 0) <= 0:
        return "none", ("No demonstrated skill: the cross-validated AUC's interval includes 0.5 "
                        "(chance) or the probabilities are no better than always predicting the "
                        "base rate. Do not use its predictions to rank vendors.")
    if auc["mean"] < 0.65:
        return "weak", ("Weak skill: better than chance, but it separates successful from "
                        "unsuccessful programs only slightly. Treat predictions as a faint hint.")
    if auc["mean"] < 0.75:
        return "moderate", ("Moderate skill: it separates successful from unsuccessful programs "
                            "better than chance, with wide uncertainty. Advisory only.")
    return "good", ("Good skill in validation, on past programs like these. Advisory only: it "
                    "cannot know what is specific to this program.")


# --- training ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainedModel:
    params: ModelParams
    metrics: dict[str, Any]
    effects: list[dict[str, Any]] = field(default_factory=list)


def _train(
    X: np.ndarray, y: np.ndarray, groups: Sequence[Any], features: Sequence[str], *,
    n_splits: int = 5, n_repeats: int | None = None, seed: int = 0, C: float = 1.0,
    bootstrap: int | None = None, effect_bootstrap: int | None = None,
    progress: Progress | None = None,
) -> TrainedModel:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=int)
    groups = np.asarray([str(g) for g in groups])
    if X.ndim != 2 or X.shape != (len(y), len(features)) or len(groups) != len(y):
        raise OutcomeModelError("Features, outcomes and vendors must describe the same programs.")
    if not set(np.unique(y).tolist()) <= {0, 1}:
        raise OutcomeModelError("Outcomes must be 0 (not a success) or 1 (success).")
    check_training_data(y, groups)
    if not features:
        raise InsufficientData("No usable feature: record numeric pre-award features (such as "
                               "criterion means) for at least half of the past programs.")
    small = len(y) <= LARGE_DATA
    n_repeats = n_repeats if n_repeats is not None else (10 if small else 3)
    bootstrap = bootstrap if bootstrap is not None else (500 if small else 200)
    effect_bootstrap = effect_bootstrap if effect_bootstrap is not None else (200 if small else 30)
    if n_repeats < 1 or n_splits < 2 or bootstrap < 0 or effect_bootstrap < 0:
        raise OutcomeModelError("Needs at least 2 folds, 1 repeat and a non-negative bootstrap.")
    n, p = X.shape
    k = min(n_splits, len(set(groups.tolist())))
    total, done = n_repeats * k + 1 + effect_bootstrap, 0
    oof = np.empty((n_repeats, n))
    base = np.empty((n_repeats, n))
    test_folds = []
    for r in range(n_repeats):
        for train_idx, test_idx in _splits(y, groups, k, seed + r):
            params = fit_params(X[train_idx], y[train_idx], groups[train_idx], C=C, seed=seed + r)
            oof[r, test_idx] = params.predict_proba(X[test_idx])
            base[r, test_idx] = y[train_idx].mean()  # baseline: the training fold's base rate
            test_folds.append((r, test_idx))
            done += 1
            if progress:
                progress(done, total)
    final = fit_params(X, y, groups, C=C, seed=seed)
    final = ModelParams(tuple(features), *[getattr(final, f) for f in (
        "impute", "mean", "scale", "coef", "intercept", "cal_a", "cal_b")])
    done += 1

    # Effects' uncertainty: refit the regression on vendor-cluster bootstrap resamples (fold
    # models share most of their programs, so their spread would be far too narrow). The
    # calibration factor of the final model is kept fixed.
    uniq, group_index = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng([seed, 1])
    members = [np.flatnonzero(group_index == g) for g in range(len(uniq))]
    boot_effects = []
    for _ in range(effect_bootstrap):
        rows = np.concatenate([members[g] for g in rng.integers(0, len(uniq), len(uniq))])
        if len(np.unique(y[rows])) == 2:
            logistic = _pipeline(C).fit(X[rows], y[rows]).named_steps["logistic"]
            boot_effects.append(-final.cal_a * logistic.coef_[0])
        done += 1
        if progress:
            progress(done, total)
    if progress:
        progress(total, total)

    # Per-fold figures. AUC is averaged over test folds (as sklearn's cross_val_score does):
    # pooling different folds' predictions would mix their intercepts and bias AUC on noise.
    fold_auc, fold_brier, fold_base = [], [], []
    for r, idx in test_folds:
        ones = np.ones((1, len(idx)))
        fold_auc.append(float(weighted_auc(oof[r, idx], y[idx], ones)[0]))
        fold_brier.append(float(np.mean((oof[r, idx] - y[idx]) ** 2)))
        fold_base.append(float(np.mean((base[r, idx] - y[idx]) ** 2)))
    fold_auc_arr, brier_arr, base_arr = map(np.asarray, (fold_auc, fold_brier, fold_base))
    base_mean = float(np.mean((base - y) ** 2))
    brier_mean = float(np.mean((oof - y) ** 2))
    auc = _corrected_interval(fold_auc_arr, k)
    finite = fold_auc_arr[np.isfinite(fold_auc_arr)]
    repeat_means = [float(np.nanmean(fold_auc_arr[[i for i, (r, _) in enumerate(test_folds)
                                                   if r == rr]])) for rr in range(n_repeats)]
    auc |= {"baseline": 0.5, "repeat_sd": round(float(np.nanstd(repeat_means)), 4),
            "fold_range": ([round(float(finite.min()), 4), round(float(finite.max()), 4)]
                           if len(finite) else None)}
    brier = _corrected_interval(brier_arr, k) | {"mean": round(brier_mean, 4)}
    baseline = _corrected_interval(base_arr, k) | {"mean": round(base_mean, 4)}
    gain = _corrected_interval((base_arr - brier_arr) / base_mean, k)
    skill = {"mean": round(1 - brier_mean / base_mean, 4), "ci95": gain["ci95"]}

    # Calibration intercept and slope: vendor-cluster bootstrap of the out-of-fold predictions
    # (row 0 of W: the data as observed), averaged over repeats.
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(uniq), np.full(len(uniq), 1 / len(uniq)), size=bootstrap)
    W = np.vstack([np.ones(n), counts[:, group_index].astype(float)])
    cal_a, cal_b = np.zeros(W.shape[0]), np.zeros(W.shape[0])
    for lo in range(0, W.shape[0], 100):  # chunks bound the memory for large n
        for r in range(n_repeats):
            a, b = calibration_fit(oof[r], y, W[lo:lo + 100])
            cal_a[lo:lo + 100] += a / n_repeats
            cal_b[lo:lo + 100] += b / n_repeats
    level, words = skill_verdict(auc, skill)
    metrics = {
        "n": n, "n_success": int(y.sum()), "n_failure": int(n - y.sum()),
        "n_vendors": len(uniq), "prevalence": round(float(y.mean()), 4),
        "folds": k, "repeats": n_repeats, "seed": seed, "bootstrap": bootstrap, "C": C,
        "auc": auc, "brier": brier, "brier_baseline": baseline, "brier_skill": skill,
        "calibration": {"slope": _summary(float(cal_b[0]), cal_b[1:]),
                        "intercept": _summary(float(cal_a[0]), cal_a[1:]),
                        "bins": calibration_bins(oof.mean(axis=0), y)},
        "skill": level, "skill_text": words,
    }
    fe = np.asarray(boot_effects).reshape(-1, p)
    effects = []
    for j, name in enumerate(features):
        eff = float(final.effects[j])
        ci = ([round(float(v), 4) for v in np.percentile(fe[:, j], [2.5, 97.5])]
              if len(fe) >= 10 else None)
        same_sign = float(np.mean(np.sign(fe[:, j]) == np.sign(eff))) if len(fe) else None
        effects.append({
            "feature": name, "effect": round(eff, 4), "odds_ratio": round(math.exp(eff), 4),
            "ci95": ci, "sign_agreement": None if same_sign is None else round(same_sign, 4),
            "sd": round(final.scale[j], 4), "median": round(final.impute[j], 4),
            "missing_share": round(float(np.isnan(X[:, j]).mean()), 4),
        })
    metrics["effect_bootstrap"] = len(fe)
    return TrainedModel(final, metrics, effects)


def train(
    X: np.ndarray, y: np.ndarray, groups: Sequence[Any], features: Sequence[str], *,
    n_splits: int = 5, n_repeats: int | None = None, seed: int = 0, C: float = 1.0,
    bootstrap: int | None = None, effect_bootstrap: int | None = None,
    progress: Progress | None = None,
) -> TrainedModel:
    """Validate by repeated vendor-grouped stratified k-fold, then fit on all programs.

    X: programs x features (NaN = not recorded); y: 1 success / 0 not; groups: vendor per
    program. Raises InsufficientData (see check_training_data) before any fitting.
    Defaults (None) depend on the size: up to LARGE_DATA programs 10 repeats, 500 bootstrap
    draws for the calibration figures and 200 refits for the effects' intervals; above it
    3 / 200 / 30 (with that much data the figures barely move between repeats).
    progress(done, total) is called after each fit. BLAS runs on one thread: the matrices
    are small and thread start-up costs more than it saves (4x slower on two cores).
    """
    with threadpool_limits(limits=1):
        return _train(X, y, groups, features, n_splits=n_splits, n_repeats=n_repeats, seed=seed,
                      C=C, bootstrap=bootstrap, effect_bootstrap=effect_bootstrap,
                      progress=progress)


# --- explanation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: float | None  # as given; None = imputed with the training median
    imputed: bool
    contribution: float  # log-odds relative to a program at the training mean


@dataclass(frozen=True)
class Explanation:
    probability: float
    base_log_odds: float
    contributions: tuple[Contribution, ...]


def explain(params: ModelParams, values: Mapping[str, float | None]) -> Explanation:
    """One prediction split into per-feature contributions that add up to its log-odds."""
    x = np.array([[np.nan if values.get(f) is None else float(values[f])
                   for f in params.features]])
    z = params.standardise(x)[0]
    parts = z * params.effects
    contributions = tuple(
        Contribution(f, None if values.get(f) is None else float(values[f]),
                     values.get(f) is None, float(c))
        for f, c in zip(params.features, parts, strict=True)
    )
    return Explanation(float(expit(parts.sum() + params.base_log_odds)), params.base_log_odds,
                       contributions)

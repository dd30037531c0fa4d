"""Outcome model: which pre-award signals predicted how past programs turned out (pure core).

Why this shape: our users have tens to a few hundred past programs, so the model is small and
heavily regularised (median imputation, standardisation, L2 logistic regression, probabilities
calibrated with a sigmoid on cross-validated scores), and validation is what matters most.
Validation (outcome_validation.py) uses distinct vendor-grouped partitions (a vendor's programs
never sit on both sides of a split), and everything that learns from data (imputer medians,
scaler, the regression and its calibration) is fitted inside each training fold, so no held-out
program influences its own prediction. Intervals come from a vendor-cluster bootstrap of the
out-of-fold predictions; no skill is claimed without enough vendors and intervals clear of
chance. The calibration can never reverse the regression's order (see fit_params). The fitted model is kept as plain numbers (`ModelParams`), never as a
pickle: it is stored as JSON and predicted with numpy.

Units: probabilities 0-1; effects are calibrated log-odds per standard deviation of a feature
(odds ratio = exp(effect)); a contribution is a feature's share of one prediction's log-odds.
Everything is seeded: the same data, settings and seed give the same figures.
Length: a little over 400 lines because features, the stored parameters, fitting and
explanation of one model read best together; the validation rules live in outcome_validation.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from . import outcome_validation as validation
from .errors import ScoringError
from .outcome_validation import (  # noqa: F401  (re-exported: older callers import them here)
    calibration_bins,
    calibration_fit,
    weighted_auc,
)

MIN_PROGRAMS = 30
MIN_PER_OUTCOME = 8
MIN_VENDORS = 3
LARGE_DATA = 500  # programs; above this, fewer repeats and bootstrap draws (see train)
MIN_COVERAGE = 0.5  # a feature must be recorded for at least half of the programs
FORMAT = "evaluator-logistic-v1"
#: Stored with each model: models validated under older rules are withheld until retrained.
VALIDATION_VERSION = 2
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

    The calibration may not reverse the regression's order: Platt's sigmoid
    p = 1 / (1 + exp(a * f + b)) keeps it only with a < 0. Its log-likelihood is concave in
    (a, b), so the fit constrained to a <= 0 is, whenever the free fit has a >= 0, the
    boundary a = 0: every program gets the base rate of these rows (b = -logit(base rate)).
    """
    k = min(inner_folds, len(set(groups.tolist())))
    calibrated = CalibratedClassifierCV(
        _pipeline(C), method="sigmoid", cv=_splits(y, groups, k, seed, stratified=False),
        ensemble=False
    ).fit(X, y)
    fitted = calibrated.calibrated_classifiers_[0]
    pipe, sigmoid = fitted.estimator, fitted.calibrators[0]
    imputer, scaler, logistic = (pipe.named_steps[s] for s in ("impute", "scale", "logistic"))
    cal_a, cal_b = float(sigmoid.a_), float(sigmoid.b_)
    if cal_a >= 0:
        rate = float(np.clip(np.mean(y), 1e-6, 1 - 1e-6))
        cal_a, cal_b = 0.0, -math.log(rate / (1 - rate))
    return ModelParams(
        features=tuple(f"x{j}" for j in range(X.shape[1])),
        impute=tuple(float(v) for v in imputer.statistics_),
        mean=tuple(float(v) for v in scaler.mean_), scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in logistic.coef_[0]), intercept=float(logistic.intercept_[0]),
        cal_a=cal_a, cal_b=cal_b,
    )


# --- training ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainedModel:
    """params: the model used; metrics: validation (docs/outcome-model.md); effects: one entry
    per feature, empty when the verdict is "none" (nothing learned worth showing)."""

    params: ModelParams
    metrics: dict[str, Any]
    effects: list[dict[str, Any]] = field(default_factory=list)


def _effect_draws(X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, draws: int, C: float,
                  seed: int, tick: Callable[[], None]) -> np.ndarray:
    """Effects of the whole fitted model (regression AND its calibration) refitted on vendor-
    cluster bootstrap resamples: (usable draws, features). A resample whose inner folds cannot
    hold both outcomes is skipped."""
    uniq, group_index = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(group_index == g) for g in range(len(uniq))]
    rng = np.random.default_rng([seed, 1])
    out = []
    for _ in range(draws):
        picked = rng.integers(0, len(uniq), len(uniq))
        rows = np.concatenate([members[g] for g in picked])
        # Copies of a vendor keep its name, so the inner calibration folds never hold the same
        # program on both sides (that would teach the sigmoid to be overconfident).
        if len(np.unique(y[rows])) == 2:
            try:
                out.append(fit_params(X[rows], y[rows], groups[rows], C=C, seed=seed).effects)
            except (InsufficientData, ValueError):
                pass
        tick()
    return np.asarray(out).reshape(-1, X.shape[1])


def _effects(final: ModelParams, features: Sequence[str], X: np.ndarray,
             draws: np.ndarray) -> list[dict[str, Any]]:
    effects = []
    for j, name in enumerate(features):
        eff = float(final.effects[j])
        ci = ([round(float(v), 4) for v in np.percentile(draws[:, j], [2.5, 97.5])]
              if len(draws) >= 10 else None)
        same_sign = float(np.mean(np.sign(draws[:, j]) == np.sign(eff))) if len(draws) else None
        effects.append({
            "feature": name, "effect": round(eff, 4), "odds_ratio": round(math.exp(eff), 4),
            "ci95": ci, "sign_agreement": None if same_sign is None else round(same_sign, 4),
            "sd": round(final.scale[j], 4), "median": round(final.impute[j], 4),
            "missing_share": round(float(np.isnan(X[:, j]).mean()), 4),
        })
    return effects


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
    effect_bootstrap = effect_bootstrap if effect_bootstrap is not None else (100 if small else 20)
    if n_repeats < 1 or n_splits < 2 or bootstrap < 0 or effect_bootstrap < 0:
        raise OutcomeModelError("Needs at least 2 folds, 1 repeat and a non-negative bootstrap.")
    try:
        partitions = validation.distinct_partitions(y, groups, n_splits=n_splits,
                                                    repeats=n_repeats, seed=seed)
    except validation.SplitError as exc:
        raise InsufficientData(str(exc)) from exc
    n = len(y)
    fits = sum(len(p) for p in partitions.partitions)
    total, done = fits + 1 + effect_bootstrap, 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    oof = np.empty((len(partitions.partitions), n))
    base = np.empty_like(oof)
    for r, splits in enumerate(partitions.partitions):
        for train_idx, test_idx in splits:
            params = fit_params(X[train_idx], y[train_idx], groups[train_idx], C=C, seed=seed + r)
            oof[r, test_idx] = params.predict_proba(X[test_idx])
            base[r, test_idx] = y[train_idx].mean()  # baseline: the training fold's base rate
            tick()
    final = fit_params(X, y, groups, C=C, seed=seed)
    final = ModelParams(tuple(features), *[getattr(final, f) for f in (
        "impute", "mean", "scale", "coef", "intercept", "cal_a", "cal_b")])
    tick()

    evidence = validation.data_evidence(groups)
    W = validation.cluster_weights(groups, bootstrap, seed)
    fig = validation.validation_figures(oof, base, y, partitions, W)
    auc = validation.summary(fig.auc) | {"baseline": 0.5, "method": "pooled within folds"}
    gain = validation.summary(1 - fig.brier / fig.base)
    verdict = validation.skill_verdict(auc, gain, evidence, order_kept=final.cal_a < 0)
    metrics = {
        "validation_version": VALIDATION_VERSION,
        "n": n, "n_success": int(y.sum()), "n_failure": int(n - y.sum()),
        "n_vendors": evidence.vendors, "prevalence": round(float(y.mean()), 4),
        "evidence": evidence.to_dict(), "splits": partitions.to_dict(y),
        "folds": partitions.folds, "repeats": len(partitions.partitions), "seed": seed,
        "bootstrap": bootstrap, "C": C, "interval_method": "vendor-cluster bootstrap",
        "auc": auc, "brier": validation.summary(fig.brier),
        "brier_baseline": validation.summary(fig.base), "brier_skill": gain,
        "calibration": {
            "slope": validation.summary(fig.slope),
            "in_the_large": validation.summary(fig.in_the_large),
            "in_the_large_points": validation.summary(fig.over_prediction_points, 2),
            "order_kept": final.cal_a < 0,
            "bins": validation.calibration_bins(oof.mean(axis=0), y),
        },
        "skill": verdict.level, "skill_text": verdict.text, "withheld_reason": verdict.reason,
    }
    effects: list[dict[str, Any]] = []
    if verdict.level != "none":
        draws = _effect_draws(X, y, groups, draws=effect_bootstrap, C=C, seed=seed, tick=tick)
        effects = _effects(final, features, X, draws)
        metrics["effect_bootstrap"] = len(draws)
    else:
        metrics["effect_bootstrap"] = 0
    if progress:
        progress(total, total)
    return TrainedModel(final, metrics, effects)


def train(
    X: np.ndarray, y: np.ndarray, groups: Sequence[Any], features: Sequence[str], *,
    n_splits: int = 5, n_repeats: int | None = None, seed: int = 0, C: float = 1.0,
    bootstrap: int | None = None, effect_bootstrap: int | None = None,
    progress: Progress | None = None,
) -> TrainedModel:
    """Validate on distinct vendor-grouped partitions, then fit on all programs.

    X: programs x features (NaN = not recorded); y: 1 success / 0 not; groups: vendor per
    program. Raises InsufficientData (see check_training_data) before any fitting.
    Defaults (None) depend on the size: up to LARGE_DATA programs up to 10 distinct partitions,
    500 vendor-bootstrap draws for the validation intervals and 100 refits of the calibrated
    model for the effects' intervals; above it 3 / 200 / 20 (with that much data the figures barely move).
    Effects are refitted only when the verdict is not "none" (none are shown otherwise).
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

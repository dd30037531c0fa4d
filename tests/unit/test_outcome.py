"""The outcome model core: refusal on small data, honest validation, no leakage, explanations."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from evaluator.scoring import ScoringError
from evaluator.scoring import outcome as core

FAST = {"n_repeats": 2, "bootstrap": 50, "effect_bootstrap": 20}


def logistic_data(n=300, seed=1, beta=(1.2, -0.9, 0.0, 0.6), vendors=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(beta)))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ np.asarray(beta))))).astype(int)
    groups = [f"v{i % vendors}" for i in range(n)]
    return X, y, groups, [f"f{j}" for j in range(len(beta))]


def test_planted_signal_has_the_right_signs_and_skill():
    X, y, groups, names = logistic_data()
    model = core.train(X, y, groups, names, **FAST)
    effects = {e["feature"]: e for e in model.effects}
    assert effects["f0"]["effect"] > 0 and effects["f1"]["effect"] < 0
    assert effects["f3"]["effect"] > 0
    assert effects["f0"]["ci95"][0] > 0 and effects["f1"]["ci95"][1] < 0
    assert model.metrics["auc"]["mean"] > 0.7
    assert model.metrics["auc"]["ci95"][0] > 0.5
    assert model.metrics["skill"] in ("moderate", "good")
    assert model.metrics["brier"]["mean"] < model.metrics["brier_baseline"]["mean"]


def test_cv_auc_matches_an_independent_scikit_learn_computation():
    X, y, groups, names = logistic_data(seed=7)
    model = core.train(X, y, groups, names, n_repeats=3, bootstrap=0, effect_bootstrap=0)
    independent = np.mean([
        cross_val_score(
            make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                          LogisticRegression()),
            X, y, groups=groups, scoring="roc_auc",
            cv=StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=r),
        ).mean()
        for r in range(3)
    ])
    assert model.metrics["auc"]["mean"] == pytest.approx(independent, abs=0.02)


def test_pure_noise_labels_get_chance_auc_and_no_skill():
    X, _, groups, names = logistic_data(n=200, seed=3)
    y = np.random.default_rng(99).integers(0, 2, len(X))
    model = core.train(X, y, groups, names, **FAST)
    assert abs(model.metrics["auc"]["mean"] - 0.5) < 0.1
    assert model.metrics["auc"]["ci95"][0] <= 0.5
    assert model.metrics["skill"] == "none"
    assert "No demonstrated skill" in model.metrics["skill_text"]


def test_no_leakage_many_noise_features_fit_well_in_sample_but_not_in_validation():
    # 80 programs, 60 noise features: a model fitted on all of them separates its own training
    # data perfectly, so any step fitted outside the training folds would show a high CV AUC.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 60))
    y = np.array([0, 1] * 40)
    groups = [f"v{i % 20}" for i in range(80)]
    model = core.train(X, y, groups, [f"n{j}" for j in range(60)], **FAST)
    in_sample = roc_auc_score(y, core._pipeline(1.0).fit(X, y).decision_function(X))
    assert in_sample > 0.95
    assert abs(model.metrics["auc"]["mean"] - 0.5) < 0.1
    assert model.metrics["skill"] == "none"


def test_noise_feature_next_to_a_planted_signal():
    rng = np.random.default_rng(11)
    signal, noise = rng.normal(size=400), rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-2 * signal))).astype(int)
    groups = [f"v{i % 50}" for i in range(400)]
    alone = core.train(noise[:, None], y, groups, ["noise"], **FAST)
    both = core.train(np.c_[signal, noise], y, groups, ["signal", "noise"], **FAST)
    assert abs(alone.metrics["auc"]["mean"] - 0.5) < 0.08
    assert both.metrics["auc"]["mean"] > 0.75
    effects = {e["feature"]: e for e in both.effects}
    assert abs(effects["signal"]["effect"]) > 4 * abs(effects["noise"]["effect"])
    lo, hi = effects["noise"]["ci95"]
    assert lo < 0 < hi


def test_training_is_reproducible_and_seeded():
    X, y, groups, names = logistic_data(n=120, seed=2)
    a = core.train(X, y, groups, names, seed=4, **FAST)
    b = core.train(X, y, groups, names, seed=4, **FAST)
    assert json.dumps(a.metrics, sort_keys=True) == json.dumps(b.metrics, sort_keys=True)
    assert a.params == b.params and a.effects == b.effects


@pytest.mark.parametrize(("n", "failures", "vendors", "expected"), [
    (20, 10, 10, "at least 30 past programs with a known outcome (there are 20; record 10 more)"),
    (40, 5, 10, "at least 8 unsuccessful programs (there are 5; record 3 more)"),
    (40, 20, 2, "programs from at least 3 vendors"),
])
def test_refuses_too_little_data_saying_what_is_missing(n, failures, vendors, expected):
    X = np.random.default_rng(0).normal(size=(n, 2))
    y = np.array([0] * failures + [1] * (n - failures))
    groups = [f"v{i % vendors}" for i in range(n)]
    with pytest.raises(core.InsufficientData) as info:
        core.train(X, y, groups, ["a", "b"], **FAST)
    assert expected in str(info.value)
    assert isinstance(info.value, ScoringError)


def test_refuses_without_features():
    with pytest.raises(core.InsufficientData, match="No usable feature"):
        core.train(np.empty((40, 0)), np.array([0, 1] * 20), ["a", "b", "c", "d"] * 10, [])


def test_probabilities_and_calibration_bins_stay_in_0_1():
    X, y, groups, names = logistic_data(n=150, seed=8)
    X[::7, 1] = np.nan  # missing values are imputed inside the folds
    model = core.train(X, y, groups, names, **FAST)
    p = model.params.predict_proba(np.r_[X, [[50, -50, 50, 50]], [[np.nan] * 4]])
    assert np.all((p >= 0) & (p <= 1)) and np.isfinite(p).all()
    for b in model.metrics["calibration"]["bins"]:
        assert 0 <= b["mean_predicted"] <= 1 and 0 <= b["observed"] <= 1
        assert 0 <= b["observed_ci95"][0] <= b["observed"] <= b["observed_ci95"][1] <= 1
    assert sum(b["n"] for b in model.metrics["calibration"]["bins"]) == 150


def test_stored_numbers_reproduce_the_scikit_learn_pipeline():
    X, y, groups, _ = logistic_data(n=120, seed=4)
    X[::5, 0] = np.nan
    g = np.asarray(groups)
    params = core.fit_params(X, y, g, seed=3)
    reference = CalibratedClassifierCV(
        core._pipeline(1.0), method="sigmoid", cv=core._splits(y, g, 3, 3, stratified=False),
        ensemble=False
    ).fit(X, y)
    assert np.allclose(params.predict_proba(X), reference.predict_proba(X)[:, 1], atol=1e-9)
    restored = core.ModelParams.from_dict(json.loads(json.dumps(params.to_dict())))
    assert restored == params


@pytest.mark.parametrize("broken", [
    {"format": "pickle"}, {"coef": [1.0]}, {"scale": [0.0, 1, 1, 1]}, {"intercept": "x"},
])
def test_malformed_stored_models_are_refused(broken):
    X, y, groups, _ = logistic_data(n=80, seed=4)
    data = core.fit_params(X, y, np.asarray(groups)).to_dict() | broken
    with pytest.raises(core.OutcomeModelError):
        core.ModelParams.from_dict(data)


def test_explanation_adds_up_to_the_prediction():
    X, y, groups, names = logistic_data(n=150, seed=6)
    model = core.train(X, y, groups, names, **FAST)
    params = model.params
    explanation = core.explain(params, {"f0": 1.5, "f1": None, "f2": -0.3, "f3": 0.2})
    log_odds = explanation.base_log_odds + sum(c.contribution for c in explanation.contributions)
    assert 1 / (1 + math.exp(-log_odds)) == pytest.approx(explanation.probability)
    assert [c.imputed for c in explanation.contributions] == [False, True, False, False]
    assert explanation.probability == pytest.approx(
        float(params.predict_proba([[1.5, np.nan, -0.3, 0.2]])[0]))


def test_weighted_auc_and_calibration_fit_match_scikit_learn():
    rng = np.random.default_rng(0)
    scores = np.round(rng.random(200), 1)  # many ties
    y = (rng.random(200) < scores).astype(int)
    assert core.weighted_auc(scores, y, np.ones((1, 200)))[0] == pytest.approx(
        roc_auc_score(y, scores))
    weights = rng.integers(0, 3, 200).astype(float)
    assert core.weighted_auc(scores, y, weights[None, :])[0] == pytest.approx(
        roc_auc_score(y, scores, sample_weight=weights))
    p = np.clip(rng.random(200), 0.02, 0.98)
    y = (rng.random(200) < p ** 1.5).astype(int)
    a, b = core.calibration_fit(p, y, np.ones((1, 200)))
    ref = LogisticRegression(C=np.inf).fit(np.log(p / (1 - p))[:, None], y)
    assert b[0] == pytest.approx(ref.coef_[0][0], abs=1e-3)  # lbfgs stops at tol 1e-4
    assert a[0] == pytest.approx(ref.intercept_[0], abs=1e-3)


def test_feature_selection_drops_sparse_and_constant_features():
    rows = [{"a": float(i), "b": 1.0, "c": (1.0 if i < 3 else None)} for i in range(10)]
    selection = core.select_features(rows, preferred=["c", "a"])
    assert selection.features == ("a",)
    assert "recorded for 3 of 10" in selection.dropped["c"]
    assert "same value" in selection.dropped["b"]


def test_no_pickle_anywhere_in_the_app():
    root = Path(__file__).resolve().parents[2] / "evaluator"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"pickle", "joblib", "dill", "cloudpickle"}, path

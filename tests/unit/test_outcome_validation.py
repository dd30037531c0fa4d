"""Skill needs evidence: vendor thresholds, distinct splits, cluster-bootstrap intervals judged
by their lower bounds, and a calibration that cannot reverse the model (issue 21)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.calibration import CalibratedClassifierCV

from evaluator.scoring import outcome as core
from evaluator.scoring import outcome_validation as validation

QUICK = {"n_repeats": 3, "bootstrap": 200, "effect_bootstrap": 0}
NAMES = [f"f{j}" for j in range(5)]


def coin_flips(vendors: int, programs: int, seed: int):
    rng = np.random.default_rng([vendors, programs, seed])
    X = rng.normal(size=(programs, 5))
    y = rng.integers(0, 2, programs)
    return X, y, [f"v{i % vendors}" for i in range(programs)]


def signal(programs: int, groups, seed: int = 0, beta=(1.2, -1.0, 0, 0, 0)):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(programs, 5))
    y = (rng.random(programs) < 1 / (1 + np.exp(-(X @ np.asarray(beta))))).astype(int)
    return X, y, groups


# --- the noise benchmark, fast version (bench/bench_noise.py has 40 data sets each) ----------


def test_coin_flips_from_five_vendors_never_claim_skill_and_say_what_is_missing():
    for seed in range(8):
        model = core.train(*coin_flips(5, 40, seed), NAMES, **QUICK)
        assert model.metrics["skill"] == "none"
        assert "needs programs from at least 10 vendors; you have 5" in \
            model.metrics["withheld_reason"]
        assert model.effects == []
        splits = model.metrics["splits"]
        assert splits["method"] == "leave-one-vendor-out"
        assert splits["distinct_partitions"] == 1 and splits["fold_sizes"] == [[8] * 5]


def test_coin_flips_from_forty_vendors_rarely_claim_skill():
    verdicts = [core.train(*coin_flips(40, 200, seed), NAMES, **QUICK).metrics["skill"]
                for seed in range(10)]
    assert sum(v != "none" for v in verdicts) <= 1


def test_a_known_signal_from_forty_vendors_is_found_with_its_effects():
    X, y, groups = signal(240, [f"v{i % 40}" for i in range(240)])
    model = core.train(X, y, groups, NAMES, n_repeats=3, bootstrap=200, effect_bootstrap=30)
    assert model.metrics["skill"] in ("moderate", "good")
    assert model.metrics["auc"]["ci95"][0] > 0.5 and model.metrics["brier_skill"]["ci95"][0] > 0
    assert model.metrics["withheld_reason"] is None
    effects = {e["feature"]: e for e in model.effects}
    assert effects["f0"]["ci95"][0] > 0 and effects["f1"]["ci95"][1] < 0


def test_one_client_holding_most_programs_gives_none_naming_the_concentration():
    # Kitchenham-like: a real signal, but 60 % of the programs come from one vendor
    # (1 / (0.6^2 + 20 * 0.02^2) = 2.72 effective vendors).
    groups = ["big" if i < 120 else f"v{i % 20}" for i in range(200)]
    model = core.train(*signal(200, groups), NAMES, **QUICK)
    evidence = model.metrics["evidence"]
    assert evidence["largest_vendor_share"] == pytest.approx(0.6)
    assert model.metrics["skill"] == "none" and model.effects == []
    assert "one vendor holds 60% of the programs" in model.metrics["withheld_reason"]
    assert "effective number of vendors is 2.7" in model.metrics["withheld_reason"]


# --- evidence and splits ----------------------------------------------------------------------


@pytest.mark.parametrize(("counts", "effective", "largest"), [
    ([5, 5, 5, 5], 4.0, 0.25), ([6, 2], 1 / (0.75 ** 2 + 0.25 ** 2), 0.75), ([1] * 12, 12, 1 / 12),
])
def test_effective_vendors_is_the_inverse_simpson_index(counts, effective, largest):
    groups = [f"v{i}" for i, c in enumerate(counts) for _ in range(c)]
    evidence = validation.data_evidence(groups)
    assert evidence.vendors == len(counts)
    assert evidence.effective_vendors == pytest.approx(effective)
    assert evidence.largest_vendor_share == pytest.approx(largest)


def test_evidence_thresholds_each_name_what_is_missing():
    assert validation.data_evidence([f"v{i % 12}" for i in range(120)]).missing == ()
    nine = validation.data_evidence([f"v{i % 9}" for i in range(90)]).missing
    assert nine == ("needs programs from at least 10 vendors; you have 9",)
    # 12 vendors, one holding 45 %: 1 / (0.45^2 + 11 * 0.05^2) = 4.35 effective vendors.
    skewed = ["big"] * 45 + [f"v{i % 11}" for i in range(55)]
    assert validation.data_evidence(skewed).missing == (
        "one vendor holds 45% of the programs; no vendor may hold more than 40%",
        "the programs are concentrated on few vendors: the effective number of vendors is 4.3, "
        "it needs at least 8",
    )


@given(vendors=st.integers(6, 14), repeats=st.integers(1, 12), seed=st.integers(0, 1000))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_partitions_are_distinct_grouped_and_cover_every_program_once(vendors, repeats, seed):
    rng = np.random.default_rng(seed)
    n = vendors * 6
    groups = np.array([f"v{i % vendors}" for i in range(n)])
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    try:
        parts = validation.distinct_partitions(y, groups, n_splits=5, repeats=repeats, seed=seed)
    except validation.SplitError:
        return
    keys = set()
    for splits in parts.partitions:
        tested = np.concatenate([test for _, test in splits])
        assert sorted(tested.tolist()) == list(range(n))  # every program tested exactly once
        for train, test in splits:
            assert not set(groups[train]) & set(groups[test])  # grouped by vendor
            assert len(np.unique(y[train])) == 2
        keys.add(frozenset(frozenset(groups[test].tolist()) for _, test in splits))
    assert len(keys) == len(parts.partitions) <= repeats


def test_cluster_bootstrap_weights_move_whole_vendors():
    groups = np.array(["a", "a", "b", "c", "c", "c"])
    W = validation.cluster_weights(groups, 50, seed=1)
    assert W.shape == (51, 6) and np.all(W[0] == 1)
    for row in W[1:]:
        assert row[0] == row[1] and row[3] == row[4] == row[5]  # a vendor's programs together
        assert {row[0], row[2], row[3]} <= {0, 1, 2, 3} and row[0] + row[2] + row[3] == 3


def test_pooled_within_fold_auc_weighs_folds_by_their_pairs():
    # Fold A: 1 pair, perfectly ordered. Fold B: 9 pairs, all reversed. Mean of fold AUCs is
    # 0.5; pooled within folds it is 1/10.
    y = np.array([0, 1, 0, 0, 0, 1, 1, 1])
    oof = np.array([[0.1, 0.9, 0.9, 0.8, 0.7, 0.2, 0.1, 0.3]])
    parts = validation.Partitions("grouped-k-fold",
                                  ((([], np.array([0, 1])), ([], np.arange(2, 8))),), 2)
    fig = validation.validation_figures(oof, np.full_like(oof, 0.5), y, parts, np.ones((1, 8)))
    assert fig.auc[0] == pytest.approx(1 / 10)


def test_calibration_in_the_large_reports_over_prediction_in_points():
    y = np.array([1, 0] * 50)
    p = np.full(100, 0.7)  # predicts 70 % success, 50 % happened
    parts = validation.Partitions("grouped-k-fold", (((np.arange(0), np.arange(100)),),), 1)
    fig = validation.validation_figures(p[None, :], np.full((1, 100), 0.5), y, parts,
                                        np.ones((1, 100)))
    assert fig.over_prediction_points[0] == pytest.approx(20.0)
    assert fig.in_the_large[0] == pytest.approx(-np.log(0.7 / 0.3))  # slope fixed at 1


# --- the verdict reads lower bounds -----------------------------------------------------------

ENOUGH = validation.data_evidence([f"v{i % 20}" for i in range(200)])


@pytest.mark.parametrize(("auc", "gain", "level", "words"), [
    ({"mean": 0.8, "ci95": [0.7, 0.9]}, {"mean": 0.02, "ci95": [-0.23, 0.28]}, "none",
     "the 95 % interval of the improvement (-23% to +28%) reaches zero"),
    ({"mean": 0.82, "ci95": [0.49, 0.98]}, {"mean": 0.2, "ci95": [0.1, 0.3]}, "none",
     "reaches 0.5"),
    ({"mean": 0.6, "ci95": [0.52, 0.68]}, {"mean": 0.03, "ci95": [0.01, 0.05]}, "weak", "Weak"),
    ({"mean": 0.7, "ci95": [0.6, 0.8]}, {"mean": 0.1, "ci95": [0.05, 0.15]}, "moderate", "Moder"),
    ({"mean": 0.8, "ci95": [0.7, 0.9]}, {"mean": 0.2, "ci95": [0.1, 0.3]}, "good", "Good"),
])
def test_skill_verdict_needs_both_lower_bounds(auc, gain, level, words):
    verdict = validation.skill_verdict(auc, gain, ENOUGH)
    assert verdict.level == level and words in verdict.text
    assert (verdict.reason is None) == (level != "none")


def test_skill_verdict_is_none_below_the_data_thresholds_whatever_the_figures():
    few = validation.data_evidence([f"v{i % 5}" for i in range(50)])
    verdict = validation.skill_verdict({"mean": 0.9, "ci95": [0.8, 0.95]},
                                       {"mean": 0.4, "ci95": [0.3, 0.5]}, few)
    assert verdict.level == "none" and "you have 5" in verdict.reason


# --- a calibration that cannot flip -----------------------------------------------------------


def test_plain_platt_scaling_flips_on_noise_and_ours_falls_back_to_the_base_rate():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, 60)
    groups = np.array([f"v{i % 12}" for i in range(60)])
    reference = CalibratedClassifierCV(
        core._pipeline(1.0), method="sigmoid", cv=core._splits(y, groups, 3, 0, stratified=False),
        ensemble=False).fit(X, y)
    assert reference.calibrated_classifiers_[0].calibrators[0].a_ > 0  # sklearn reverses it
    params = core.fit_params(X, y, groups)
    assert params.cal_a == 0.0 and np.all(params.effects == 0)
    assert np.allclose(params.predict_proba(X), y.mean())


@given(seed=st.integers(0, 10_000), n=st.integers(40, 90))
@settings(max_examples=30, deadline=None)
def test_the_calibrated_model_keeps_the_regressions_order(seed, n):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    groups = np.array([f"v{i % 10}" for i in range(n)])
    params = core.fit_params(X, y, groups, seed=seed)
    assert params.cal_a <= 0
    assert np.all(params.effects * np.asarray(params.coef) >= 0)  # no effect changes sign
    z = params.standardise(X) @ np.asarray(params.coef)
    p = params.predict_proba(X)
    order = np.argsort(z)
    assert np.all(np.diff(p[order]) >= -1e-12)  # probabilities rise with the regression score


def test_every_fold_unscorable_gives_no_auc_and_no_skill():
    # Leave-one-vendor-out over 6 vendors whose programs all share one outcome: no test fold
    # holds a successful and an unsuccessful program, so there is no AUC at all.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 2))
    y = np.repeat([1, 1, 1, 0, 0, 0], 10)
    groups = np.repeat(list("abcdef"), 10)
    model = core.train(X, y, groups, ["f0", "f1"], n_splits=6, **QUICK)
    assert model.metrics["splits"]["method"] == "leave-one-vendor-out"
    assert model.metrics["auc"]["mean"] is None and model.metrics["auc"]["ci95"] is None
    assert model.metrics["splits"]["unscorable_folds"] == 6 == model.metrics["splits"]["total_folds"]
    assert model.metrics["skill"] == "none" and model.effects == []

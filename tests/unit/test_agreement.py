"""Krippendorff's alpha (interval) against published and hand-computed values; leniency."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluator.scoring import (
    Criterion,
    Scale,
    ScoreValue,
    agreement,
    build_score_matrix,
    interval_alpha,
    leniency,
)

nan = math.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, 12 units, values 1..5 with missing data. Published: interval alpha = 0.849.
K2011_MULTI = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
# Section A: two observers, ten units, binary values. Published alpha = 0.095; with only two
# values the interval metric is a constant multiple of the nominal one, so alpha is the same.
K2011_BINARY = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


def scores_from_reliability(data, criterion="k"):
    """Coders x units array -> ScoreValues: coder i is evaluator i, unit j is vendor j."""
    return [
        ScoreValue(f"coder{i}", f"unit{j:02d}", criterion, float(value))
        for i, row in enumerate(data)
        for j, value in enumerate(row)
        if not math.isnan(value)
    ]


def test_published_example_interval_alpha_0_849():
    units = [f"unit{j:02d}" for j in range(12)]
    m = build_score_matrix(
        Scale(1, 5), [Criterion("k")], units, scores_from_reliability(K2011_MULTI)
    )
    result = agreement(m)
    assert round(result.by_criterion["k"].alpha, 3) == 0.849
    assert result.by_criterion["k"].n_units == 11  # unit 12 has a single value: not pairable
    assert result.by_criterion["k"].n_pairable == 40
    assert result.by_criterion["k"].flagged is False


def test_published_binary_example_alpha_0_095():
    result = interval_alpha(np.array(K2011_BINARY, dtype=float))
    assert round(result.alpha, 3) == 0.095
    assert result.flagged is True


def test_hand_computed_alpha():
    # Units (1,2), (3,3), (5,4); n = 6 pairable values.
    # D_o = (1/n) sum_u 1/(m_u-1) sum_{i!=j} (x_i-x_j)^2 = (2 + 0 + 2) / 6 = 2/3
    # D_e = sum_{i!=j over all values} (x_i-x_j)^2 / (n(n-1)) = 2 * (6*64 - 18^2) / 30 = 4
    # alpha = 1 - (2/3) / 4 = 5/6
    result = interval_alpha(np.array([[1, 3, 5], [2, 3, 4]], dtype=float))
    assert result.alpha == pytest.approx(5 / 6)


def test_alpha_is_none_without_pairable_values():
    assert interval_alpha(np.array([[1, 2, nan], [nan, nan, 3]])).alpha is None
    single_evaluator = interval_alpha(np.array([[1.0, 2.0, 5.0]]))
    assert single_evaluator.alpha is None and single_evaluator.n_units == 0


def test_alpha_is_none_when_all_pairable_values_are_identical():
    result = interval_alpha(np.array([[3, 3, 1], [3, 3, nan]], dtype=float))
    assert result.alpha is None
    assert (result.n_units, result.n_pairable) == (2, 4)
    assert result.flagged is False


def test_overall_alpha_pools_vendor_criterion_pairs():
    criteria = [Criterion("a"), Criterion("b")]
    scores = [
        ScoreValue("e1", "V1", "a", 1), ScoreValue("e2", "V1", "a", 2),
        ScoreValue("e1", "V1", "b", 5), ScoreValue("e2", "V1", "b", 5),
        ScoreValue("e1", "V2", "a", 4), ScoreValue("e2", "V2", "a", 1),
        ScoreValue("e1", "V2", "b", 2), ScoreValue("e2", "V2", "b", 3),
    ]  # fmt: skip
    result = agreement(build_score_matrix(Scale(), criteria, ["V1", "V2"], scores))
    pooled = np.array(
        [[1, 5, 4, 2], [2, 5, 1, 3]], dtype=float
    )  # units (V1,a) (V1,b) (V2,a) (V2,b)
    assert result.overall.alpha == pytest.approx(interval_alpha(pooled).alpha)
    assert result.overall.n_units == 4
    # criterion a: units (1,2), (4,1) -> strong disagreement, flagged
    a_alpha = interval_alpha(np.array([[1, 4], [2, 1]], dtype=float)).alpha
    assert result.by_criterion["a"].alpha == pytest.approx(a_alpha)
    assert a_alpha < 0.667
    assert "a" in result.flagged


def test_leniency_against_the_others_mean():
    criteria = [Criterion("k")]
    scores = [
        ScoreValue("hard", "V1", "k", 1), ScoreValue("mid", "V1", "k", 3),
        ScoreValue("soft", "V1", "k", 5),
        ScoreValue("soft", "V2", "k", 4), ScoreValue("mid", "V2", "k", 4),
        ScoreValue("solo", "V3", "k", 2),
    ]  # fmt: skip
    result = leniency(build_score_matrix(Scale(), criteria, ["V1", "V2", "V3"], scores))
    # V1: hard 1 - mean(3, 5) = -3; mid 3 - 3 = 0; soft 5 - 2 = +3. V2: soft 0, mid 0.
    assert result["hard"].mean_deviation == pytest.approx(-3.0) and result["hard"].n == 1
    assert result["soft"].mean_deviation == pytest.approx(1.5) and result["soft"].n == 2
    assert result["mid"].mean_deviation == pytest.approx(0.0) and result["mid"].n == 2
    assert result["solo"].mean_deviation is None and result["solo"].n == 0
    assert list(result) == ["hard", "mid", "soft", "solo"]

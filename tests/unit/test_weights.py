"""Weight shares, rank-order centroid and AHP (published and hand-computed cases)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluator.scoring import (
    InconsistentJudgements,
    InvalidJudgements,
    InvalidWeights,
    ScoringError,
    ahp_weights,
    normalise_weights,
    rank_order_centroid,
)


def test_normalise_weights_hand_computed():
    shares = normalise_weights({"a": 30, "b": 20, "c": 50, "d": 0})
    assert shares == pytest.approx({"a": 0.3, "b": 0.2, "c": 0.5, "d": 0.0})
    assert list(shares) == ["a", "b", "c", "d"]
    assert math.fsum(shares.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"a": -1, "b": 2}, "must not be negative"),
        ({"a": 0, "b": 0}, "all weights are zero"),
        ({"a": float("nan")}, "finite number"),
        ({"a": float("inf")}, "finite number"),
        ({"a": "3"}, "finite number"),
        ({}, "no weights"),
    ],
)
def test_normalise_weights_rejects(weights, message):
    with pytest.raises(InvalidWeights, match=message):
        normalise_weights(weights)


def test_errors_are_value_errors_of_the_core():
    with pytest.raises(ValueError):
        normalise_weights({"a": -1})
    assert issubclass(InvalidWeights, ScoringError)


def test_rank_order_centroid_three_criteria_published():
    # Barron & Barrett (1996): n = 3 -> 0.6111, 0.2778, 0.1111
    shares = rank_order_centroid(["cost", "speed", "risk"])
    assert [round(shares[k], 4) for k in ("cost", "speed", "risk")] == [0.6111, 0.2778, 0.1111]


def test_rank_order_centroid_four_criteria_published():
    # n = 4 -> 0.5208, 0.2708, 0.1458, 0.0625 (25/48, 13/48, 7/48, 3/48)
    shares = rank_order_centroid(["a", "b", "c", "d"])
    assert list(shares.values()) == pytest.approx([25 / 48, 13 / 48, 7 / 48, 3 / 48])
    assert math.fsum(shares.values()) == pytest.approx(1.0)


def test_rank_order_centroid_single_and_errors():
    assert rank_order_centroid(["only"]) == {"only": 1.0}
    with pytest.raises(InvalidWeights, match="repeated"):
        rank_order_centroid(["a", "b", "a"])
    with pytest.raises(InvalidWeights):
        rank_order_centroid([])


def test_ahp_textbook_three_by_three():
    # The widely used 3x3 example (Saaty scale): weights 0.637 / 0.258 / 0.105,
    # lambda_max 3.0385, CI 0.0193, CR 0.033 with RI(3) = 0.58.
    matrix = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    result = ahp_weights(["a", "b", "c"], matrix)
    assert [round(result.weights[k], 3) for k in "abc"] == [0.637, 0.258, 0.105]
    assert result.lambda_max == pytest.approx(3.0385, abs=1e-4)
    assert result.consistency_ratio == pytest.approx(0.0332, abs=1e-4)


def test_ahp_weights_match_power_iteration():
    # Independent check of the eigenvector: power iteration on the same matrix.
    matrix = np.array(
        [[1, 2, 4, 3], [1 / 2, 1, 3, 2], [1 / 4, 1 / 3, 1, 1 / 2], [1 / 3, 1 / 2, 2, 1]]
    )
    vector = np.ones(4)
    for _ in range(200):
        vector = matrix @ vector
        vector /= vector.sum()
    result = ahp_weights(list("abcd"), matrix)
    assert list(result.weights.values()) == pytest.approx(list(vector), abs=1e-9)
    lam = float((matrix @ vector / vector).mean())
    assert result.lambda_max == pytest.approx(lam, abs=1e-9)
    assert result.consistency_ratio == pytest.approx((lam - 4) / 3 / 0.90, abs=1e-9)


def test_ahp_consistent_matrix_recovers_weights_exactly():
    w = np.array([0.5, 0.3, 0.2])
    matrix = w[:, None] / w[None, :]
    result = ahp_weights(["x", "y", "z"], matrix)
    assert list(result.weights.values()) == pytest.approx([0.5, 0.3, 0.2])
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-12)
    assert result.lambda_max == pytest.approx(3.0)


def test_ahp_two_criteria_are_always_consistent():
    result = ahp_weights(["a", "b"], [[1, 4], [0.25, 1]])
    assert result.weights == pytest.approx({"a": 0.8, "b": 0.2})
    assert result.consistency_ratio == 0.0


def test_ahp_rejects_inconsistent_judgements_with_ratio():
    # a > b (9), b > c (9) but c > a (9): circular, far above CR 0.10
    matrix = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(InconsistentJudgements, match="consistency ratio") as info:
        ahp_weights(["a", "b", "c"], matrix)
    assert info.value.consistency_ratio > 0.10


def test_ahp_accepts_typed_decimals_for_reciprocals():
    result = ahp_weights(["a", "b"], [[1, 3], [0.333, 1]])
    assert result.weights["a"] > result.weights["b"]


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 3], [3, 1]], "reciprocal"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[2, 1], [1, 2]], "diagonal"),
        ([[1, 2, 3], [0.5, 1, 2]], "must be 2x2"),
        ([[1, "x"], [1, 1]], "numbers"),
    ],
)
def test_ahp_rejects_malformed_matrices(matrix, message):
    keys = ["a", "b"]
    with pytest.raises(InvalidJudgements, match=message):
        ahp_weights(keys, matrix)


def test_ahp_rejects_more_criteria_than_the_random_index_table():
    with pytest.raises(InvalidJudgements, match="at most 15"):
        ahp_weights([str(i) for i in range(16)], np.ones((16, 16)))

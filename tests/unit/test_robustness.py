"""p_rank1, rank acceptability and exact flip weights."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.scoring import (
    Criterion,
    InvalidSampling,
    Scale,
    ScoreValue,
    build_score_matrix,
    flip_weights,
    rank_matrix,
    rank_vendors,
    robustness,
    share_vector,
)
from evaluator.scoring.robustness import rank_probabilities, sample_weights


def setup(means: dict, criteria: list[Criterion]):
    scores = [
        ScoreValue("e", v, c.key, value)
        for v, row in means.items()
        for c, value in zip(criteria, row, strict=True)
        if value is not None
    ]
    m = build_score_matrix(Scale(), criteria, list(means), scores)
    return m, rank_matrix(m, share_vector(m.criteria))


TWO = [Criterion("a", weight=1), Criterion("b", weight=1)]


def test_dominant_vendor_has_p_rank1_one():
    m, r = setup({"A": (5, 5), "B": (4, 5), "C": (1, 2)}, TWO)
    result = robustness(m, r, samples=500, seed=1)
    assert result.p_rank1 == {"A": 1.0, "B": 0.0, "C": 0.0}
    assert result.acceptability["A"] == (1.0, 0.0, 0.0)


def test_close_race_splits_probability_and_sums_to_one():
    m, r = setup({"A": (5, 1), "B": (1, 5), "C": (3, 3)}, TWO)
    result = robustness(m, r, samples=4000, seed=3)
    assert sum(result.p_rank1.values()) == pytest.approx(1.0, abs=1e-12)
    # all three score 50 at the centre: under symmetric noise A and B each win ~half,
    # C (always exactly halfway between them) never strictly beats both
    assert result.p_rank1["A"] == pytest.approx(0.5, abs=0.05)
    assert result.p_rank1["B"] == pytest.approx(0.5, abs=0.05)
    matrix = np.array(list(result.acceptability.values()))
    assert matrix.sum(axis=0) == pytest.approx(np.ones(3))
    assert matrix.sum(axis=1) == pytest.approx(np.ones(3))


def test_identical_vendors_split_ties_exactly():
    m, r = setup({"A": (4, 2), "B": (4, 2), "C": (1, 1)}, TWO)
    result = robustness(m, r, samples=300, seed=0)
    assert result.p_rank1 == {"A": 0.5, "B": 0.5, "C": 0.0}
    assert result.acceptability["A"] == pytest.approx((0.5, 0.5, 0.0))
    assert result.acceptability["C"] == pytest.approx((0.0, 0.0, 1.0))


def test_rank_probabilities_tie_groups_in_the_middle():
    utilities = np.array([[3.0, 2.0, 2.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
    p = rank_probabilities(utilities)
    third = 1 / 3
    assert p[0] == pytest.approx([0.5, 0, 0, 0, 0.5])
    assert p[1] == pytest.approx([0, 0.5 * third, 0.5 * third, 0.5 * (1 + third), 0])
    assert p[2] == pytest.approx([0, 0.5 * third, 0.5 * (third + 1), 0.5 * third, 0])
    assert p[3] == pytest.approx([0, 0.5 * (1 + third), 0.5 * third, 0.5 * third, 0])
    assert p.sum(axis=1) == pytest.approx(np.ones(5))
    assert p.sum(axis=0) == pytest.approx(np.ones(5))


def test_seeded_and_reproducible():
    m, r = setup({"A": (5, 2), "B": (2, 5), "C": (4, 3)}, TWO)
    first = robustness(m, r, samples=1000, seed=7)
    again = robustness(m, r, samples=1000, seed=7)
    other = robustness(m, r, samples=1000, seed=8)
    assert first.p_rank1 == again.p_rank1
    assert first.p_rank1 != other.p_rank1


def test_concentration_controls_spread():
    shares = np.array([0.5, 0.3, 0.2])
    tight = sample_weights(shares, samples=20000, concentration=1000, seed=0)
    loose = sample_weights(shares, samples=20000, concentration=10, seed=0)
    assert tight.mean(axis=0) == pytest.approx(shares, abs=0.005)
    assert loose.mean(axis=0) == pytest.approx(shares, abs=0.01)
    # Dirichlet variance w(1-w)/(c+1)
    assert tight[:, 0].std() == pytest.approx(np.sqrt(0.25 / 1001), rel=0.05)
    assert loose[:, 0].std() == pytest.approx(np.sqrt(0.25 / 11), rel=0.05)
    assert np.allclose(tight.sum(axis=1), 1.0)


def test_zero_weight_criteria_stay_zero_and_single_criterion_is_fixed():
    drawn = sample_weights(np.array([0.0, 0.7, 0.3]), samples=100, concentration=50, seed=0)
    assert (drawn[:, 0] == 0).all()
    fixed = sample_weights(np.array([0.0, 1.0]), samples=10, concentration=50, seed=0)
    assert (fixed == [0.0, 1.0]).all()


def test_ineligible_vendors_get_zero_and_no_acceptability_row():
    criteria = [Criterion("a", weight=1, knockout_below=2), Criterion("b", weight=1)]
    m, r = setup({"A": (1, 5), "B": (3, 3), "C": (4, None), "D": (2, 2)}, criteria)
    result = robustness(m, r, samples=200, seed=0)
    assert result.eligible == ("B", "D")
    assert result.p_rank1 == {"A": 0.0, "B": 1.0, "C": 0.0, "D": 0.0}
    assert set(result.acceptability) == {"B", "D"}


def test_no_eligible_vendor_gives_all_zero():
    criteria = [Criterion("a", weight=1, knockout_below=5)]
    m, r = setup({"A": (1,), "B": (2,)}, criteria)
    result = robustness(m, r, samples=10, seed=0)
    assert result.p_rank1 == {"A": 0.0, "B": 0.0} and result.acceptability == {}


@pytest.mark.parametrize(("samples", "concentration"), [(0, 100), (10, 0), (10, -1), (2.5, 100)])
def test_sampling_parameters_are_validated(samples, concentration):
    m, r = setup({"A": (1, 2)}, TWO)
    with pytest.raises(InvalidSampling):
        robustness(m, r, samples=samples, concentration=concentration)


def test_flip_weights_hand_computed():
    # shares 0.5/0.5. A = (100, 0), B = (0, 75) in 0-100 points: A 50, B 37.5, A wins.
    # Criterion a at t: A = 100t, B = 75(1-t) -> equal at t = 75/175 (B wins below).
    # Criterion b at t: A = 100(1-t), B = 75t -> equal at t = 100/175 (B wins above).
    m, r = setup({"A": (5, 1), "B": (1, 4)}, TWO)
    flips = flip_weights(m, r)
    assert flips["a"].flip == pytest.approx(75 / 175)
    assert (flips["a"].takeover, flips["a"].direction, flips["a"].current) == ("B", "down", 0.5)
    assert flips["b"].flip == pytest.approx(100 / 175)
    assert (flips["b"].takeover, flips["b"].direction) == ("B", "up")


def test_flip_weight_changes_the_winner_just_beyond_it():
    criteria = [Criterion("a", weight=5), Criterion("b", weight=3), Criterion("c", weight=2)]
    means = {"A": (5, 2, 3), "B": (3, 4, 4), "C": (2, 5, 5), "D": (4, 3, 1)}
    m, r = setup(means, criteria)
    flips = flip_weights(m, r)
    scores = [
        ScoreValue("e", v, c.key, x)
        for v, row in means.items()
        for c, x in zip(criteria, row, strict=True)
    ]
    for key, flip in flips.items():
        assert flip.flip is not None
        step = 1e-6 if flip.direction == "up" else -1e-6
        for t, expect_winner in ((flip.flip - step, r.winner), (flip.flip + step, flip.takeover)):
            rest = (1 - t) / (1 - flip.current)
            weights = {k: (t if k == key else r.weights[k] * rest) for k in r.weights}
            assert (
                rank_vendors(Scale(), criteria, list(means), scores, weights).winner
                == expect_winner
            )


def test_no_flip_for_a_dominant_vendor_or_a_lone_vendor():
    m, r = setup({"A": (5, 5), "B": (1, 2)}, TWO)
    assert all(f.flip is None and f.takeover is None for f in flip_weights(m, r).values())
    m, r = setup({"A": (3, 3)}, TWO)
    assert all(f.flip is None for f in flip_weights(m, r).values())


def test_no_flip_when_criterion_holds_all_weight():
    criteria = [Criterion("a", weight=1), Criterion("b", weight=0)]
    m, r = setup({"A": (5, 1), "B": (4, 5)}, criteria)
    flips = flip_weights(m, r)
    assert flips["a"].flip is None
    # b at t: A = 100(1-t), B = 75(1-t) + 100t -> equal at t = 25/125 = 0.2
    assert flips["b"].flip == pytest.approx(0.2) and flips["b"].takeover == "B"


def test_flip_when_winner_lacks_a_zero_weight_criterion():
    criteria = [Criterion("a", weight=1), Criterion("b", weight=0)]
    m, r = setup({"A": (5, None), "B": (4, 1), "C": (3, 5)}, criteria)
    flip = flip_weights(m, r)["b"]
    assert (flip.flip, flip.takeover) == (0.0, "B")

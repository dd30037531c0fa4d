"""Stakeholder lenses and the Borda consensus."""

from __future__ import annotations

import pytest

from evaluator.scoring import (
    Criterion,
    InvalidLens,
    Lens,
    Scale,
    ScoreValue,
    build_score_matrix,
    consensus,
    rank_lens,
    rank_lenses,
)
from evaluator.scoring.lenses import borda_points

CRITERIA = [Criterion("cost", weight=1), Criterion("audit", weight=1), Criterion("ops", weight=1)]
MEANS = {  # vendor -> (cost, audit, ops), one evaluator
    "A": (5, 1, 3),
    "B": (1, 5, 3),
    "C": (4, 4, 2),
}


def matrix(means=MEANS, criteria=CRITERIA):
    scores = [
        ScoreValue("e", v, c.key, value)
        for v, row in means.items()
        for c, value in zip(criteria, row, strict=True)
        if value is not None
    ]
    return build_score_matrix(Scale(), criteria, list(means), scores)


def test_lens_with_partial_weights_ignores_other_criteria():
    ranking = rank_lens(matrix(), Lens("Finance", {"cost": 1}))
    assert ranking.weights == {"cost": 1.0, "audit": 0.0, "ops": 0.0}
    assert ranking.order == ("A", "C", "B")
    assert [r.score for r in ranking.results] == pytest.approx([100.0, 75.0, 0.0])


def test_lens_missing_value_only_matters_if_the_lens_weighs_it():
    m = matrix({"A": (5, None, 3), "B": (1, 5, 3)})
    assert rank_lens(m, Lens("Finance", {"cost": 1})).result("A").incomplete is False
    assert rank_lens(m, Lens("Compliance", {"audit": 1})).result("A").incomplete is True


def test_lens_errors_name_the_lens():
    with pytest.raises(InvalidLens, match="'Sales'.*unknown criteria: price"):
        rank_lens(matrix(), Lens("Sales", {"price": 1}))
    with pytest.raises(InvalidLens, match="'Sales'.*all weights are zero"):
        rank_lens(matrix(), Lens("Sales", {"cost": 0}))
    with pytest.raises(InvalidLens, match="used twice"):
        rank_lenses(matrix(), [Lens("X", {"cost": 1}), Lens("X", {"ops": 1})])
    with pytest.raises(InvalidLens, match="needs a name"):
        rank_lenses(matrix(), [Lens("  ", {"cost": 1})])


def test_borda_consensus_hand_computed():
    rankings = rank_lenses(
        matrix(),
        [
            Lens("Finance", {"cost": 1}),  # A 100, C 75, B 0       -> A2 C1 B0
            Lens("Compliance", {"audit": 1}),  # B 100, C 75, A 0    -> B2 C1 A0
            Lens("Balanced", {"cost": 1, "audit": 1, "ops": 1}),
            # A (4+0+2)/12 = 50, B 50, C (3+3+1)/12 = 58.3 -> C2 A0 B0 (A, B tie at rank 2)
        ],
    )
    assert rankings["Balanced"].order == ("C", "A", "B")
    assert [r.rank for r in rankings["Balanced"].results] == [1, 2, 2]
    assert borda_points(rankings["Balanced"]) == {"C": 2, "A": 0, "B": 0}
    result = consensus(rankings)
    assert [(e.vendor, e.points, e.rank) for e in result.entries] == [
        ("C", 4, 1),
        ("A", 2, 2),
        ("B", 2, 2),
    ]
    assert result.winner == "C"
    assert result.winners_by_lens == {"Finance": ("A",), "Compliance": ("B",), "Balanced": ("C",)}
    assert result.lenses_disagree is True


def test_consensus_agreeing_lenses():
    rankings = rank_lenses(matrix(), [Lens("F", {"cost": 2, "ops": 1}), Lens("G", {"cost": 1})])
    result = consensus(rankings)
    assert result.lenses_disagree is False
    assert result.winner == "A"


def test_incomplete_vendors_get_no_borda_points_and_rank_below():
    m = matrix({"A": (5, None, 3), "B": (1, 5, 3), "C": (2, 2, 2)})
    ranking = rank_lens(m, Lens("Compliance", {"audit": 1}))
    assert borda_points(ranking) == {"B": 2, "C": 1, "A": 0}


def test_consensus_needs_a_lens():
    with pytest.raises(InvalidLens):
        consensus({})

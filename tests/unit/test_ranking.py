"""Vendor scores, knockouts, incomplete vendors and ranks, checked against hand computations."""

from __future__ import annotations

import pytest

from evaluator.scoring import (
    Criterion,
    InvalidCriteria,
    InvalidScale,
    InvalidScore,
    InvalidWeights,
    Scale,
    ScoreValue,
    build_score_matrix,
    rank_vendors,
)

CRITERIA = [Criterion("setbacks", "Handling setbacks", 3), Criterion("lessons", "Lessons", 1)]


def scores_from(table: dict[str, dict[str, list[float]]]) -> list[ScoreValue]:
    """{vendor: {criterion: [value by evaluator e0, e1, ...]}} -> ScoreValues (None skipped)."""
    return [
        ScoreValue(f"e{i}", vendor, key, value)
        for vendor, row in table.items()
        for key, values in row.items()
        for i, value in enumerate(values)
        if value is not None
    ]


def test_vendor_scores_hand_computed():
    # shares 0.75 / 0.25 on scale 1..5
    # A: means 5, 1   -> 100 * (0.75 * 1.0 + 0.25 * 0.0) = 75
    # B: means 3, 5   -> 100 * (0.75 * 0.5 + 0.25 * 1.0) = 62.5
    # C: means 2.5, 4 -> 100 * (0.75 * 0.375 + 0.25 * 0.75) = 46.875
    scores = scores_from(
        {
            "A": {"setbacks": [5, 5], "lessons": [1, 1]},
            "B": {"setbacks": [2, 4], "lessons": [5, 5]},
            "C": {"setbacks": [2, 3], "lessons": [4, 4]},
        }
    )
    ranking = rank_vendors(Scale(), CRITERIA, ["C", "B", "A"], scores)
    assert ranking.order == ("A", "B", "C")
    assert [r.score for r in ranking.results] == pytest.approx([75.0, 62.5, 46.875])
    assert [r.rank for r in ranking.results] == [1, 2, 3]
    assert ranking.weights == pytest.approx({"setbacks": 0.75, "lessons": 0.25})
    assert ranking.winner == "A"
    c = ranking.result("C")
    assert c.criterion_means == {"setbacks": 2.5, "lessons": 4.0}
    assert c.spread["setbacks"].n == 2
    assert c.spread["setbacks"].std == pytest.approx(0.5)
    assert (c.spread["setbacks"].min, c.spread["setbacks"].max) == (2.0, 3.0)


def test_other_scale_bounds_are_fixed_not_observed():
    # Scale 0..10: a lone vendor with means 5 and 5 scores 50, not 0 or 100.
    scores = scores_from({"A": {"setbacks": [5], "lessons": [5]}})
    ranking = rank_vendors(Scale(0, 10), CRITERIA, ["A"], scores)
    assert ranking.results[0].score == pytest.approx(50.0)


def test_equal_scores_share_a_rank_and_order_by_vendor_id():
    scores = scores_from(
        {
            "b": {"setbacks": [4], "lessons": [4]},
            "a": {"setbacks": [4], "lessons": [4]},
            "c": {"setbacks": [5], "lessons": [5]},
            "d": {"setbacks": [1], "lessons": [1]},
        }
    )
    ranking = rank_vendors(Scale(), CRITERIA, ["b", "a", "c", "d"], scores)
    assert ranking.order == ("c", "a", "b", "d")
    assert [r.rank for r in ranking.results] == [1, 2, 2, 4]  # competition ranking


def test_integer_vendor_ids_tie_order_is_numeric():
    scores = scores_from(
        {10: {"setbacks": [3], "lessons": [3]}, 9: {"setbacks": [3], "lessons": [3]}}
    )
    ranking = rank_vendors(Scale(), CRITERIA, [10, 9], scores)
    assert ranking.order == (9, 10)
    assert ranking.winners == (9, 10)


def test_knocked_out_vendor_ranks_after_every_other_whatever_its_score():
    criteria = [Criterion("setbacks", weight=1, knockout_below=3), Criterion("lessons", weight=3)]
    scores = scores_from(
        {
            "strong-but-ko": {"setbacks": [2, 3], "lessons": [5, 5]},  # mean 2.5 < 3
            "weak": {"setbacks": [3, 3], "lessons": [1, 1]},
            "ok": {"setbacks": [4, 4], "lessons": [2, 2]},
        }
    )
    ranking = rank_vendors(Scale(), criteria, ["strong-but-ko", "weak", "ok"], scores)
    assert ranking.order == ("ok", "weak", "strong-but-ko")
    ko = ranking.result("strong-but-ko")
    assert ko.knocked_out and ko.knockouts == ("setbacks",)
    assert ko.rank == 3 and ko.score is not None
    assert ko.score > ranking.result("ok").score
    assert not ranking.result("ok").knocked_out


def test_mean_exactly_at_threshold_is_not_knocked_out():
    criteria = [Criterion("setbacks", weight=1, knockout_below=3)]
    ranking = rank_vendors(Scale(), criteria, ["A"], scores_from({"A": {"setbacks": [3]}}))
    assert not ranking.results[0].knocked_out


def test_all_knocked_out_means_no_winner():
    criteria = [Criterion("setbacks", weight=1, knockout_below=4)]
    scores = scores_from({"A": {"setbacks": [3]}, "B": {"setbacks": [2]}})
    ranking = rank_vendors(Scale(), criteria, ["A", "B"], scores)
    assert [r.rank for r in ranking.results] == [1, 2]
    assert ranking.winner is None and ranking.winners == ()


def test_incomplete_vendor_has_no_score_no_rank_and_reports_gaps():
    scores = scores_from(
        {
            "gap": {"setbacks": [5, 5]},  # nothing on "lessons"
            "full": {"setbacks": [1], "lessons": [1]},
        }
    )
    ranking = rank_vendors(Scale(), CRITERIA, ["gap", "full"], scores)
    assert ranking.order == ("full", "gap")
    gap = ranking.result("gap")
    assert gap.incomplete and gap.gaps == ("lessons",)
    assert gap.score is None and gap.rank is None
    assert gap.criterion_means == {"setbacks": 5.0, "lessons": None}
    assert gap.spread["lessons"].n == 0 and gap.spread["lessons"].std is None
    assert ranking.result("full").rank == 1


def test_missing_value_on_zero_weight_criterion_is_not_a_gap():
    criteria = [Criterion("setbacks", weight=1), Criterion("lessons", weight=0)]
    ranking = rank_vendors(Scale(), criteria, ["A"], scores_from({"A": {"setbacks": [4]}}))
    assert not ranking.results[0].incomplete
    assert ranking.results[0].score == pytest.approx(75.0)


def test_weights_override_omitted_criteria_weigh_zero():
    scores = scores_from(
        {"A": {"setbacks": [5], "lessons": [1]}, "B": {"setbacks": [1], "lessons": [5]}}
    )
    ranking = rank_vendors(Scale(), CRITERIA, ["A", "B"], scores, weights={"lessons": 2})
    assert ranking.weights == {"setbacks": 0.0, "lessons": 1.0}
    assert ranking.order == ("B", "A")
    assert ranking.result("B").score == pytest.approx(100.0)
    with pytest.raises(InvalidWeights, match="unknown criteria: price"):
        rank_vendors(Scale(), CRITERIA, ["A", "B"], scores, weights={"price": 1})


def test_drafts_never_arrive_so_abstentions_simply_lower_n():
    scores = scores_from({"A": {"setbacks": [5, None, 3], "lessons": [None, 4, None]}})
    result = rank_vendors(Scale(), CRITERIA, ["A"], scores).results[0]
    assert result.criterion_means == {"setbacks": 4.0, "lessons": 4.0}
    assert result.spread["setbacks"].n == 2


def test_empty_shortlist_ranks_nothing():
    ranking = rank_vendors(Scale(), CRITERIA, [], [])
    assert ranking.results == () and ranking.winner is None


@pytest.mark.parametrize(
    ("score", "message"),
    [
        (ScoreValue("e", "A", "setbacks", 6), "off the scale 1..5"),
        (ScoreValue("e", "A", "setbacks", 0.5), "off the scale"),
        (ScoreValue("e", "A", "setbacks", float("nan")), "off the scale"),
        (ScoreValue("e", "Z", "setbacks", 3), "unknown vendor 'Z'"),
        (ScoreValue("e", "A", "price", 3), "unknown criterion 'price'"),
        (ScoreValue("e", "A", "setbacks", "3"), "must be a number"),
    ],
)
def test_bad_scores_are_refused(score, message):
    with pytest.raises(InvalidScore, match=message):
        build_score_matrix(Scale(), CRITERIA, ["A"], [score])


def test_duplicate_score_for_one_cell_is_refused():
    scores = [ScoreValue("e", "A", "setbacks", 3), ScoreValue("e", "A", "setbacks", 4)]
    with pytest.raises(InvalidScore, match="more than one score"):
        build_score_matrix(Scale(), CRITERIA, ["A"], scores)


def test_bad_scale_and_criteria_are_refused():
    with pytest.raises(InvalidScale, match="below max"):
        Scale(5, 1)
    with pytest.raises(InvalidScale, match="finite"):
        Scale(1, float("inf"))
    with pytest.raises(InvalidCriteria, match="used twice"):
        build_score_matrix(Scale(), [Criterion("a"), Criterion("a")], [], [])
    with pytest.raises(InvalidCriteria, match="outside the scale"):
        build_score_matrix(Scale(), [Criterion("a", knockout_below=7)], [], [])
    with pytest.raises(InvalidCriteria, match="at least one criterion"):
        build_score_matrix(Scale(), [], [], [])
    with pytest.raises(InvalidScore, match="appear once"):
        build_score_matrix(Scale(), CRITERIA, ["A", "A"], [])
    with pytest.raises(InvalidWeights, match="all weights are zero"):
        rank_vendors(Scale(), [Criterion("a", weight=0)], [], [])

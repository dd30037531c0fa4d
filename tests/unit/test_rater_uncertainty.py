"""The ranking's confidence includes the evaluators' disagreement (issue 21): p_rank1 over joint
draws of evaluators and weights, statistical ties with the leader, leave-one-evaluator-out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluator.scoring import (
    Criterion,
    Scale,
    ScoreValue,
    analyse,
    build_score_matrix,
    rank_matrix,
    robustness,
    share_vector,
)
from evaluator.scoring.matrix import drop_evaluator
from evaluator.scoring.report import recommend
from evaluator.scoring.robustness import leave_one_evaluator_out, sample_evaluator_weights

TWO = [Criterion("a", weight=1), Criterion("b", weight=1)]

#: Per evaluator and vendor, the same value on both criteria. e1 and e2 prefer B; e3 loves A,
#: so A leads on the means (3.67 vs 3.33) only because of e3. A beats B exactly when e3's
#: bootstrap weight g3 > 1/4: P = (3/4)^2 = 0.5625 for Dirichlet(1, 1, 1).
ONE_DECIDES = {
    "e1": {"A": 3, "B": 4, "C": 3, "D": 1},
    "e2": {"A": 3, "B": 4, "C": 2, "D": 1},
    "e3": {"A": 5, "B": 2, "C": 3, "D": 1},
}


def scores_of(table):
    return [ScoreValue(e, v, c.key, value) for e, row in table.items()
            for v, value in row.items() for c in TWO]


def ranked(table):
    m = build_score_matrix(Scale(), TWO, ["A", "B", "C", "D"], scores_of(table))
    return m, rank_matrix(m, share_vector(m.criteria))


def test_one_evaluator_deciding_the_winner_lowers_p_rank1_below_0_7():
    m, r = ranked(ONE_DECIDES)
    assert r.winner == "A"
    result = robustness(m, r, samples=20_000, seed=0)
    assert result.evaluators_resampled
    assert result.p_rank1["A"] == pytest.approx(0.5625, abs=0.015)  # analytic value above
    assert result.p_rank1["A"] < 0.7
    assert result.p_rank1["B"] == pytest.approx(1 - result.p_rank1["A"], abs=1e-12)
    # The means alone (one "evaluator" holding them) would make A certain: A dominates B.
    means = {"A": 11 / 3, "B": 10 / 3, "C": 8 / 3, "D": 1}
    m1 = build_score_matrix(Scale(), TWO, list(means),
                            [ScoreValue("mean", v, c.key, x) for v, x in means.items() for c in TWO])
    assert robustness(m1, rank_matrix(m1, share_vector(m1.criteria)), samples=2000).p_rank1["A"] \
        == 1.0


def test_dominated_vendors_still_get_zero():
    m, r = ranked(ONE_DECIDES)
    result = robustness(m, r, samples=5000, seed=3)
    # Every evaluator scores C and D below A on every criterion: no draw can lift them.
    assert result.p_rank1["C"] == 0.0 and result.p_rank1["D"] == 0.0
    assert result.acceptability["D"][-1] == 1.0


def test_statistical_tie_and_margin_interval():
    m, r = ranked(ONE_DECIDES)
    result = robustness(m, r, samples=5000, seed=1)
    assert result.statistically_tied == ("B",)
    assert result.p_beats_leader["B"] == pytest.approx(0.4375, abs=0.02)
    assert result.p_beats_leader["C"] == 0.0
    lo, hi = result.leader_margin_ci95
    assert lo < 0 < hi  # the margin's interval reaches zero
    clear = {e: {"A": 5, "B": 2, "C": 2, "D": 1} for e in ("e1", "e2", "e3")}
    m2, r2 = ranked(clear)
    result = robustness(m2, r2, samples=2000, seed=1)
    assert result.statistically_tied == () and result.leader_margin_ci95[0] > 0


def test_leave_one_evaluator_out_shows_the_flip():
    m, r = ranked(ONE_DECIDES)
    drops = {d.evaluator: d for d in leave_one_evaluator_out(m, r)}
    assert set(drops) == {"e1", "e2", "e3"}
    assert drops["e3"].winners == ("B",) and drops["e3"].winner_changes
    assert drops["e3"].leader_rank == 2
    assert drops["e3"].leader_score == pytest.approx(50.0)  # A at 3 on a 1-5 scale
    assert not drops["e1"].winner_changes and drops["e1"].winners == ("A",)
    assert not drops["e2"].winner_changes


def test_the_ranking_object_and_recommendation_carry_it():
    data = analyse(Scale(), TWO, ["A", "B", "C", "D"], scores_of(ONE_DECIDES),
                   samples=4000).to_dict()
    sensitivity = data["sensitivity"]
    assert sensitivity["resamples"] == ["evaluators", "weights"]
    assert sensitivity["statistically_tied"] == ["B"]
    drops = {d["evaluator"]: d for d in sensitivity["leave_one_evaluator_out"]}
    assert drops["e3"]["winners"] == ["B"] and drops["e3"]["winner_changes"] is True
    vendors = {v["id"]: v for v in data["vendors"]}
    assert vendors["A"]["p_beats_leader"] is None and vendors["B"]["p_beats_leader"] > 0.4
    rec = recommend(data)
    assert rec["kind"] == "winner" and rec["leader"]["id"] == "A"
    assert [v["id"] for v in rec["statistically_tied"]] == ["B"]
    assert [d["evaluator"] for d in rec["evaluator_flips"]] == ["e3"]


def test_one_evaluator_means_weights_only_and_no_leave_one_out():
    single = {"e1": ONE_DECIDES["e1"]}
    m, r = ranked(single)
    result = robustness(m, r, samples=500, seed=0)
    assert not result.evaluators_resampled
    assert leave_one_evaluator_out(m, r) == ()
    assert np.all(sample_evaluator_weights(1, samples=4, seed=0) == 1)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 5), min_size=3, max_size=3), min_size=2, max_size=5),
    st.integers(1, 3), st.integers(0, 2**32 - 1),
)
def test_a_vendor_below_the_leader_in_every_evaluators_scores_never_ranks_first(
        top_rows, gap, seed):
    """Each evaluator gives "low" at least `gap` less than "top" on every criterion (clipped to
    the scale), so no weighting of evaluators or criteria can put "low" first."""
    criteria = [Criterion(k, weight=w) for k, w in zip("xyz", (3, 2, 1), strict=True)]
    scores = []
    for e, row in enumerate(top_rows):
        for c, value in zip(criteria, row, strict=True):
            top = max(value, 1 + gap)
            scores.append(ScoreValue(f"e{e}", "top", c.key, top))
            scores.append(ScoreValue(f"e{e}", "low", c.key, top - gap))
    m = build_score_matrix(Scale(), criteria, ["top", "low"], scores)
    r = rank_matrix(m, share_vector(m.criteria))
    result = robustness(m, r, samples=300, seed=seed)
    assert result.p_rank1 == {"top": 1.0, "low": 0.0}
    assert all(not d.winner_changes for d in leave_one_evaluator_out(m, r))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=12, max_size=12),
             min_size=2, max_size=4),
    st.integers(0, 1),
)
def test_leave_one_evaluator_out_agrees_with_a_full_re_ranking(rows, knockout):
    """The cheap re-ranking gives the winners and the leader's rank and score that
    rank_matrix gives on the matrix without that evaluator (gaps and knockouts included)."""
    criteria = [Criterion("x", weight=2, knockout_below=2 if knockout else None),
                Criterion("y", weight=1), Criterion("z", weight=1)]
    vendors = ["A", "B", "C", "D"]
    scores = [ScoreValue(f"e{e}", vendors[i // 3], criteria[i % 3].key, value)
              for e, row in enumerate(rows) for i, value in enumerate(row) if value is not None]
    m = build_score_matrix(Scale(), criteria, vendors, scores)
    r = rank_matrix(m, share_vector(m.criteria))
    for drop in leave_one_evaluator_out(m, r):
        full = rank_matrix(drop_evaluator(m, drop.evaluator), share_vector(m.criteria))
        assert set(drop.winners) == set(full.winners)
        leader = full.result(r.winner)
        assert drop.leader_rank == leader.rank
        assert drop.leader_score == (None if leader.score is None else pytest.approx(leader.score))

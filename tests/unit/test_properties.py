"""Hypothesis property tests of the ranking invariants the issue promises."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.scoring import (
    Criterion,
    Scale,
    ScoreValue,
    analyse,
    build_score_matrix,
    flip_weights,
    rank_matrix,
    rank_vendors,
    robustness,
    share_vector,
)

SCALE = Scale(1, 5)
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def evaluations(draw, min_vendors=1):
    """Small random evaluations: criteria with weights/knockouts, sparse half-point scores."""
    n_criteria = draw(st.integers(1, 4))
    weights = draw(st.lists(st.integers(0, 5), min_size=n_criteria, max_size=n_criteria))
    if not any(weights):
        weights[0] = 1
    criteria = [
        Criterion(
            f"k{i}",
            weight=w,
            knockout_below=draw(st.one_of(st.none(), st.sampled_from([1.5, 2.0, 2.5]))),
        )
        for i, w in enumerate(weights)
    ]
    vendors = [f"v{i}" for i in range(draw(st.integers(min_vendors, 5)))]
    evaluators = [f"e{i}" for i in range(draw(st.integers(1, 4)))]
    value = st.one_of(st.none(), st.sampled_from([1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]))
    scores = [
        ScoreValue(e, v, c.key, x)
        for e in evaluators
        for v in vendors
        for c in criteria
        if (x := draw(value)) is not None
    ]
    return criteria, vendors, scores


@PROPERTY_SETTINGS
@given(evaluations())
def test_scores_stay_within_0_and_100(case):
    criteria, vendors, scores = case
    for result in rank_vendors(SCALE, criteria, vendors, scores).results:
        assert result.score is None or 0.0 <= result.score <= 100.0
        assert (result.score is None) == result.incomplete == (result.rank is None)


@PROPERTY_SETTINGS
@given(evaluations(), st.data())
def test_adding_a_vendor_never_reorders_the_others(case, data):
    criteria, vendors, scores = case
    before = rank_vendors(SCALE, criteria, vendors, scores)
    newcomer = "zz-new"
    extra = [
        ScoreValue("e0", newcomer, c.key, data.draw(st.sampled_from([1, 2, 3, 4, 5])))
        for c in criteria
    ]
    after = rank_vendors(SCALE, criteria, [*vendors, newcomer], scores + extra)
    assert [v for v in after.order if v != newcomer] == list(before.order)
    for result in before.results:
        assert after.result(result.vendor).score == result.score


@PROPERTY_SETTINGS
@given(evaluations(), st.integers(0, 2**32 - 1))
def test_p_rank1_sums_to_one_and_acceptability_is_doubly_stochastic(case, seed):
    criteria, vendors, scores = case
    m = build_score_matrix(SCALE, criteria, vendors, scores)
    ranking = rank_matrix(m, share_vector(m.criteria))
    result = robustness(m, ranking, samples=200, seed=seed)
    total = sum(result.p_rank1.values())
    if result.eligible:
        assert abs(total - 1.0) < 1e-9
        for row in result.acceptability.values():
            assert abs(sum(row) - 1.0) < 1e-9
        for r in range(len(result.eligible)):
            assert abs(sum(row[r] for row in result.acceptability.values()) - 1.0) < 1e-9
    else:
        assert total == 0.0


@PROPERTY_SETTINGS
@given(evaluations(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_dominant_vendor_wins_every_sample(case, margin, seed):
    criteria, vendors, scores = case
    # "top" scores the maximum on every criterion; "low" is dominated by it everywhere.
    top = [ScoreValue("e0", "top", c.key, 5) for c in criteria]
    low = [ScoreValue("e0", "low", c.key, 5 - margin) for c in criteria]
    everyone = [*vendors, "top", "low"]
    # keep the others strictly below "top": drop any other vendor's perfect profile
    m = build_score_matrix(SCALE, criteria, everyone, scores + top + low)
    ranking = rank_matrix(m, share_vector(m.criteria))
    order = ranking.order
    assert order.index("top") < order.index("low")
    assert ranking.result("top").rank <= ranking.result("low").rank
    result = robustness(m, ranking, samples=200, seed=seed)
    perfect_rivals = [
        v
        for v in result.eligible
        if v != "top" and ranking.result(v).score == ranking.result("top").score
    ]
    if not perfect_rivals:
        assert result.p_rank1["top"] == 1.0
        assert all(f.flip is None for f in flip_weights(m, ranking).values())
    else:  # rivals tied at 100 on every weighted criterion share rank 1
        assert abs(result.p_rank1["top"] - 1 / (1 + len(perfect_rivals))) < 1e-9


@PROPERTY_SETTINGS
@given(evaluations(min_vendors=2), st.randoms(use_true_random=False))
def test_permuting_evaluators_changes_nothing(case, rnd: random.Random):
    criteria, vendors, scores = case
    evaluators = sorted({s.evaluator for s in scores})
    relabel = dict(zip(evaluators, rnd.sample(evaluators, len(evaluators)), strict=True))
    permuted = [ScoreValue(relabel[s.evaluator], s.vendor, s.criterion, s.value) for s in scores]
    rnd.shuffle(permuted)
    first = analyse(SCALE, criteria, vendors, scores, samples=100, seed=1).to_dict()
    second = analyse(SCALE, criteria, vendors, permuted, samples=100, seed=1).to_dict()
    leniency_first = {row["evaluator"]: row for row in first.pop("leniency")}
    leniency_second = {row["evaluator"]: row for row in second.pop("leniency")}
    dropped_first = {row["evaluator"]: row
                     for row in first["sensitivity"].pop("leave_one_evaluator_out")}
    dropped_second = {row["evaluator"]: row
                      for row in second["sensitivity"].pop("leave_one_evaluator_out")}
    assert first == second  # p_rank1 too: evaluator resampling does not depend on labels
    for old, new in relabel.items():
        assert {**leniency_first[old], "evaluator": new} == leniency_second[new]
        if dropped_first:
            assert {**dropped_first[old], "evaluator": new} == dropped_second[new]


@PROPERTY_SETTINGS
@given(evaluations(min_vendors=2))
def test_flip_weights_are_exact_boundaries(case):
    criteria, vendors, scores = case
    m = build_score_matrix(SCALE, criteria, vendors, scores)
    ranking = rank_matrix(m, share_vector(m.criteria))
    for key, flip in flip_weights(m, ranking).items():
        if flip.flip is None or flip.current >= 1:
            continue
        step = 1e-7 if flip.direction == "up" else -1e-7
        beyond = flip.flip + step
        if not 0 <= beyond <= 1:
            continue
        rest = (1 - beyond) / (1 - flip.current)
        weights = {k: beyond if k == key else w * rest for k, w in ranking.weights.items()}
        shifted = rank_matrix(m, share_vector(m.criteria, weights))
        scores_now = {r.vendor: r.score for r in shifted.results}
        if scores_now[ranking.winner] is None:
            # the winner lacks this zero-weight criterion: any positive share drops it
            assert flip.flip == 0.0 and flip.current == 0.0
            continue
        # just beyond the flip weight the takeover vendor is strictly ahead of the old winner
        assert scores_now[flip.takeover] > scores_now[ranking.winner]

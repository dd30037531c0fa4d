"""The outcome model applied to a shortlist (evaluator/scoring/predictions.py), no database."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from evaluator.scoring.outcome import ModelParams
from evaluator.scoring.predictions import NOT_FIRST_CHOICE, predict_shortlist
from evaluator.scoring.ranking import VendorResult


def params(delivery_effect=1.0, dossier_effect=0.5) -> ModelParams:
    # cal_a = -1 makes each effect equal to its coefficient (effects = -cal_a * coef).
    return ModelParams(features=("delivery", "relevant_case_studies"), impute=(3.0, 2.0),
                       mean=(3.0, 2.0), scale=(1.0, 1.0), coef=(delivery_effect, dossier_effect),
                       intercept=0.0, cal_a=-1.0, cal_b=0.0)


def result(vendor, rank, delivery):
    return VendorResult(vendor=vendor, score=None if rank is None else 50.0, rank=rank,
                        knocked_out=False, knockouts=(), incomplete=delivery is None, gaps=(),
                        criterion_means={"delivery": delivery}, spread={})


def predict(model, results, extra=None, withheld_reason=None):
    return predict_shortlist(model, results, criterion_keys={"delivery"},
                             extra_features=extra or {}, names={1: "Ash", 2: "Birch", 3: "Cedar"},
                             withheld_reason=withheld_reason)


def test_a_model_without_skill_predicts_nothing_and_says_why():
    out = predict(params(), [result(1, 1, 4.0), result(2, 2, 3.0)],
                  extra={1: {"relevant_case_studies": 2}, 2: {"relevant_case_studies": 2}},
                  withheld_reason="no demonstrated skill: needs programs from 10 vendors")
    assert out.predictions == {} and out.notes == []
    assert [v.reason for v in out.vendors] == [
        "Predictions withheld: no demonstrated skill: needs programs from 10 vendors."] * 2


def test_a_vendor_without_a_score_on_a_model_criterion_gets_no_prediction():
    out = predict(params(), [result(1, 1, 4.0), result(2, None, None)],
                  extra={1: {"relevant_case_studies": 3}, 2: {"relevant_case_studies": 3}})
    assert set(out.predictions) == {1}
    assert out.vendors[1].reason.startswith("No score yet on delivery")


def test_a_prediction_resting_mostly_on_unknown_features_is_withheld():
    # The dossier feature carries 2/3 of the effect and is unknown for vendor 1.
    mostly_unknown = predict(params(1.0, 2.0), [result(1, 1, 4.0)])
    assert mostly_unknown.predictions == {}
    assert "67% of its effect" in mostly_unknown.vendors[0].reason
    # Carrying 1/3, the unknown feature is imputed with the training median and flagged.
    partly_unknown = predict(params(1.0, 0.5), [result(1, 1, 4.0)])
    imputed = {c["feature"]: c["imputed"] for c in partly_unknown.vendors[0].contributions}
    assert imputed == {"delivery": False, "relevant_case_studies": True}
    assert partly_unknown.predictions[1] == round(1 / (1 + math.exp(-1.0)), 4)


def test_the_model_disagreeing_with_the_committee_is_noted():
    extra = {v: {"relevant_case_studies": 2} for v in (1, 2, 3)}
    # Committee order 1, 2, 3; the model's order is the reverse (delivery 2 < 3 < 4).
    out = predict(params(), [result(1, 1, 2.0), result(2, 2, 3.0), result(3, 3, 4.0)], extra)
    assert [v.model_rank for v in out.vendors] == [3, 2, 1]
    assert out.notes == [NOT_FIRST_CHOICE, "Cedar: committee rank 3, model rank 1.",
                         "Ash: committee rank 1, model rank 3."]
    assert [v.disagrees for v in out.vendors] == [True, False, True]
    agreeing = predict(params(), [result(3, 1, 4.0), result(2, 2, 3.0), result(1, 3, 2.0)], extra)
    assert agreeing.notes == [] and not any(v.disagrees for v in agreeing.vendors)


def test_equal_predictions_share_a_model_rank():
    extra = {v: {"relevant_case_studies": 2} for v in (1, 2)}
    out = predict(params(), [result(1, 1, 3.5), result(2, 2, 3.5)], extra)
    assert [v.model_rank for v in out.vendors] == [1, 1]


@given(st.floats(1, 5), st.floats(0, 10), st.floats(-3, 3), st.floats(-3, 3))
def test_contributions_and_base_add_up_to_the_prediction(delivery, cases, e1, e2):
    model = params(e1, e2)
    out = predict(model, [result(1, 1, delivery)], {1: {"relevant_case_studies": cases}})
    vendor = out.vendors[0]
    log_odds = vendor.base_log_odds + sum(c["contribution"] for c in vendor.contributions)
    assert math.isclose(1 / (1 + math.exp(-log_odds)), out.predictions[1], abs_tol=1e-3)

"""Pure decision-integrity rules: the evidence rule, interim vs final, the recommendation
sentence (scoring/evidence.py, scoring/report.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluator.scoring import Scale
from evaluator.scoring.evidence import EVIDENCE_RULES, citation_required
from evaluator.scoring.report import FINAL_STATUSES, process_status, recommend

STATUSES = ("draft", "scoring", "review", "moderation", "decided")


@given(rule=st.sampled_from(EVIDENCE_RULES), value=st.one_of(st.none(), st.integers(1, 5)),
       knockout=st.booleans())
def test_citation_rule(rule, value, knockout):
    needed = citation_required(rule, value, Scale(1, 5), knockout=knockout)
    if value is None or rule == "none":
        assert not needed  # an abstention never needs one; "none" never does
    elif rule == "every":
        assert needed
    else:
        assert needed == (knockout or value in (1, 5))


def test_unknown_rule_is_refused_not_ignored():
    with pytest.raises(ValueError, match="Unknown evidence rule"):
        citation_required("sometimes", 5, Scale(1, 5), knockout=False)


@given(status=st.sampled_from(STATUSES),
       evaluators=st.lists(st.integers(1, 50), unique=True, max_size=6),
       data=st.data())
def test_final_only_when_scoring_closed_and_counts_honest(status, evaluators, data):
    submitted = data.draw(st.lists(st.sampled_from(evaluators), unique=True)
                          if evaluators else st.just([]))
    process = process_status(status=status, evaluators=[(i, f"E{i}") for i in evaluators],
                             submitted=submitted)
    assert process["final"] == (status in FINAL_STATUSES)
    assert process["submitted_evaluators"] == len(submitted)
    assert process["expected_evaluators"] == len(evaluators)
    assert {m["id"] for m in process["missing_evaluators"]} == set(evaluators) - set(submitted)
    assert (process["qualifier"] is None) == process["final"]


def _ranking(final, p_rank1=0.95, alpha=0.9, scores=(80.0, 60.0)):
    vendors = [{"id": i + 1, "name": f"V{i + 1}", "rank": i + 1, "score": s,
                "knocked_out": False, "incomplete": False, "p_rank1": p if i == 0 else 1 - p}
               for i, (s, p) in enumerate(zip(scores, (p_rank1, p_rank1), strict=True))]
    return {"vendors": vendors, "final": final, "agreement_alpha": alpha,
            "process": {"status": "review" if final else "scoring", "submitted_evaluators": 1,
                        "expected_evaluators": 3},
            "sensitivity": {"flips": []}}


@given(final=st.booleans(), p=st.floats(0.5, 1.0), alpha=st.floats(-0.5, 1.0))
def test_only_a_final_result_says_award_to(final, p, alpha):
    rec = recommend(_ranking(final, p, alpha))
    if rec["kind"] != "winner":
        return
    assert ("award to" in rec["headline"].lower()) == final
    if not final:
        assert rec["headline"].startswith("Currently leading: V1")
        assert "1 of 3 evaluators submitted" in rec["headline"]


def test_weak_evidence_is_said_in_the_sentence_itself():
    rec = recommend(_ranking(True, p_rank1=0.6, alpha=0.3),
                    {1: {"on_time_share": 0.2, "median_slip_pct": 40.0},
                     2: {"on_time_share": 0.8, "median_slip_pct": 5.0}})
    assert [c["code"] for c in rec["cautions"]] == ["poor_agreement", "low_confidence",
                                                    "weaker_delivery"]
    assert rec["headline"].startswith("Recommendation: award to V1, with caution:")
    clean = recommend(_ranking(True), {1: {"on_time_share": 0.9, "median_slip_pct": 0.0},
                                       2: {"on_time_share": 0.5, "median_slip_pct": 20.0}})
    assert clean["cautions"] == [] and clean["headline"] == "Recommendation: award to V1"

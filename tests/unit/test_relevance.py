from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluator.scoring import InvalidWeights
from evaluator.scoring.relevance import (
    CaseFacts,
    ProgramContext,
    fit,
    relevance,
    summarise,
)

BANK = ProgramContext(sector="Financial services", org_size="enterprise", regimes=("DORA", "GDPR"),
                      budget_band=(2e6, 6e6), duration_band=(12, 24))


def test_hand_computed_relevance():
    case = CaseFacts(sector="financial  SERVICES", org_size="large", regimes=("GDPR",),
                     budget=3e6, months=30)
    r = relevance(BANK, case)
    # weights 3 sector, 3 regimes, 2 size, 1 budget, 1 duration = 10
    # matches 1, 1/2, 0.5 (adjacent size), 1, 0.5 (30 within 2x of 24)
    expected = (3 * 1 + 3 * 0.5 + 2 * 0.5 + 1 * 1 + 1 * 0.5) / 10
    assert r.score == pytest.approx(expected)
    assert r.badge == "high" if expected >= 2 / 3 else "medium"
    assert {f.facet for f in r.facets} == {"sector", "regimes", "org_size", "budget_band",
                                           "duration_band"}
    assert sum(f.weight for f in r.facets) == pytest.approx(1)


def test_unrelated_case_is_low_and_empty_program_is_unknown():
    retail = CaseFacts(sector="Retail", org_size="small", regimes=(), budget=1e5, months=3)
    assert relevance(BANK, retail).score == 0
    assert relevance(BANK, retail).badge == "low"
    assert relevance(ProgramContext(), retail).score is None


def test_only_specified_facets_count_and_weights_are_configurable():
    program = ProgramContext(sector="Energy")
    assert relevance(program, CaseFacts(sector="Energy")).score == 1.0
    r = relevance(BANK, CaseFacts(sector="Financial services"), {"sector": 1, "regimes": 0,
                                                                 "org_size": 0, "budget_band": 0,
                                                                 "duration_band": 0})
    assert r.score == 1.0
    with pytest.raises(InvalidWeights):
        relevance(BANK, CaseFacts(), {"colour": 1})
    with pytest.raises(InvalidWeights):
        relevance(BANK, CaseFacts(), {"sector": -1})


facts = st.builds(
    CaseFacts,
    sector=st.sampled_from(["", "Financial services", "Retail", "Energy"]),
    org_size=st.sampled_from(["", "small", "medium", "large", "enterprise"]),
    regimes=st.lists(st.sampled_from(["DORA", "GDPR", "SOX", "HIPAA"]), max_size=3).map(tuple),
    budget=st.one_of(st.none(), st.floats(1e4, 1e8)),
    months=st.one_of(st.none(), st.floats(1, 60)),
)


@given(case=facts)
def test_relevance_in_unit_interval(case):
    score = relevance(BANK, case).score
    assert 0 <= score <= 1


@given(case=facts, facet=st.sampled_from(["sector", "regimes", "org_size", "budget", "months"]))
def test_a_facet_match_never_lowers_relevance(case, facet):
    improved = {
        "sector": dict(sector=BANK.sector),
        "regimes": dict(regimes=BANK.regimes),
        "org_size": dict(org_size=BANK.org_size),
        "budget": dict(budget=4e6),
        "months": dict(months=18),
    }[facet]
    better = CaseFacts(**{**case.__dict__, **improved})
    assert relevance(BANK, better).score >= relevance(BANK, case).score - 1e-12


def test_vendor_with_matching_cases_has_more_relevant_evidence():
    matching = [relevance(BANK, CaseFacts(sector="Financial services", org_size="enterprise",
                                          regimes=("DORA",)))] * 2
    unrelated = [relevance(BANK, CaseFacts(sector="Retail", org_size="small"))] * 2
    a, b = summarise(matching, [True, False]), summarise(unrelated, [True, True])
    assert (a.n_relevant, b.n_relevant) == (2, 0)
    assert a.mean_relevance > b.mean_relevance
    assert a.relevant_on_time_share == 0.5 and b.relevant_on_time_share is None


def test_fit_matrix_flags_missing_and_expired():
    program = ProgramContext(systems=("mainframe", "SAP"),
                             certifications=("ISO 27001", "SOC 2 Type II", "PCI DSS"))
    cells = fit(program, [("mainframe", "IBM z/OS CICS"), ("erp", "SAP S/4HANA")],
                [("ISO 27001", date(2027, 6, 1)), ("SOC 2 Type II", date(2026, 1, 1))],
                today=date(2026, 11, 27))
    status = {c.requirement: c.status for c in cells}
    assert status == {"mainframe": "proven", "SAP": "proven", "ISO 27001": "valid",
                      "SOC 2 Type II": "expired", "PCI DSS": "missing"}
    soon = fit(ProgramContext(certifications=("ISO 27001",)), [],
               [("ISO 27001", date(2027, 1, 15))], today=date(2026, 11, 27))
    assert soon[0].status == "expiring"

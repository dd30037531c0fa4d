"""Relevant evidence in the memo: fit gaps and contradicted reference claims, read from the PDF."""

from __future__ import annotations

from datetime import date

from evaluator.extensions import db
from evaluator.models import ReferenceCheck, ReferenceClaim
from tests.conftest import login
from tests.pdf.conftest import DEMO_PASSWORD, pdf_text, squeeze


def test_contradicted_claim_and_fit_gap_appear_in_the_memo(client, demo):
    demo.context = {"sector": "Financial services", "org_size": "enterprise",
                    "regimes": ["PRA/FCA"], "certifications": ["FedRAMP High"]}
    vendor = demo.shortlist[0].vendor
    case_study = vendor.case_studies[0]
    db.session.add(ReferenceCheck(
        case_study=case_study, referee_name="Former CIO", called_on=date(2026, 11, 2),
        claims=[ReferenceClaim(claim_type="budget", statement="Delivered on budget",
                               verdict="contradicted", note="Overran by forty percent")]))
    db.session.commit()
    login(client, "lead@example.com", DEMO_PASSWORD)
    response = client.get(f"/evaluations/{demo.id}/memo.pdf")
    assert response.status_code == 200
    text = squeeze(pdf_text(response.data))
    assert squeeze("Relevance of the track record, fit and reference checks") in text
    assert squeeze("CONTRADICTED budget claim") in text
    assert squeeze("Overran by forty percent") in text
    assert squeeze("FedRAMP High: missing") in text

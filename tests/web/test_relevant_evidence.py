"""Program context, relevance-ordered evidence, fit matrix, and reference checks."""

from __future__ import annotations

from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import (
    CaseStudy,
    Certification,
    Evaluation,
    Integration,
    MemberRole,
    Membership,
    ReferenceCheck,
    Role,
    ShortlistEntry,
    Status,
    Vendor,
)
from evaluator.services.evaluations import create_from_template
from evaluator.services.templates import ensure_builtin_template
from tests.conftest import attest, login, make_user, post


def _setup():
    template = ensure_builtin_template(db.session)
    lead = make_user("lead@example.com", role=Role.LEAD)
    evaluator = make_user("ana@example.com")
    evaluation = create_from_template(db.session, title="Bank core", template=template,
                                      created_by=lead)
    evaluation.status = Status.SCORING.value
    evaluation.members.append(Membership(user=evaluator, role=MemberRole.EVALUATOR))
    fit = Vendor(name="Fit Co", case_studies=[
        CaseStudy(title="Retail web shop", client_sector="Retail", org_size="small"),
        CaseStudy(title="Bank ledger migration", client_sector="Financial services",
                  org_size="enterprise", regulatory_regime="DORA, GDPR",
                  planned_months=12, actual_months=13),
    ], integrations=[Integration(kind="mainframe", product="IBM z/OS")],
        certifications=[Certification(name="ISO 27001")])
    other = Vendor(name="Other Co", case_studies=[
        CaseStudy(title="Shop A", client_sector="Retail", org_size="small"),
        CaseStudy(title="Shop B", client_sector="Retail", org_size="small"),
    ])
    for v in (fit, other):
        evaluation.shortlist.append(ShortlistEntry(vendor=v))
    db.session.commit()
    return evaluation, fit, other


def _context(client, evaluation, **extra):
    data = {"version": evaluation.version, "sector": "Financial services",
            "org_size": "enterprise", "regimes": "DORA", "systems": "mainframe",
            "certifications": "ISO 27001, SOC 2 Type II", "w_sector": 3, "w_regimes": 3,
            "w_org_size": 2, "w_budget_band": 1, "w_duration_band": 1}
    data.update(extra)
    return post(client, f"/evaluations/{evaluation.id}/context", data)


def test_context_is_saved_and_bad_input_changes_nothing(client):
    evaluation, _, _ = _setup()
    login(client, "lead@example.com")
    assert _context(client, evaluation).status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Evaluation, evaluation.id)
    assert fresh.context["regimes"] == ["DORA"]
    assert fresh.context["certifications"] == ["ISO 27001", "SOC 2 Type II"]
    bad = _context(client, fresh, w_sector=-1, sector="Retail")
    assert bad.status_code == 400
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).context["sector"] == "Financial services"


def test_relevant_evidence_first_on_scoring_screen_and_summary_on_compare(client):
    evaluation, fit, other = _setup()
    login(client, "lead@example.com")
    _context(client, evaluation)
    post(client, "/logout")
    login(client, "ana@example.com")
    attest(client, evaluation.id)
    page = client.get(f"/evaluations/{evaluation.id}/score?vendor={fit.id}").get_data(
        as_text=True)
    panel = page[page.index('class="evidence-panel"'):]
    assert panel.index("Bank ledger migration") < panel.index("Retail web shop")
    assert "relevance high" in page and "relevance low" in page
    # The lead sees the relevant-evidence summary and fit matrix on the comparison.
    post(client, "/logout")
    login(client, "lead@example.com")
    html = client.get(f"/evaluations/{evaluation.id}/compare").get_data(as_text=True)
    section = html[html.index("Relevant evidence and fit"):html.index("Criterion by vendor")]
    assert "1 of 2" in section and "0 of 2" in section
    assert "Integration: mainframe" in section and "Certification: SOC 2 Type II" in section
    assert 'fit-proven' in section and 'fit-missing' in section


def test_contradicted_reference_claim_shows_on_vendor_page_and_scoring_screen(client):
    evaluation, fit, _ = _setup()
    cs = fit.case_studies[1]
    login(client, "lead@example.com")
    url = f"/vendors/{fit.id}/case-studies/{cs.id}/references/new"
    bad = post(client, url, {"referee_name": "CIO", "budget_verdict": "contradicted",
                             "budget_statement": "On budget"}, token_from=url)
    assert bad.status_code == 400
    assert db.session.scalar(select(ReferenceCheck)) is None
    ok = post(client, url, {"referee_name": "Dana, CIO", "timeline_verdict": "confirmed",
                            "budget_verdict": "contradicted", "budget_statement": "On budget",
                            "budget_note": "Overran by 40%"}, token_from=url)
    assert ok.status_code == 302
    check = db.session.scalar(select(ReferenceCheck))
    assert {c.verdict for c in check.claims} == {"confirmed", "contradicted"}
    page = client.get(f"/vendors/{fit.id}").get_data(as_text=True)
    assert "1 claim contradicted by a reference" in page and "Overran by 40%" in page
    post(client, "/logout")
    login(client, "ana@example.com")
    attest(client, evaluation.id)
    sheet = client.get(f"/evaluations/{evaluation.id}/score?vendor={fit.id}").get_data(
        as_text=True)
    assert "Contradicted by a reference" in sheet and "Overran by 40%" in sheet


def test_reference_checks_are_for_leads_only(client):
    _, fit, _ = _setup()
    login(client, "ana@example.com")
    cs = fit.case_studies[0]
    assert client.get(f"/vendors/{fit.id}/case-studies/{cs.id}/references/new").status_code \
        == 403

"""The vendor's journey and the lead's review, through the test client, with state re-read."""

from __future__ import annotations

from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import (
    AuditEvent,
    Interview,
    PortalInvitation,
    PortalSubmission,
    Vendor,
)
from tests.conftest import login, post

from .conftest import CASE_STUDY, audit_count, invite, portal_csrf, vpost


def _fill(client, token, guide_questions):
    assert vpost(client, token, "/start").status_code == 302
    r = vpost(client, token, "/profile", {"country": "United Kingdom", "headcount": "450",
                                          "contacts-0-name": "Jane Bid",
                                          "contacts-0-email": "jane@acme.example",
                                          "certifications-0-name": "ISO 27001",
                                          "certifications-0-expires_on": "2027-06-30"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert vpost(client, token, "/case-studies/new", CASE_STUDY).status_code == 302
    second = dict(CASE_STUDY, title="Old program", setbacks="Vendor's candid new account.")
    assert vpost(client, token, "/case-studies/new", second).status_code == 302
    answers = {f"answer_{q.id}": f"Answer to {q.criterion_key}" for q in guide_questions[:2]}
    assert vpost(client, token, "/answers", answers).status_code == 302


def test_vendor_drafts_submit_and_lead_accepts(app, client, lead, vendors):
    acme, other = vendors
    issued = invite(lead, acme)
    token, inv_id = issued.token, issued.invitation.id
    questions = issued.invitation.guide.questions
    page = client.get(f"/portal/{token}")
    assert page.status_code == 200 and "Start" in page.get_data(as_text=True)
    _fill(client, token, questions)

    inv = db.session.get(PortalInvitation, inv_id)
    assert inv.status == "draft" and inv.opened_at is not None
    sub = inv.submission
    assert sub.profile["country"] == "United Kingdom" and sub.profile["headcount"] == 450
    assert sub.profile["certifications"][0]["expires_on"] == "2027-06-30"
    assert [cs["title"] for cs in sub.case_studies] == ["Core banking migration", "Old program"]
    assert len(sub.answers) == 2
    # Drafts change nothing in the dossier.
    acme = db.session.get(Vendor, acme.id)
    assert acme.country == "UK" and len(acme.case_studies) == 1

    csrf = portal_csrf(client, token)
    r = vpost(client, token, "/submit", {"confirm": "y", "csrf_token": csrf})
    assert r.status_code == 302
    inv = db.session.get(PortalInvitation, inv_id)
    assert inv.status == "submitted" and inv.submission.submitted_at is not None
    # Submitting changes nothing in the dossier either, and the draft is frozen.
    acme = db.session.get(Vendor, acme.id)
    assert acme.country == "UK" and len(acme.case_studies) == 1 and not acme.interviews
    r = vpost(client, token, "/profile", {"country": "Changed after submit", "csrf_token": csrf})
    assert r.status_code == 302
    assert db.session.get(PortalSubmission, sub.id).profile["country"] == "United Kingdom"
    assert "Submitted" in client.get(f"/portal/{token}").get_data(as_text=True)

    login(client, "lead@example.com")
    detail = client.get(f"/portal-admin/{inv_id}").get_data(as_text=True)
    assert "Review: proposed vs current" in detail
    assert "United Kingdom" in detail and "new case study" in detail
    assert "updates the existing case study" in detail
    keys = [cs["key"] for cs in db.session.get(PortalSubmission, sub.id).case_studies]
    r = post(client, f"/portal-admin/{inv_id}/accept",
             {"include_profile": "y", "case_studies": keys, "include_answers": "y",
              "version": str(db.session.get(PortalSubmission, sub.id).version)},
             token_from=f"/portal-admin/{inv_id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/vendors/{acme.id}")

    acme = db.session.get(Vendor, acme.id)
    assert acme.country == "United Kingdom" and acme.headcount == 450
    assert [c.name for c in acme.certifications] == ["ISO 27001"]
    titles = {cs.title: cs for cs in acme.case_studies}
    assert set(titles) == {"Old program", "Core banking migration"}
    assert titles["Old program"].setbacks == "Vendor's candid new account."
    assert titles["Core banking migration"].planned_months == 12
    interview = db.session.scalars(select(Interview).where(Interview.vendor_id == acme.id)).one()
    assert len(interview.answers) == 2 and "jane" not in interview.interviewers
    assert "bids@acme.example" in interview.interviewers and "lead@example.com" in \
        interview.interviewers
    sub = db.session.get(PortalSubmission, sub.id)
    assert sub.decision == "accepted" and sub.reviewed_by_id == lead.id
    assert sub.applied["case_studies_updated"] == [titles["Old program"].id]
    # The other vendor is untouched.
    other = db.session.get(Vendor, other.id)
    assert other.country == "Norway" and [cs.title for cs in other.case_studies] == [
        "Borealis program"]
    # Who submitted and who accepted, in the audit trail.
    assert audit_count(action="portal.submit", actor=f"vendor-portal:{inv_id}") == 1
    accepted = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "portal.accept")).one()
    assert accepted.actor == "lead@example.com" and accepted.actor_id == lead.id
    assert f"vendor-portal:{inv_id}" in accepted.after["submitted_by"]
    change = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "CaseStudy", AuditEvent.action == "create")).all()
    assert change[-1].actor == "lead@example.com"
    # The dossier page shows the accepted case studies; the link is now closed.
    page = client.get(f"/vendors/{acme.id}").get_data(as_text=True)
    assert "Core banking migration" in page and "Written answers via the vendor portal" in page
    assert client.get(f"/portal/{token}").status_code == 404

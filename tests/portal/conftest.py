"""Builders for portal tests: a lead, vendors, an interview guide, and invitations with links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import AuditEvent, CaseStudy, Role, Vendor
from evaluator.services import portal as portal_service
from evaluator.services.dossier import list_guides
from evaluator.services.portal import InvitationRequest
from tests.conftest import make_user

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

CASE_STUDY = {
    "title": "Core banking migration", "year": "2023", "client_sector": "Banking",
    "org_size": "enterprise", "regulatory_regime": "DORA", "planned_months": "12",
    "actual_months": "15", "planned_budget": "2000000", "actual_budget": "2300000",
    "outcome": "delivered", "summary": "Migrated 2M accounts.",
    "setbacks": "Cut-over slipped 11 weeks because the extracts had orphaned records.",
    "response": "We added two data engineers and ran nightly reconciliations.",
    "lessons": "We now profile source data in the first four weeks.",
    "reference_name": "Kari Nordmann", "reference_email": "kari@bank.example",
}


@pytest.fixture
def lead(app):
    return make_user("lead@example.com", role=Role.LEAD, name="Priya Shah")


@pytest.fixture
def vendors(app):
    acme = Vendor(name="Acme Delivery", country="UK", description="Internal note: cautious.")
    acme.case_studies.append(CaseStudy(title="Old program", setbacks="Secret internal text"))
    other = Vendor(name="Borealis Systems", country="Norway", description="Borealis private.")
    other.case_studies.append(CaseStudy(title="Borealis program", summary="Borealis only"))
    db.session.add_all([acme, other])
    db.session.commit()
    return acme, other


def invite(lead, vendor=None, *, sections=("profile", "case_studies", "answers"),
           new_vendor_name="", days=14, email="bids@acme.example"):
    guide = list_guides(db.session)[0]
    return portal_service.create_invitation(db.session, lead, InvitationRequest(
        contact_email=email, sections=tuple(sections), vendor_id=vendor.id if vendor else None,
        new_vendor_name=new_vendor_name, contact_name="Jane Bid", guide_id=guide.id,
        valid_days=days))


def portal_csrf(client, token) -> str:
    """The CSRF token from the vendor's own page (its session cookie carries only that)."""
    match = CSRF_RE.search(client.get(f"/portal/{token}").get_data(as_text=True))
    assert match, "no CSRF token on the portal page"
    return match.group(1)


def vpost(client, token, suffix="", data=None, **kwargs):
    payload = dict(data or {})
    if "csrf_token" not in payload:
        payload["csrf_token"] = portal_csrf(client, token)
    return client.post(f"/portal/{token}{suffix}", data=payload, **kwargs)


def audit_count(**where) -> int:
    stmt = select(func.count()).select_from(AuditEvent)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, name) == value)
    return db.session.scalar(stmt)


def expire(invitation) -> None:
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    db.session.commit()

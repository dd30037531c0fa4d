"""The lead's side: invite (link shown once, optional email), status list, reminders, new link,
revoke, review with a diff, edit then accept, reject; every action in the audit trail."""

from __future__ import annotations

import re
import smtplib

from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import AuditEvent, PortalInvitation, Role, Vendor
from evaluator.services import portal as portal_service
from evaluator.services.dossier import list_guides
from evaluator.services.portal import hash_secret
from tests.conftest import login, make_user, post

from .conftest import CASE_STUDY, audit_count, expire, invite, vpost

LINK_RE = re.compile(r"http://localhost/portal/(evp_[A-Za-z0-9_-]{43})")


def _invite_form(**overrides):
    guide = list_guides(db.session)[0]
    data = {"vendor_id": "0", "new_vendor_name": "Nimbus Analytics", "contact_name": "Ola",
            "contact_email": "ola@nimbus.example", "sections": ["profile", "case_studies",
                                                               "answers"],
            "guide_id": str(guide.id), "valid_days": "10", "message": "Thanks!"}
    data.update(overrides)
    return data


def test_invite_shows_the_link_once_and_stores_its_hash(app, client, lead, vendors):
    login(client, "lead@example.com")
    r = post(client, "/portal-admin/invite", _invite_form(), token_from="/portal-admin/invite")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    token = LINK_RE.search(html).group(1)
    assert "shown only once" in html and "mailto:ola@nimbus.example" in html
    inv = db.session.scalars(select(PortalInvitation)).one()
    assert inv.token_hash == hash_secret(token) and inv.vendor_id is None
    assert inv.new_vendor_name == "Nimbus Analytics" and inv.status == "invited"
    assert token not in client.get(f"/portal-admin/{inv.id}").get_data(as_text=True)
    assert token not in client.get("/portal-admin/").get_data(as_text=True)
    assert audit_count(action="portal.invite", actor="lead@example.com") == 1
    assert client.get(f"/portal/{token}").status_code == 200
    # Nothing was added to the register yet.
    assert db.session.scalar(select(Vendor).where(Vendor.name == "Nimbus Analytics")) is None


def test_invite_refuses_bad_input_and_writes_nothing(app, client, lead, vendors):
    login(client, "lead@example.com")
    _invite_form()  # installs the shipped interview guide first (its own audit rows)
    before = audit_count()
    for overrides, message in (
        ({"contact_email": "not-an-email"}, "Enter an email address like name@example.com."),
        ({"sections": []}, "Choose at least one part."),
        ({"new_vendor_name": "acme delivery"}, "is already in the register"),
        ({"new_vendor_name": ""}, "Choose a vendor, or name the new one."),
        ({"valid_days": "400"}, "Enter a number of days from 1 to 90."),
        ({"vendor_id": "99999"}, "This vendor does not exist."),
    ):
        r = post(client, "/portal-admin/invite", _invite_form(**overrides),
                 token_from="/portal-admin/invite")
        assert r.status_code == 400, overrides
        assert message in r.get_data(as_text=True), overrides
    assert db.session.scalars(select(PortalInvitation)).all() == []
    assert audit_count() == before


def test_only_leads_and_admins_manage_invitations(app, client, lead, vendors):
    make_user("eva@example.com", role=Role.EVALUATOR)
    login(client, "eva@example.com")
    issued = invite(lead, vendors[0])
    for path in ("/portal-admin/", "/portal-admin/invite", f"/portal-admin/{issued.invitation.id}"):
        assert client.get(path).status_code == 403
    assert "Vendor portal" not in client.get("/").get_data(as_text=True)


def test_status_list_shows_every_state_with_deadlines(app, client, lead, vendors):
    acme, borealis = vendors
    invited = invite(lead, acme)
    drafted = invite(lead, acme)
    portal_service.save_profile(db.session, drafted.invitation, {"country": "UK"})
    expired = invite(lead, borealis)
    expire(expired.invitation)
    revoked = invite(lead, borealis)
    portal_service.revoke(db.session, revoked.invitation.id)
    login(client, "lead@example.com")
    html = client.get("/portal-admin/").get_data(as_text=True)
    for label in ("Invited: 1", "Draft: 1", "Expired: 1", "Revoked: 1"):
        assert label in html
    assert "14 days left" in html or "13 days left" in html
    assert invited.invitation.contact_email in html


def test_reminder_new_link_and_revoke(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    inv_id = issued.invitation.id
    login(client, "lead@example.com")
    detail = client.get(f"/portal-admin/{inv_id}").get_data(as_text=True)
    assert "A reminder that we are waiting for Acme Delivery" in detail
    assert "Issue a new link" in detail
    r = post(client, f"/portal-admin/{inv_id}/new-link", {"valid_days": "3"},
             token_from=f"/portal-admin/{inv_id}")
    assert r.status_code == 200
    new_token = LINK_RE.search(r.get_data(as_text=True)).group(1)
    assert client.get(f"/portal/{issued.token}").status_code == 404  # the old link is dead
    assert client.get(f"/portal/{new_token}").status_code == 200
    assert audit_count(action="portal.reissue_link", actor="lead@example.com") == 1
    r = post(client, f"/portal-admin/{inv_id}/revoke", token_from=f"/portal-admin/{inv_id}")
    assert r.status_code == 302
    inv = db.session.get(PortalInvitation, inv_id)
    assert inv.status == "revoked" and inv.revoked_at is not None
    assert client.get(f"/portal/{new_token}").status_code == 404
    assert audit_count(action="portal.revoke", actor="lead@example.com") == 1


def _submitted(client, lead, vendor):
    issued = invite(lead, vendor)
    vpost(client, issued.token, "/start")
    vpost(client, issued.token, "/profile", {"country": "Ireland"})
    vpost(client, issued.token, "/case-studies/new", CASE_STUDY)
    assert vpost(client, issued.token, "/submit", {"confirm": "y"}).status_code == 302
    return issued


def test_reject_leaves_the_dossier_untouched(app, client, lead, vendors):
    acme = vendors[0]
    issued = _submitted(client, lead, acme)
    inv_id = issued.invitation.id
    login(client, "lead@example.com")
    r = post(client, f"/portal-admin/{inv_id}/reject", {"note": ""},
             token_from=f"/portal-admin/{inv_id}")
    assert "Say why the submission is rejected." in client.get(
        r.headers["Location"]).get_data(as_text=True)
    assert db.session.get(PortalInvitation, inv_id).status == "submitted"
    r = post(client, f"/portal-admin/{inv_id}/reject", {"note": "Figures do not add up."},
             token_from=f"/portal-admin/{inv_id}")
    assert r.status_code == 302
    inv = db.session.get(PortalInvitation, inv_id)
    assert inv.status == "rejected" and inv.submission.decision_note == "Figures do not add up."
    assert inv.submission.reviewed_by_id == lead.id
    acme = db.session.get(Vendor, acme.id)
    assert acme.country == "UK" and [cs.title for cs in acme.case_studies] == ["Old program"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "portal.reject")).one()
    assert event.actor == "lead@example.com" and event.after == {"note": "Figures do not add up."}
    # A decided submission cannot be accepted afterwards.
    r = post(client, f"/portal-admin/{inv_id}/accept", {"include_profile": "y"},
             token_from=f"/portal-admin/{inv_id}")
    assert db.session.get(Vendor, acme.id).country == "UK"


def test_edit_then_accept_applies_the_edited_proposal(app, client, lead, vendors):
    acme = vendors[0]
    issued = _submitted(client, lead, acme)
    inv_id = issued.invitation.id
    key = db.session.get(PortalInvitation, inv_id).submission.case_studies[0]["key"]
    login(client, "lead@example.com")
    page = client.get(f"/portal-admin/{inv_id}/edit/case-studies/{key}")
    assert page.status_code == 200 and "Cut-over slipped" in page.get_data(as_text=True)
    r = post(client, f"/portal-admin/{inv_id}/edit/case-studies/{key}",
             dict(CASE_STUDY, actual_months="16", lessons="Edited by the lead."),
             token_from=f"/portal-admin/{inv_id}/edit/case-studies/{key}")
    assert r.status_code == 302
    sub = db.session.get(PortalInvitation, inv_id).submission
    assert sub.edited_by_id == lead.id and sub.case_studies[0]["actual_months"] == 16
    assert audit_count(action="portal.edit_submission", actor="lead@example.com") == 1
    # A stale review page (version before the edit) is refused, nothing applied.
    r = post(client, f"/portal-admin/{inv_id}/accept",
             {"include_profile": "y", "case_studies": [key], "version": str(sub.version - 1)},
             token_from=f"/portal-admin/{inv_id}")
    assert "changed since you opened this page" in client.get(
        r.headers["Location"]).get_data(as_text=True)
    assert db.session.get(Vendor, acme.id).country == "UK"
    # Nothing chosen: refused.
    r = post(client, f"/portal-admin/{inv_id}/accept", {"version": str(sub.version)},
             token_from=f"/portal-admin/{inv_id}")
    assert "Choose at least one part" in client.get(r.headers["Location"]).get_data(as_text=True)
    # Only the case study, not the profile.
    r = post(client, f"/portal-admin/{inv_id}/accept",
             {"case_studies": [key], "version": str(sub.version)},
             token_from=f"/portal-admin/{inv_id}")
    assert r.status_code == 302
    acme = db.session.get(Vendor, acme.id)
    assert acme.country == "UK"  # profile not chosen
    new = next(cs for cs in acme.case_studies if cs.title == CASE_STUDY["title"])
    assert new.actual_months == 16 and new.lessons == "Edited by the lead."
    sub = db.session.get(PortalInvitation, inv_id).submission
    assert sub.applied["case_studies_created"] == [new.id] and sub.applied["profile_fields"] == []


def test_accepting_a_new_vendor_adds_it_to_the_register(app, client, lead, vendors):
    issued = invite(lead, new_vendor_name="Nimbus Analytics")
    portal_service.save_profile(db.session, issued.invitation,
                                {"country": "Denmark", "sector": "Analytics"})
    portal_service.submit(db.session, issued.invitation)
    login(client, "lead@example.com")
    detail = client.get(f"/portal-admin/{issued.invitation.id}").get_data(as_text=True)
    assert "New vendor: added to the register when you accept" in detail
    sub = db.session.get(PortalInvitation, issued.invitation.id).submission
    r = post(client, f"/portal-admin/{issued.invitation.id}/accept",
             {"include_profile": "y", "version": str(sub.version)},
             token_from=f"/portal-admin/{issued.invitation.id}")
    vendor = db.session.scalar(select(Vendor).where(Vendor.name == "Nimbus Analytics"))
    assert vendor is not None and vendor.country == "Denmark" and vendor.sector == "Analytics"
    assert r.headers["Location"].endswith(f"/vendors/{vendor.id}")
    assert db.session.get(PortalInvitation, issued.invitation.id).vendor_id == vendor.id
    created = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "Vendor", AuditEvent.action == "create")).all()
    assert created[-1].actor == "lead@example.com"


def test_every_portal_action_is_in_the_audit_trail(app, client, lead, vendors):
    issued = _submitted(client, lead, vendors[0])
    actor = f"vendor-portal:{issued.invitation.id}"
    for action in ("portal.open", "portal.save_draft", "portal.submit"):
        assert audit_count(action=action, actor=actor) >= 1, action
    # The row-level changes are attributed to the vendor's link too.
    assert audit_count(entity_type="PortalSubmission", action="update", actor=actor) >= 3
    assert audit_count(entity_type="PortalInvitation", action="update", actor=actor) >= 2


class _FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        _FakeSMTP.sent.append(message)


def test_invitation_is_emailed_when_a_mail_server_is_configured(app, client, lead, vendors,
                                                                monkeypatch):
    _FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", _FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example", MAIL_DEFAULT_SENDER="buy@example.com")
    login(client, "lead@example.com")
    r = post(client, "/portal-admin/invite", _invite_form(), token_from="/portal-admin/invite")
    token = LINK_RE.search(r.get_data(as_text=True)).group(1)
    assert "Sent by email to ola@nimbus.example" in r.get_data(as_text=True)
    (message,) = _FakeSMTP.sent
    assert message["To"] == "ola@nimbus.example" and token in message.get_content()
    assert audit_count(action="portal.email_invitation") == 1
    inv = db.session.scalars(select(PortalInvitation)).one()
    r = post(client, f"/portal-admin/{inv.id}/remind", token_from=f"/portal-admin/{inv.id}")
    assert len(_FakeSMTP.sent) == 2 and token not in _FakeSMTP.sent[1].get_content()
    assert audit_count(action="portal.email_reminder") == 1

"""Links: stored hashed; bad, expired, revoked, altered and wrong-purpose links get nothing; one
vendor's link never reads or changes another vendor's data or any evaluation."""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import AuditEvent, PortalInvitation, PortalSubmission, Vendor
from evaluator.services import portal as portal_service
from evaluator.services import portal_review
from tests.conftest import login, post

from .conftest import CASE_STUDY, audit_count, expire, invite, portal_csrf, vpost

VENDOR_PATHS = ("", "/profile", "/case-studies/new", "/answers")


def test_only_the_hash_of_the_link_is_stored(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    inv = db.session.get(PortalInvitation, issued.invitation.id)
    assert inv.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token.startswith("evp_") and len(issued.token) == 47  # 32 random bytes
    row = db.session.execute(select(PortalInvitation.__table__)).mappings().one()
    assert issued.token not in json.dumps(dict(row), default=str)
    trail = json.dumps([(e.before, e.after) for e in db.session.scalars(select(AuditEvent))])
    assert issued.token not in trail and inv.token_hash not in trail  # hash redacted too
    # Two invitations never share a secret.
    assert invite(lead, vendors[1]).token != issued.token


def _body(client, path):
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_bad_links_all_get_the_same_404_and_no_data(app, client, lead, vendors):
    acme, _ = vendors
    good = invite(lead, acme)
    expired = invite(lead, acme)
    expire(expired.invitation)
    revoked = invite(lead, acme)
    portal_service.revoke(db.session, revoked.invitation.id)
    wrong_purpose = invite(lead, acme, sections=("profile",))
    altered = good.token[:10] + ("x" if good.token[10] != "x" else "y") + good.token[11:]
    truncated = good.token[:-3]
    before = audit_count()
    answers = set()
    for token in (altered, truncated, expired.token, revoked.token, "evp_" + "A" * 43,
                  "evk_" + good.token[4:], good.token + "A", good.token.upper()):
        for path in VENDOR_PATHS:
            status, body = _body(client, f"/portal/{token}{path}")
            assert status == 404, (token, path)
            answers.add(body)
    for path in ("/case-studies/new", "/answers"):  # a profile-only link opens nothing else
        status, body = _body(client, f"/portal/{wrong_purpose.token}{path}")
        assert status == 404
        answers.add(body)
    assert len(answers) == 1
    body = answers.pop()
    assert "This link does not work" in body
    assert "Acme" not in body and "bids@acme.example" not in body
    # POSTs with a CSRF token from a valid page change nothing either.
    csrf = portal_csrf(client, good.token)
    for token in (altered, expired.token, revoked.token):
        for path in ("/start", "/profile", "/case-studies/new", "/answers", "/submit"):
            response = client.post(f"/portal/{token}{path}", data={
                "csrf_token": csrf, "country": "Hacked", "confirm": "y", **CASE_STUDY})
            assert response.status_code == 404
    response = client.post(f"/portal/{wrong_purpose.token}/case-studies/new",
                           data={"csrf_token": csrf, **CASE_STUDY})
    assert response.status_code == 404
    assert audit_count() == before
    for sub in db.session.scalars(select(PortalSubmission)):
        assert sub.profile == {} and sub.case_studies == [] and sub.submitted_at is None
    assert db.session.get(PortalInvitation, expired.invitation.id).status == "invited"


def test_decided_links_are_closed(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    inv = issued.invitation
    portal_service.save_profile(db.session, inv, {"country": "UK"})
    portal_service.submit(db.session, inv)
    assert client.get(f"/portal/{issued.token}").status_code == 200  # read-only summary
    portal_review.reject(db.session, inv.id, lead, "Not what we asked for.")
    assert client.get(f"/portal/{issued.token}").status_code == 404


def test_a_link_cannot_reach_another_vendors_draft_or_dossier(app, client, lead, vendors):
    acme, borealis = vendors
    a = invite(lead, acme)
    b = invite(lead, borealis, email="bids@borealis.example")
    b_key = portal_service.save_case_study(
        db.session, b.invitation, portal_service.case_study_of(dict(CASE_STUDY, key="x")))
    b_sub = db.session.get(PortalSubmission, b.invitation.submission.id)
    b_before = (dict(b_sub.profile), list(b_sub.case_studies), b_sub.version)
    vpost(client, a.token, "/start")
    # B's case-study key under A's link: nothing to see, nothing to change or remove.
    assert client.get(f"/portal/{a.token}/case-studies/{b_key}").status_code == 404
    assert vpost(client, a.token, f"/case-studies/{b_key}",
                 dict(CASE_STUDY, title="Overwrite")).status_code == 404
    assert vpost(client, a.token, f"/case-studies/{b_key}/remove").status_code == 404
    # Ids smuggled into A's forms are ignored: only A's own draft changes.
    r = vpost(client, a.token, "/profile", {
        "country": "UK", "vendor_id": str(borealis.id), "invitation_id": str(b.invitation.id),
        "name": "Renamed", "version": "1", "submission_id": str(b_sub.id)})
    assert r.status_code == 302
    r = vpost(client, a.token, "/case-studies/new", dict(
        CASE_STUDY, vendor_id=str(borealis.id), key=b_key, invitation_id=str(b.invitation.id)))
    assert r.status_code == 302
    b_sub = db.session.get(PortalSubmission, b_sub.id)
    assert (b_sub.profile, b_sub.case_studies, b_sub.version) == b_before
    a_sub = db.session.get(PortalInvitation, a.invitation.id).submission
    assert a_sub.profile == {"country": "UK"} and len(a_sub.case_studies) == 1
    assert a_sub.case_studies[0]["key"] != b_key
    # A's pages show neither B's data nor the dossier's own (internal) text about A.
    seen = "".join(client.get(f"/portal/{a.token}{p}").get_data(as_text=True)
                   for p in VENDOR_PATHS)
    for secret in ("Borealis", "bids@borealis.example", "Internal note", "Secret internal",
                   "Old program"):
        assert secret not in seen, secret
    # The portal session is not a login: the app, the dossier and evaluations stay closed.
    for path in ("/", "/vendors/", f"/vendors/{borealis.id}", "/evaluations/",
                 "/evaluations/1", f"/portal-admin/{b.invitation.id}", "/portal-admin/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    response = client.post(f"/portal-admin/{b.invitation.id}/accept",
                           data={"csrf_token": portal_csrf(client, a.token)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.get(Vendor, borealis.id).country == "Norway"


def test_accepting_one_vendors_submission_touches_only_that_vendor(app, client, lead, vendors):
    acme, borealis = vendors
    a = invite(lead, acme)
    # A vendor proposes a case study titled like another vendor's: it stays a new one of its own.
    portal_service.save_case_study(db.session, a.invitation, portal_service.case_study_of(
        dict(CASE_STUDY, title="Borealis program", summary="Acme's own")))
    portal_service.submit(db.session, a.invitation)
    login(client, "lead@example.com")
    sub = db.session.get(PortalInvitation, a.invitation.id).submission
    r = post(client, f"/portal-admin/{a.invitation.id}/accept",
             {"case_studies": [sub.case_studies[0]["key"]], "version": str(sub.version)},
             token_from=f"/portal-admin/{a.invitation.id}")
    assert r.status_code == 302
    borealis = db.session.get(Vendor, borealis.id)
    assert [cs.summary for cs in borealis.case_studies] == ["Borealis only"]
    acme = db.session.get(Vendor, acme.id)
    assert {cs.title for cs in acme.case_studies} == {"Old program", "Borealis program"}


def test_portal_pages_are_private_and_strict(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    response = client.get(f"/portal/{issued.token}")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "<script" not in html and " style=" not in html
    assert "Dashboard" not in html  # no app navigation for vendors


def test_a_submitted_link_closes_at_its_deadline(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    portal_service.save_profile(db.session, issued.invitation, {"country": "UK"})
    portal_service.submit(db.session, issued.invitation)
    expire(issued.invitation)
    assert client.get(f"/portal/{issued.token}").status_code == 404
    # The lead can still review it: it stays "submitted", not "expired".
    inv = db.session.get(PortalInvitation, issued.invitation.id)
    assert portal_service.effective_status(inv) == "submitted"


def test_portal_and_lead_pages_have_no_inline_script_or_style(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    vpost(client, issued.token, "/start")
    paths = [f"/portal/{issued.token}{p}" for p in VENDOR_PATHS]
    html = [client.get(p).get_data(as_text=True) for p in paths]
    portal_service.save_case_study(db.session, issued.invitation,
                                   portal_service.case_study_of(CASE_STUDY))
    portal_service.submit(db.session, issued.invitation)
    login(client, "lead@example.com")
    for path in ("/portal-admin/", "/portal-admin/invite",
                 f"/portal-admin/{issued.invitation.id}"):
        response = client.get(path)
        assert response.status_code == 200
        html.append(response.get_data(as_text=True))
    for page in html:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
        assert not re.search(r"\sstyle=", page) and not re.search(r"\son[a-z]+=", page)

"""Hard limits on what a vendor can send, each with a clear message and nothing written."""

from __future__ import annotations

import pytest

from evaluator.extensions import db
from evaluator.models import PortalInvitation
from evaluator.services import portal as portal_service
from evaluator.services.portal import MAX_CASE_STUDIES, PortalError

from .conftest import CASE_STUDY, audit_count, invite, portal_csrf, vpost


def _sub(issued):
    return db.session.get(PortalInvitation, issued.invitation.id).submission


def test_at_most_ten_case_studies(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    for n in range(MAX_CASE_STUDIES):
        portal_service.save_case_study(db.session, issued.invitation, portal_service.case_study_of(
            dict(CASE_STUDY, title=f"Program {n}")))
    before = audit_count()
    r = vpost(client, issued.token, "/case-studies/new", dict(CASE_STUDY, title="One too many"))
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "at most 10 case studies" in page
    assert len(_sub(issued).case_studies) == MAX_CASE_STUDIES
    assert audit_count() == before
    with pytest.raises(PortalError, match="at most 10"):
        portal_service.save_case_study(db.session, issued.invitation,
                                       portal_service.case_study_of(CASE_STUDY))


def test_field_lengths_and_values_are_checked(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    r = vpost(client, issued.token, "/case-studies/new",
              dict(CASE_STUDY, title="T" * 201, planned_months="-3", reference_email="nope"))
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Field cannot be longer than 200 characters." in html
    assert "Enter a number from 0 to 1,200." in html
    assert "Enter an email address like name@example.com." in html
    r = vpost(client, issued.token, "/case-studies/new", dict(CASE_STUDY, setbacks="x" * 20_001))
    assert r.status_code == 400 and "Field cannot be longer than 20000 characters." in \
        r.get_data(as_text=True)
    r = vpost(client, issued.token, "/profile", {"website": "not a url", "headcount": "-1"})
    assert r.status_code == 400
    assert "Enter a web address starting with https://" in r.get_data(as_text=True)
    assert _sub(issued).case_studies == [] and _sub(issued).profile == {}


def test_duplicate_titles_in_one_submission_are_refused(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    assert vpost(client, issued.token, "/case-studies/new", CASE_STUDY).status_code == 302
    r = vpost(client, issued.token, "/case-studies/new",
              dict(CASE_STUDY, title=CASE_STUDY["title"].upper()))
    assert r.status_code == 400
    assert "Another case study in this submission has the same title." in r.get_data(as_text=True)
    assert len(_sub(issued).case_studies) == 1


def test_request_size_is_limited(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    csrf = portal_csrf(client, issued.token)
    r = client.post(f"/portal/{issued.token}/case-studies/new",
                    data={**CASE_STUDY, "csrf_token": csrf, "summary": "x" * 600_000})
    assert r.status_code == 413
    assert "larger than 512 KB" in r.get_data(as_text=True)
    assert _sub(issued).case_studies == []


def test_answers_only_to_the_guides_questions(app, lead, vendors):
    issued = invite(lead, vendors[0])
    with pytest.raises(PortalError, match="interview guide"):
        portal_service.save_answers(db.session, issued.invitation, {999_999: "Injected"})
    assert _sub(issued).answers == {}


def test_submit_needs_content_and_confirmation(app, client, lead, vendors):
    issued = invite(lead, vendors[0])
    r = vpost(client, issued.token, "/submit", {"confirm": "y"})
    assert r.status_code == 400
    assert "There is nothing to submit yet" in r.get_data(as_text=True)
    vpost(client, issued.token, "/case-studies/new", CASE_STUDY)
    r = vpost(client, issued.token, "/submit", {})
    assert r.status_code == 400 and "Tick the box to confirm" in r.get_data(as_text=True)
    assert _sub(issued).submitted_at is None


def test_rate_limit_per_link(app, client, lead, vendors):
    app.config["PORTAL_LIMIT_PER_TOKEN"] = "3 per minute"
    issued = invite(lead, vendors[0])
    other = invite(lead, vendors[1])
    for _ in range(3):
        assert client.get(f"/portal/{issued.token}").status_code == 200
    r = client.get(f"/portal/{issued.token}")
    assert r.status_code == 429
    assert "Too many requests from this link or address" in r.get_data(as_text=True)
    assert client.get(f"/portal/{other.token}").status_code == 200  # another link is not held


def test_rate_limit_per_address_also_counts_bad_links(app, client, lead, vendors):
    app.config["PORTAL_LIMIT_PER_ADDRESS"] = "4 per minute"
    issued = invite(lead, vendors[0])
    for n in range(4):
        assert client.get(f"/portal/evp_{'A' * 42}{n}").status_code == 404
    assert client.get(f"/portal/{issued.token}").status_code == 429
    assert client.get(f"/portal/{issued.token}",
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200

"""The API refuses what it cannot read unambiguously, and limits each token's calls:
If-Match "*" (428), a body not sent as JSON (415), duplicate keys, NaN and deep nesting (400),
more calls than API_LIMIT_PER_TOKEN (429 with Retry-After). Each refusal changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import AuditEvent, Vendor
from tests.api.conftest import assert_error, bearer, token_for


def _vendor() -> Vendor:
    db.session.expire_all()
    return db.session.scalars(select(Vendor).order_by(Vendor.id)).first()


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_if_match_star_does_not_bypass_optimistic_locking(api, lead):
    vendor = _vendor()
    before, audits = vendor.sector, _audit_count()
    response = api.patch(f"/api/v1/vendors/{vendor.id}", json={"sector": "Retail"},
                         headers={**lead, "If-Match": "*"})
    error = assert_error(response, 428, "precondition_required")
    assert "If-Match" in error["message"]
    assert _vendor().sector == before and _audit_count() == audits


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          None])
def test_a_body_not_sent_as_json_is_415(api, lead, content_type):
    vendors = db.session.scalar(select(func.count()).select_from(Vendor))
    headers = dict(lead)
    if content_type:
        headers["Content-Type"] = content_type
    response = api.post("/api/v1/vendors", data=json.dumps({"name": "Plain Text Ltd"}),
                        headers=headers)
    assert_error(response, 415, "unsupported_media_type")
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == vendors


def test_json_with_a_charset_is_accepted(api, lead):
    response = api.post("/api/v1/vendors", data=json.dumps({"name": "Charset Systems"}),
                        headers={**lead, "Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("body,message", [
    ('{"name": ', "not valid JSON"),
    ("[" * 5000 + "]" * 5000, "nested more than 32"),
    ('{"a":' * 40 + "1" + "}" * 40, "nested more than 32"),
    (b'{"name": "\xff"}', "not UTF-8"),
])
def test_unreadable_or_deeply_nested_json_is_400(api, lead, body, message):
    vendors, audits = db.session.scalar(select(func.count()).select_from(Vendor)), _audit_count()
    response = api.post("/api/v1/vendors", data=body,
                        headers={**lead, "Content-Type": "application/json"})
    error = assert_error(response, 400, "invalid_json")
    assert message in error["message"]
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == vendors
    assert _audit_count() == audits


@pytest.mark.parametrize("body,field,message", [
    ('{"name": "First Name Ltd", "name": "Second Name Ltd"}', "name", "appears twice"),
    ('{"name": "Nan Ltd", "headcount": NaN}', "headcount", "whole number"),
    ('{"name": "Inf Ltd", "headcount": Infinity}', "headcount", "whole number"),
])
def test_ambiguous_json_is_refused_by_path(api, lead, body, field, message):
    vendors, audits = db.session.scalar(select(func.count()).select_from(Vendor)), _audit_count()
    response = api.post("/api/v1/vendors", data=body,
                        headers={**lead, "Content-Type": "application/json"})
    error = assert_error(response, 422, "validation_failed")
    assert any(d["field"] == field and message in d["message"] for d in error["details"]), error
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == vendors
    assert _audit_count() == audits


def test_each_token_has_its_own_call_allowance(app, api, demo):
    app.config["API_LIMIT_PER_TOKEN"] = "5 per minute"
    ana = bearer(token_for("ana@example.com"))
    raj = bearer(token_for("raj@example.com"))
    for _ in range(5):
        assert api.get("/api/v1/me", headers=ana).status_code == 200
    response = api.get("/api/v1/evaluations", headers=ana)  # shared by every endpoint
    error = assert_error(response, 429)
    assert "API_LIMIT_PER_TOKEN" in error["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert api.get("/api/v1/me", headers=raj).status_code == 200  # another token


def test_writes_count_against_the_allowance_and_a_refused_call_changes_nothing(app, api, lead):
    app.config["API_LIMIT_PER_TOKEN"] = "2 per minute"
    for name in ("Allowed One", "Allowed Two"):
        assert api.post("/api/v1/vendors", json={"name": name}, headers=lead).status_code == 201
    response = api.post("/api/v1/vendors", json={"name": "Refused Three"}, headers=lead)
    assert_error(response, 429)
    assert db.session.scalar(select(Vendor).where(Vendor.name == "Refused Three")) is None

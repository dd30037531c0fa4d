"""Writing through the API: create and update with validation, roles, optimistic locking
(ETag / If-Match: 428 without, 412 when stale), decisions and past-program outcomes."""

from __future__ import annotations

from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import (
    AuditEvent,
    CaseStudy,
    Decision,
    Evaluation,
    PastProgram,
    Status,
    Vendor,
)
from tests.api.conftest import assert_error, bearer, token_for


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_vendor_with_lists(api, lead):
    payload = {"name": "  Harbour Systems  ", "country": "Norway", "headcount": 420,
               "website": "https://harbour.example",
               "contacts": [{"name": "Ola Nord", "email": "ola@harbour.example"}],
               "certifications": [{"name": "ISO 27001", "expires_on": "2027-01-31"}],
               "integrations": [{"kind": "erp", "product": "SAP S/4HANA"}]}
    response = api.post("/api/v1/vendors", json=payload, headers=lead)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/vendors/{body['id']}"
    assert response.headers["ETag"] == '"v1"'
    vendor = db.session.get(Vendor, body["id"])
    assert vendor.name == "Harbour Systems" and vendor.headcount == 420
    assert [c.email for c in vendor.contacts] == ["ola@harbour.example"]
    assert str(vendor.certifications[0].expires_on) == "2027-01-31"
    assert vendor.integrations[0].kind == "erp"
    # Audited as the token's user.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "Vendor",
                                                       AuditEvent.entity_id == vendor.id))
    assert event.actor == "lead@example.com"


def test_vendor_validation_reports_every_field_and_saves_nothing(api, lead):
    before = _count(Vendor)
    response = api.post("/api/v1/vendors", json={
        "name": "", "headcount": -3, "website": "ftp://x", "colour": "red",
        "contacts": [{"email": "not-an-email"}], "integrations": [{"kind": "fax"}],
        "certifications": [{"name": "ISO", "expires_on": "31/01/2027"}]}, headers=lead)
    error = assert_error(response, 422, "validation_failed")
    fields = {d["field"] for d in error["details"]}
    assert {"name", "headcount", "website", "colour", "contacts[0].name", "contacts[0].email",
            "integrations[0].kind", "certifications[0].expires_on"} <= fields
    assert _count(Vendor) == before
    assert_error(api.post("/api/v1/vendors", json=["not", "an", "object"], headers=lead), 422)
    assert_error(api.post("/api/v1/vendors", data="{not json", headers=lead,
                          content_type="application/json"), 400, "invalid_json")
    assert_error(api.post("/api/v1/vendors", json={"name": "Nul\x00Byte"}, headers=lead), 422)
    # The one JSON checker (services/json_check.py): repeated keys and NaN are refused by path.
    twice = assert_error(api.post("/api/v1/vendors", data='{"name": "A", "name": "B"}',
                                  headers=lead, content_type="application/json"), 422)
    assert {"field": "name", "message": "appears twice in the same object"} in twice["details"]
    nan = assert_error(api.post("/api/v1/vendors", data='{"name": "C", "headcount": NaN}',
                                headers=lead, content_type="application/json"), 422)
    assert nan["details"][0]["field"] == "headcount"
    assert _count(Vendor) == before


def test_duplicate_vendor_name_is_409(api, lead):
    name = db.session.scalars(select(Vendor.name)).first()
    before = _count(Vendor)
    error = assert_error(api.post("/api/v1/vendors", json={"name": name.upper()}, headers=lead),
                         409, "duplicate")
    assert error["details"][0]["field"] == "name"
    assert _count(Vendor) == before


def test_an_evaluator_with_a_write_token_cannot_edit_the_register(api, demo):
    headers = bearer(token_for("ana@example.com", "write"))
    before = _count(Vendor)
    assert_error(api.post("/api/v1/vendors", json={"name": "Sneaky"}, headers=headers), 403)
    assert _count(Vendor) == before


def test_update_vendor_needs_if_match_and_refuses_stale_versions(api, lead):
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    url = f"/api/v1/vendors/{vendor.id}"
    original_country, original_contacts = vendor.country, [c.name for c in vendor.contacts]
    etag = api.get(url, headers=lead).headers["ETag"]
    error = assert_error(api.patch(url, json={"sector": "Retail"}, headers=lead), 428,
                         "precondition_required")
    assert "If-Match" in error["message"]
    assert_error(api.patch(url, json={"sector": "Retail"},
                           headers={**lead, "If-Match": '"v999"'}), 412, "precondition_failed")
    db.session.expire_all()
    assert db.session.get(Vendor, vendor.id).sector != "Retail"
    response = api.patch(url, json={"sector": "Retail"}, headers={**lead, "If-Match": etag})
    assert response.status_code == 200, response.get_json()
    new_etag = response.headers["ETag"]
    assert new_etag != etag and response.get_json()["sector"] == "Retail"
    db.session.expire_all()
    saved = db.session.get(Vendor, vendor.id)
    # Only the given field changed; the version moved.
    assert saved.sector == "Retail" and saved.country == original_country
    assert [c.name for c in saved.contacts] == original_contacts
    assert new_etag == f'"v{saved.version}"'
    # The old ETag is now stale: a second writer who read before is refused.
    response = api.patch(url, json={"sector": "Energy"}, headers={**lead, "If-Match": etag})
    assert_error(response, 412)
    assert response.headers["ETag"] == new_etag
    db.session.expire_all()
    assert db.session.get(Vendor, vendor.id).sector == "Retail"


def test_update_vendor_validation_and_unknown_vendor(api, lead):
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    etag = f'"v{vendor.version}"'
    assert_error(api.patch(f"/api/v1/vendors/{vendor.id}", json={"headcount": "many"},
                           headers={**lead, "If-Match": etag}), 422)
    other = db.session.scalars(select(Vendor).order_by(Vendor.id.desc())).first()
    assert_error(api.patch(f"/api/v1/vendors/{vendor.id}", json={"name": other.name},
                           headers={**lead, "If-Match": etag}), 409)
    assert_error(api.patch("/api/v1/vendors/999999", json={}, headers={**lead, "If-Match": etag}),
                 404)
    db.session.expire_all()
    assert db.session.get(Vendor, vendor.id).version == vendor.version


def test_case_study_create_and_update(api, lead):
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    url = f"/api/v1/vendors/{vendor.id}/case-studies"
    response = api.post(url, json={"title": "Claims platform", "year": 2022,
                                   "planned_months": 12, "actual_months": 15.5,
                                   "outcome": "delivered", "org_size": "Large",
                                   "setbacks": "Data migration slipped a quarter."},
                        headers=lead)
    assert response.status_code == 201, response.get_json()
    cs = db.session.get(CaseStudy, response.get_json()["id"])
    assert cs.vendor_id == vendor.id and cs.actual_months == 15.5 and cs.org_size == "large"
    assert_error(api.post(url, json={"title": "Claims platform"}, headers=lead), 409)
    assert_error(api.post(url, json={"title": "X", "year": 1800, "outcome": "won"},
                          headers=lead), 422)
    assert_error(api.post("/api/v1/vendors/999999/case-studies", json={"title": "X"},
                          headers=lead), 404)
    detail = f"/api/v1/case-studies/{cs.id}"
    assert_error(api.patch(detail, json={"lessons": "Plan the cut-over."}, headers=lead), 428)
    assert_error(api.patch(detail, json={"lessons": "x"}, headers={**lead, "If-Match": '"v0"'}),
                 412)
    response = api.patch(detail, json={"lessons": "Plan the cut-over."},
                         headers={**lead, "If-Match": f'"v{cs.version}"'})
    assert response.status_code == 200
    db.session.expire_all()
    cs = db.session.get(CaseStudy, cs.id)
    assert cs.lessons == "Plan the cut-over." and cs.actual_months == 15.5 and cs.version == 2


def _review_etag(api, headers, evaluation_id):
    return api.get(f"/api/v1/evaluations/{evaluation_id}", headers=headers).headers["ETag"]


def test_record_decision_through_the_api(api, demo):
    cto = bearer(token_for("cto@example.com", "write"))
    url = f"/api/v1/evaluations/{demo.review.id}/decision"
    vendor_id = demo.review.shortlist[0].vendor_id
    payload = {"vendor_id": vendor_id, "rationale": "Best execution record and candour.",
               "dissent": "Finance preferred the cheaper bid."}
    assert_error(api.post(url, json=payload, headers=cto), 428)
    assert_error(api.post(url, json=payload, headers={**cto, "If-Match": '"v99"'}), 412)
    etag = _review_etag(api, cto, demo.review.id)
    assert_error(api.post(url, json={**payload, "vendor_id": 999999},
                          headers={**cto, "If-Match": etag}), 422, "refused")
    assert_error(api.post(url, json={**payload, "rationale": "too short"},
                          headers={**cto, "If-Match": etag}), 422)
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 0
    # An evaluator member may not decide, whatever its token.
    ana = bearer(token_for("ana@example.com", "write"))
    assert_error(api.post(url, json=payload, headers={**ana, "If-Match": etag}), 403)
    response = api.post(url, json=payload, headers={**cto, "If-Match": etag})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["vendor"]["id"] == vendor_id and body["decided_by"] == "cto@example.com"
    db.session.expire_all()
    evaluation = db.session.get(Evaluation, demo.review.id)
    assert evaluation.status == Status.DECIDED and evaluation.decision.vendor_id == vendor_id
    assert evaluation.decision.snapshot_sha256 == body["snapshot_sha256"]
    # Readable by every member; a second decision is refused.
    raj = bearer(token_for("raj@example.com"))
    assert api.get(url, headers=raj).get_json() == body
    response = api.post(url, json=payload, headers={**cto, "If-Match": response.headers["ETag"]})
    error = assert_error(response, 409, "decided")  # frozen, and the message names the decision
    assert "is decided" in error["message"]


def test_create_outcome(api, lead, demo):
    before = _count(PastProgram)
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    payload = {"vendor": vendor.name, "program": "Ledger migration, phase 2", "success": True,
               "year": 2024, "on_time": False, "on_budget": None, "notes": "Late, but live.",
               "features": {"Setbacks": 4.2, "team_size": 18}}
    response = api.post("/api/v1/outcomes", json=payload, headers=lead)
    assert response.status_code == 201, response.get_json()
    program = db.session.get(PastProgram, response.get_json()["id"])
    assert program.vendor_id == vendor.id and program.success is True
    assert program.on_time is False and program.on_budget is None
    assert program.features == {"setbacks": 4.2, "team_size": 18.0}
    assert _count(PastProgram) == before + 1
    error = assert_error(api.post("/api/v1/outcomes", json=payload, headers=lead), 422)
    assert "already recorded" in error["details"][0]["message"]
    error = assert_error(api.post("/api/v1/outcomes", json={
        "vendor": "X", "program": "Y", "success": "yes", "features": {"year": 1, "f": "3,5"}},
        headers=lead), 422)
    assert {"success", "features.year", "features.f"} <= {d["field"] for d in error["details"]}
    assert _count(PastProgram) == before + 1
    assert_error(api.post("/api/v1/outcomes", json=payload,
                          headers=bearer(token_for("ana@example.com", "write"))), 403)

"""Reading through the API: paging and filters, the access rules of the pages, the blind rule,
the ranking object (the same as `flask ranking --json`), decisions, error shapes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import CaseStudy, Certification, Role, Score, Vendor
from evaluator.services import users as user_service
from evaluator.services.ranking import Sampling, ranking_for
from tests.api.conftest import assert_error, bearer, token_for
from tests.conftest import make_user


def test_vendor_list_pages_and_totals(api, demo):
    headers = bearer(token_for("tom@example.com"))
    total = db.session.scalar(select(func.count()).select_from(Vendor)
                              .where(Vendor.archived_at.is_(None)))
    first = api.get("/api/v1/vendors?per_page=5", headers=headers).get_json()
    assert first["total"] == total and first["per_page"] == 5 and first["page"] == 1
    assert first["pages"] == -(-total // 5) and len(first["items"]) == 5
    seen = []
    for page in range(1, first["pages"] + 1):
        body = api.get(f"/api/v1/vendors?per_page=5&page={page}", headers=headers).get_json()
        seen += [v["name"] for v in body["items"]]
    assert len(seen) == total and len(set(seen)) == total
    assert seen == sorted(seen)
    beyond = api.get(f"/api/v1/vendors?per_page=5&page={first['pages'] + 1}",
                     headers=headers).get_json()
    assert beyond["items"] == [] and beyond["total"] == total


def test_vendor_filters(api, demo):
    headers = bearer(token_for("tom@example.com"))
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    body = api.get(f"/api/v1/vendors?country={vendor.country}", headers=headers).get_json()
    assert body["items"] and all(v["country"] == vendor.country for v in body["items"])
    cert = db.session.scalars(select(Certification.name)).first()
    body = api.get("/api/v1/vendors", query_string={"certification": cert},
                   headers=headers).get_json()
    assert body["items"] and all(cert in [c["name"] for c in v["certifications"]]
                                 for v in body["items"])
    body = api.get("/api/v1/vendors", query_string={"q": vendor.name[:5].lower()},
                   headers=headers).get_json()
    assert vendor.name in [v["name"] for v in body["items"]]
    # Archived vendors only on request.
    vendor.archived_at = func.now()
    db.session.commit()
    names = [v["name"] for v in api.get("/api/v1/vendors?per_page=200",
                                        headers=headers).get_json()["items"]]
    assert vendor.name not in names
    body = api.get("/api/v1/vendors?per_page=200&include_archived=true",
                   headers=headers).get_json()
    assert vendor.name in [v["name"] for v in body["items"]]
    assert [v for v in body["items"] if v["name"] == vendor.name][0]["archived"] is True


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=201", "per_page=-1",
                                   "include_archived=maybe", "page=99999999999999999999"])
def test_bad_paging_and_filter_values_are_422(api, demo, query):
    error = assert_error(api.get(f"/api/v1/vendors?{query}",
                                 headers=bearer(token_for("tom@example.com"))),
                         422, "validation_failed")
    assert error["details"][0]["field"] == query.split("=")[0]


def test_vendor_detail_has_an_etag_and_unknown_ids_are_404(api, demo):
    headers = bearer(token_for("tom@example.com"))
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    response = api.get(f"/api/v1/vendors/{vendor.id}", headers=headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"v{vendor.version}"'
    body = response.get_json()
    assert body["name"] == vendor.name and body["version"] == vendor.version
    assert [c["name"] for c in body["contacts"]] == [c.name for c in vendor.contacts]
    for path in ("/api/v1/vendors/999999", "/api/v1/vendors/99999999999999999999",
                 "/api/v1/case-studies/999999", "/api/v1/vendors/999999/case-studies",
                 "/api/v1/nothing-here"):
        assert_error(api.get(path, headers=headers), 404)


def test_case_studies_list_filter_and_detail(api, demo):
    headers = bearer(token_for("tom@example.com"))
    cs = db.session.scalars(select(CaseStudy).order_by(CaseStudy.id)).first()
    body = api.get(f"/api/v1/vendors/{cs.vendor_id}/case-studies", headers=headers).get_json()
    expected = db.session.scalar(select(func.count()).select_from(CaseStudy)
                                 .where(CaseStudy.vendor_id == cs.vendor_id))
    assert body["total"] == expected and cs.title in [c["title"] for c in body["items"]]
    body = api.get(f"/api/v1/vendors/{cs.vendor_id}/case-studies?outcome={cs.outcome}",
                   headers=headers).get_json()
    assert body["items"] and all(c["outcome"] == cs.outcome for c in body["items"])
    assert_error(api.get(f"/api/v1/vendors/{cs.vendor_id}/case-studies?outcome=won",
                         headers=headers), 422)
    response = api.get(f"/api/v1/case-studies/{cs.id}", headers=headers)
    assert response.headers["ETag"] == f'"v{cs.version}"'
    assert response.get_json()["planned_months"] == cs.planned_months


def test_evaluations_list_shows_memberships_only(api, demo):
    ids = lambda email: [e["id"] for e in api.get(  # noqa: E731
        "/api/v1/evaluations", headers=bearer(token_for(email))).get_json()["items"]]
    assert sorted(ids("admin@example.com")) == sorted([demo.review.id, demo.scoring.id])
    assert ids("raj@example.com") == [demo.review.id]
    assert ids("tom@example.com") == [demo.scoring.id]
    make_user("outsider@example.com", role=Role.LEAD)
    assert ids("outsider@example.com") == []
    body = api.get("/api/v1/evaluations?status=review",
                   headers=bearer(token_for("admin@example.com"))).get_json()
    assert [e["id"] for e in body["items"]] == [demo.review.id]
    mine = api.get("/api/v1/evaluations", headers=bearer(token_for("raj@example.com")))
    assert mine.get_json()["items"][0]["my_role"] == "evaluator"


@pytest.mark.parametrize("role", [Role.LEAD, Role.EVALUATOR, Role.VIEWER])
def test_non_members_get_404_for_an_evaluation_and_everything_under_it(app, api, demo, role):
    make_user("outsider@example.com", role=role)
    headers = bearer(token_for("outsider@example.com", "write"))
    paths = [r.rule.replace("<evaluation_id>", str(demo.review.id))
             for r in app.url_map.iter_rules()
             if r.endpoint.startswith("api.") and "evaluation_id" in r.arguments]
    assert len(paths) >= 4
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("api.") and "evaluation_id" in rule.arguments):
            continue
        path = rule.build({"evaluation_id": demo.review.id})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = api.open(path, method=method, headers={**headers, "If-Match": '"v1"'},
                                json={"vendor_id": 1, "rationale": "x" * 30})
            assert_error(response, 404, "not_found")
    db.session.expire_all()
    assert demo.review.decision is None


def test_blind_evaluator_sees_only_own_scores_and_no_ranking(api, demo):
    tom = bearer(token_for("tom@example.com"))
    body = api.get(f"/api/v1/evaluations/{demo.scoring.id}/scores", headers=tom).get_json()
    assert body["blind"] is True
    assert body["items"] and {s["evaluator"] for s in body["items"]} == {"tom@example.com"}
    tom_id = user_service.find_by_email(db.session, "tom@example.com").id
    others = db.session.scalar(select(func.count()).select_from(Score).where(
        Score.evaluation_id == demo.scoring.id, Score.evaluator_id != tom_id))
    assert others > 0  # they exist, and tom's token does not get them
    assert_error(api.get(f"/api/v1/evaluations/{demo.scoring.id}/ranking", headers=tom),
                 403, "blind")
    # Ana submitted: she sees every submitted score and the ranking, never tom's drafts.
    ana = bearer(token_for("ana@example.com"))
    body = api.get(f"/api/v1/evaluations/{demo.scoring.id}/scores", headers=ana).get_json()
    assert body["blind"] is False and body["final"] is False
    assert {s["evaluator"] for s in body["items"]} == {"ana@example.com"}
    assert all(s["submitted"] for s in body["items"])
    assert api.get(f"/api/v1/evaluations/{demo.scoring.id}/ranking",
                   headers=ana).status_code == 200


def test_ranking_is_the_cli_object_with_lenses(app, api, demo):
    headers = bearer(token_for("cto@example.com"))
    response = api.get(f"/api/v1/evaluations/{demo.review.id}/ranking", headers=headers)
    assert response.status_code == 200
    sampling = Sampling.from_config(app.config)
    expected = ranking_for(db.session, demo.review.id, sampling=sampling).ranking
    assert response.get_json() == json.loads(json.dumps(expected))
    lens = demo.review.lenses[0].name
    body = api.get(f"/api/v1/evaluations/{demo.review.id}/ranking",
                   query_string={"lens": lens}, headers=headers).get_json()
    assert body["lens"] == lens
    assert body == json.loads(json.dumps(ranking_for(db.session, demo.review.id, lens=lens,
                                                     sampling=sampling).ranking))
    error = assert_error(api.get(f"/api/v1/evaluations/{demo.review.id}/ranking?lens=Nope",
                                 headers=headers), 422, "unknown_lens")
    assert "Nope" in error["message"]


def test_evaluation_detail_and_missing_decision(api, demo):
    headers = bearer(token_for("raj@example.com"))
    response = api.get(f"/api/v1/evaluations/{demo.review.id}", headers=headers)
    body = response.get_json()
    assert response.headers["ETag"] == f'"v{demo.review.version}"'
    assert body["status"] == "review" and body["my_role"] == "evaluator"
    assert [c["key"] for c in body["criteria"]] == [c.key for c in demo.review.criteria]
    assert {v["id"] for v in body["vendors"]} == {s.vendor_id for s in demo.review.shortlist}
    assert_error(api.get(f"/api/v1/evaluations/{demo.review.id}/decision", headers=headers),
                 404, "no_decision")


def test_openapi_document_is_public_and_json(api, app):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    assert response.get_json()["openapi"].startswith("3.")

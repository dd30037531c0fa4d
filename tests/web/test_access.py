"""Access rules generated from the URL map: every route has a decided rule, and it holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from evaluator.api.routes import PUBLIC_API_ENDPOINTS
from evaluator.auth import PUBLIC_ENDPOINTS
from evaluator.extensions import db
from evaluator.models import ApiToken, AuditEvent, Evaluation, PortalInvitation, Role
from evaluator.services import api_tokens
from evaluator.services import portal as portal_service
from evaluator.services.demo import seed_demo
from evaluator.services.dossier import list_guides
from tests.conftest import csrf_token, login, make_user

# Routes open to every logged-in user (the register is shared across evaluations). Adding a route
# that fits none of the rules below makes test_every_route_has_a_decided_rule fail.
LOGGED_IN_ONLY = {
    "main.dashboard", "auth.logout", "vendors.index", "vendors.detail", "evaluations.index",
    "vendors.export_vendors", "vendors.export_case_studies", "vendors.guides",
    "outcomes.index", "outcomes.model", "outcomes.model_version", "auth.change_password",
    "integration.tokens", "integration.create_token", "integration.revoke_token",
}


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _url(rule, ids: dict[str, int]) -> str:
    values = {arg: ids.get(arg, 1) for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def _rule_kind(app, rule) -> str:
    view = app.view_functions[rule.endpoint]
    if rule.endpoint.startswith("portal.vendor."):
        return "portal-token"  # public, but only with a valid invitation token (tests below)
    if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint in PUBLIC_API_ENDPOINTS:
        return "public"
    if rule.endpoint.startswith("api."):
        return "api-token"  # bearer token only, never the session (tests below)
    if "evaluation_id" in rule.arguments:
        return "evaluation-member"
    if getattr(view, "required_roles", None):
        return "role"
    if rule.endpoint in LOGGED_IN_ONLY:
        return "logged-in"
    return "undecided"


def test_every_route_has_a_decided_rule(app):
    undecided = [r.rule for r in _rules(app) if _rule_kind(app, r) == "undecided"]
    assert undecided == []


def test_anonymous_requests_are_sent_to_login(app, client):
    token = csrf_token(client, "/login")
    for rule in _rules(app):
        if _rule_kind(app, rule) in ("public", "portal-token"):
            continue
        method = _method(rule)
        response = client.open(_url(rule, {}), method=method, data={"csrf_token": token})
        assert response.status_code in (302, 401), rule.rule
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), rule.rule


@pytest.fixture
def demo(app):
    seed_demo(db.session)
    return db.session.scalars(select(Evaluation).order_by(Evaluation.id)).first()


@pytest.mark.parametrize("role", [Role.LEAD, Role.EVALUATOR, Role.VIEWER])
def test_non_members_get_404_for_an_evaluation_and_everything_under_it(app, client, demo, role):
    make_user("outsider@example.com", role=role)
    login(client, "outsider@example.com")
    token = csrf_token(client, "/")
    checked = 0
    for rule in _rules(app):
        if _rule_kind(app, rule) != "evaluation-member":
            continue
        method = _method(rule)
        response = client.open(_url(rule, {"evaluation_id": demo.id}), method=method,
                               data={"csrf_token": token})
        assert response.status_code == 404, (rule.rule, method)
        checked += 1
    assert checked >= 1


def test_members_and_admins_see_the_evaluation(app, client, demo):
    login(client, "ana@example.com", "demo-password-2026")
    assert client.get(f"/evaluations/{demo.id}").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "admin@example.com", "demo-password-2026")
    assert client.get(f"/evaluations/{demo.id}").status_code == 200


def test_evaluation_lists_show_only_memberships(app, client, demo):
    make_user("outsider@example.com", role=Role.LEAD)
    login(client, "outsider@example.com")
    page = client.get("/evaluations/").get_data(as_text=True)
    assert demo.title not in page
    assert "No evaluations you can see yet." in page


@pytest.mark.parametrize("endpoint", ["admin.users", "admin.audit", "admin.change_role"])
def test_role_protected_routes_declare_admin(app, endpoint):
    assert app.view_functions[endpoint].required_roles == {"admin"}


def _api_rules(app):
    return [r for r in _rules(app) if _rule_kind(app, r) == "api-token"]


def test_every_api_route_refuses_missing_invalid_and_revoked_tokens(app, client):
    user = make_user("api-admin@example.com", role=Role.ADMIN)
    issued = api_tokens.create_token(db.session, user, scope="write")
    revoked = api_tokens.create_token(db.session, user, scope="write")
    api_tokens.revoke_token(db.session, user, revoked.token.id)
    login(client, "api-admin@example.com")  # a valid session cookie must not count
    rules = _api_rules(app)
    assert len(rules) >= 14
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = _url(rule, {})
            for headers in ({}, {"Authorization": "Bearer evk_invalid"},
                            {"Authorization": f"Bearer {revoked.secret}"},
                            {"Authorization": f"Token {issued.secret}"}):
                response = client.open(url, method=method, headers=headers, json={})
                assert response.status_code == 401, (rule.rule, method, headers)
                assert response.get_json()["error"]["code"] in {"unauthorized", "invalid_token"}
    # The valid token gets past authentication on every route.
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(rule, {}), method=method, json={},
                                   headers={"Authorization": f"Bearer {issued.secret}"})
            assert response.status_code != 401, (rule.rule, method)
    assert db.session.get(ApiToken, revoked.token.id).revoked_at is not None


def test_the_openapi_document_is_public(app, client):
    assert _rule_kind(app, next(r for r in _rules(app) if r.endpoint == "api.openapi")) == \
        "public"
    assert client.get("/api/v1/openapi.json").status_code == 200


def _portal_rules(app):
    return [r for r in _rules(app) if _rule_kind(app, r) == "portal-token"]


def test_portal_endpoints_are_public_only_behind_a_token(app):
    """Listed as public (no login) and each takes the token: nothing else opens them."""
    rules = _portal_rules(app)
    assert len(rules) >= 8
    for rule in rules:
        assert rule.endpoint in PUBLIC_ENDPOINTS, rule.rule
        assert "token" in rule.arguments and rule.rule.startswith("/portal/<token>"), rule.rule
    public_portal = {e for e in PUBLIC_ENDPOINTS if e.startswith("portal.")}
    assert public_portal == {r.endpoint for r in rules}


def test_portal_endpoints_give_nothing_without_a_valid_token(app, client):
    app.config["PORTAL_LIMIT_PER_ADDRESS"] = "10000 per minute"
    lead = make_user("lead-p@example.com", role=Role.LEAD)
    guide = list_guides(db.session)[0]

    def issue(name):
        return portal_service.create_invitation(db.session, lead, portal_service.InvitationRequest(
            contact_email="c@vendor.example", sections=("profile", "case_studies", "answers"),
            new_vendor_name=name, guide_id=guide.id))

    valid, expired, revoked = issue("Valid Co"), issue("Expired Co"), issue("Revoked Co")
    expired.invitation.expires_at = expired.invitation.created_at - timedelta(seconds=1)
    db.session.commit()
    portal_service.revoke(db.session, revoked.invitation.id)
    altered = valid.token[:-1] + ("A" if valid.token[-1] != "A" else "B")
    csrf = csrf_token(client, f"/portal/{valid.token}")
    before = db.session.scalar(func.count(AuditEvent.id))
    bodies = set()
    for rule in _portal_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for token in ("", "x", altered, expired.token, revoked.token, "evk_" + "a" * 43):
                values = {"token": token or "%20", "key": "00000000"}
                url = rule.build(values, append_unknown=False)[1]
                response = client.open(url, method=method, data={"csrf_token": csrf})
                assert response.status_code == 404, (rule.rule, method, token)
                if token:
                    bodies.add(response.get_data(as_text=True))
    assert len(bodies) == 1  # the same answer whatever was wrong with the link
    assert db.session.scalar(func.count(AuditEvent.id)) == before  # nothing written
    assert db.session.get(PortalInvitation, valid.invitation.id).status == "invited"

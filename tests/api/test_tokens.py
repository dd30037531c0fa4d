"""Personal API tokens: hashed at rest, shown once, scoped, revocable at once, last use kept."""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import ApiToken, AuditEvent, Role, Vendor
from evaluator.services import users as user_service
from tests.api.conftest import assert_error, bearer, token_for
from tests.conftest import csrf_token, login, make_user, post

TOKEN_RE = re.compile(r'value="(evk_[A-Za-z0-9_\-]+)"')


def _create_on_page(client, name="ERP sync", scope="read"):
    response = post(client, "/settings/tokens", {"name": name, "scope": scope},
                    token_from="/settings/tokens")
    assert response.status_code == 201, response.get_data(as_text=True)
    match = TOKEN_RE.search(response.get_data(as_text=True))
    assert match, "the new token is shown on the page"
    return match.group(1), response.get_data(as_text=True)


def test_token_is_shown_once_and_only_its_hash_is_stored(app, client, logged_in):
    user = logged_in(Role.LEAD)
    secret, page = _create_on_page(client)
    assert "copy it now" in page
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.scope == "read" and row.name == "ERP sync" and row.revoked_at is None
    assert secret.startswith(row.prefix) and len(row.prefix) < len(secret) // 3
    stored = json.dumps([getattr(row, c.key) for c in ApiToken.__table__.columns], default=str)
    assert secret not in stored
    # Neither the secret nor its hash reaches the audit trail.
    audit = json.dumps([[e.before, e.after] for e in db.session.scalars(select(AuditEvent))])
    assert secret not in audit and row.token_hash not in audit
    assert "ApiToken" in {e.entity_type for e in db.session.scalars(select(AuditEvent))}
    # Shown once: the list shows the prefix only.
    listing = client.get("/settings/tokens").get_data(as_text=True)
    assert secret not in listing and f"{row.prefix}…" in listing and "never" in listing
    # The session cookie does not carry it either.
    assert secret not in (client.get_cookie("session").value if client.get_cookie("session")
                          else "")


def test_token_form_errors_change_nothing(app, client, logged_in):
    logged_in(Role.EVALUATOR)
    response = post(client, "/settings/tokens", {"name": "x" * 101, "scope": "admin"},
                    token_from="/settings/tokens")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_api_accepts_the_token_and_records_last_use(app, client, logged_in):
    user = logged_in(Role.LEAD)
    secret, _ = _create_on_page(client)
    assert db.session.scalar(select(ApiToken.last_used_at)) is None
    api = app.test_client()
    response = api.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["email"] == user.email and body["token"]["scope"] == "read"
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None
    assert "UTC" in client.get("/settings/tokens").get_data(as_text=True)


def test_read_token_cannot_write(app, demo):
    api = app.test_client()
    secret = token_for("lead@example.com", "read")
    before = db.session.scalar(select(func.count()).select_from(Vendor))
    response = api.post("/api/v1/vendors", json={"name": "Read Only Ltd"}, headers=bearer(secret))
    assert_error(response, 403, "insufficient_scope")
    vendor = db.session.scalars(select(Vendor).order_by(Vendor.id)).first()
    response = api.patch(f"/api/v1/vendors/{vendor.id}", json={"country": "X"},
                         headers=bearer(secret, **{"If-Match": f'"v{vendor.version}"'}))
    assert_error(response, 403, "insufficient_scope")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Vendor)) == before
    assert db.session.get(Vendor, vendor.id).country != "X"
    # ...while the same user's write token can.
    response = api.post("/api/v1/vendors", json={"name": "Read Only Ltd"},
                        headers=bearer(token_for("lead@example.com", "write")))
    assert response.status_code == 201


def test_revoked_token_is_refused_at_once(app, client, logged_in):
    logged_in(Role.LEAD)
    secret, _ = _create_on_page(client, scope="write")
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(select(ApiToken))
    response = post(client, f"/settings/tokens/{token.id}/revoke", token_from="/settings/tokens")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    error = assert_error(api.get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")
    assert "revoked" in error["message"]
    assert "revoked" in client.get("/settings/tokens").get_data(as_text=True)


def test_users_cannot_revoke_each_others_tokens(app, client, logged_in):
    owner = make_user("owner@example.com", role=Role.LEAD)
    secret = token_for(owner.email)
    logged_in(Role.LEAD, email="other@example.com")
    token = db.session.scalar(select(ApiToken))
    response = post(client, f"/settings/tokens/{token.id}/revoke", token_from="/settings/tokens")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_deactivated_users_tokens_stop_working(app):
    user = make_user("leaver@example.com", role=Role.LEAD)
    secret = token_for(user.email, "write")
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    user_service.set_active(db.session, user, False)
    assert_error(api.get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")


def test_missing_malformed_and_unknown_tokens_get_401_json(app):
    make_user("someone@example.com")
    api = app.test_client()
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "},
                    {"Authorization": "Bearer evk_not-a-real-token"},
                    {"Authorization": "Bearer " + "x" * 500}):
        response = api.get("/api/v1/vendors", headers=headers)
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Set-Cookie" not in response.headers


def test_a_logged_in_browser_session_is_not_an_api_credential(app, client):
    make_user("browser@example.com", role=Role.ADMIN)
    login(client, "browser@example.com")
    assert client.get("/").status_code == 200
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")
    # CSRF does not apply to the API, and a cookie alone still cannot write.
    response = client.post("/api/v1/vendors", json={"name": "Cookie Corp"})
    assert_error(response, 401)
    assert db.session.scalar(select(Vendor).where(Vendor.name == "Cookie Corp")) is None


def test_token_wins_over_a_session_cookie_of_another_user(app, client):
    make_user("admin2@example.com", role=Role.ADMIN)
    reader = make_user("reader@example.com", role=Role.VIEWER)
    login(client, "admin2@example.com")
    response = client.get("/api/v1/me", headers=bearer(token_for(reader.email)))
    assert response.get_json()["user"]["email"] == "reader@example.com"


def test_create_token_cli_prints_the_token_last(app):
    make_user("cli@example.com", role=Role.LEAD)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-token", "cli@example.com", "--scope", "write"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    row = db.session.scalar(select(ApiToken))
    assert row.scope == "write" and row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    bad = runner.invoke(args=["create-token", "nobody@example.com"])
    assert bad.exit_code != 0 and "No user" in bad.output
    bad = runner.invoke(args=["create-token", "cli@example.com", "--scope", "admin"])
    assert bad.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_settings_page_needs_login_and_has_a_nav_link(app, client, logged_in):
    response = client.get("/settings/tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    logged_in(Role.VIEWER)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/settings/tokens"' in page and "API tokens" in page
    assert csrf_token(client, "/settings/tokens")

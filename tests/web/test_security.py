"""Security controls of the web app (docs/SECURITY.md lists each with the test here)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from evaluator import create_app
from evaluator.config import ConfigError
from evaluator.extensions import db
from evaluator.models import AuditEvent, Evaluation, Role, User, Vendor
from evaluator.services.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import PASSWORD, csrf_token, login, make_user, post


def test_security_headers_on_every_page(client, logged_in):
    logged_in(Role.LEAD)
    for path in ("/", "/vendors/", "/login", "/healthz"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # development
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_hsts_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("EVALUATOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("REDIS_URL", "memory://")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app()
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.debug is False


def test_production_needs_shared_rate_limit_storage(monkeypatch, tmp_path):
    monkeypatch.setenv("EVALUATOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(ConfigError, match="REDIS_URL"):
        create_app()


def test_pages_have_no_inline_script_or_style(client):
    seed_demo(db.session)
    login(client, "lead@example.com", DEMO_PASSWORD)
    evaluation = db.session.scalars(select(Evaluation)).first()
    for path in ("/", "/vendors/", f"/evaluations/{evaluation.id}",
                 f"/evaluations/{evaluation.id}/compare", f"/evaluations/{evaluation.id}/setup"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_unknown_user_and_wrong_password_answer_the_same(client):
    make_user("ana@example.com")
    a = login(client, "ana@example.com", "wrong-password-xyz")
    b = login(client, "ghost@example.com", "wrong-password-xyz")
    assert a.status_code == b.status_code == 401
    strip = lambda r: re.sub(r'value="[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(a).replace("ana@", "x@") == strip(b).replace("ghost@", "x@")


def test_login_is_rate_limited_per_account(client):
    make_user("ana@example.com")
    make_user("raj@example.com")
    for _ in range(5):
        assert login(client, "ana@example.com", "wrong-password-xyz").status_code == 401
    locked = login(client, "ana@example.com", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.get_data(as_text=True)
    assert login(client, "raj@example.com", PASSWORD).status_code == 302  # other account


def test_login_is_rate_limited_per_address(client):
    for i in range(20):
        assert login(client, f"user{i}@example.com", "wrong-password-xyz").status_code == 401
    assert login(client, "another@example.com", "wrong-password-xyz").status_code == 429


def test_successful_logins_do_not_count(client):
    make_user("ana@example.com")
    for _ in range(8):
        assert login(client, "ana@example.com").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def _session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_logout_refuses_a_replayed_cookie(client):
    make_user("ana@example.com")
    login(client, "ana@example.com")
    stolen = _session_cookie(client)
    post(client, "/logout")
    client.set_cookie("session", stolen, domain="localhost")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_new_session_id_at_login(client):
    make_user("ana@example.com")
    client.get("/login")
    before = _session_cookie(client)
    login(client, "ana@example.com")
    assert _session_cookie(client) != before


def test_password_change_ends_other_sessions(app, client):
    make_user("ana@example.com")
    login(client, "ana@example.com")
    other = app.test_client()
    login(other, "ana@example.com")
    assert other.get("/").status_code == 200
    response = post(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "a-brand-new-passphrase",
        "confirm": "a-brand-new-passphrase"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser continues
    assert other.get("/").status_code == 302  # the other session has ended
    user = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    assert user.check_password("a-brand-new-passphrase")


@pytest.mark.parametrize("password,message", [
    ("short", "at least 12 characters"),
    ("123456789012", "less common password"),
    ("passwordpassword", "less common password"),
])
def test_password_policy(client, password, message):
    make_user("ana@example.com")
    login(client, "ana@example.com")
    response = post(client, "/account/password", {
        "current_password": PASSWORD, "new_password": password, "confirm": password})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    assert user.check_password(PASSWORD)


def test_idle_and_absolute_timeouts(app, client):
    make_user("ana@example.com")
    login(client, "ana@example.com")
    assert client.get("/").status_code == 200
    with client.session_transaction() as s:
        s["_seen"] = int(time.time()) - app.config["SESSION_IDLE_TIMEOUT"] - 5
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, "ana@example.com")
    with client.session_transaction() as s:
        s["_started"] = int(time.time()) - app.config["SESSION_ABSOLUTE_TIMEOUT"] - 5
    assert client.get("/").status_code == 302


def test_no_state_change_on_get(app, client):
    """Every GET route, visited as an admin with real ids, writes nothing."""
    seed_demo(db.session)
    login(client, "admin@example.com", DEMO_PASSWORD)
    evaluation = db.session.scalars(select(Evaluation)).first()
    vendor = db.session.scalars(select(Vendor)).first()
    ids = {"evaluation_id": evaluation.id, "vendor_id": vendor.id}
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {arg: ids.get(arg, 1) for arg in rule.arguments}
        client.get(rule.build(values, append_unknown=False)[1])
    after = db.session.scalar(select(func.count()).select_from(AuditEvent))
    exports = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.id > before, AuditEvent.action.startswith("export")))
    assert after - before == exports  # only explicit export records (e.g. the memo)


HOSTILE = st.sampled_from([
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
    "</textarea><svg onload=alert(1)>", "{{7*7}}", "url(http://127.0.0.1:1/x)",
])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=HOSTILE, suffix=st.text(alphabet="<>&\"' abc", max_size=12))
def test_hostile_text_is_escaped_everywhere_it_is_shown(client, payload, suffix):
    text = payload + suffix
    vendor = db.session.scalar(select(Vendor).where(Vendor.name == "Hostile Co"))
    if vendor is None:
        make_user("lead-h@example.com", role=Role.LEAD)
        vendor = Vendor(name="Hostile Co")
        db.session.add(vendor)
    vendor.description = text
    db.session.commit()
    if client.get("/").status_code != 200:
        login(client, "lead-h@example.com")
    html = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert str(escape(text)) in html
    if "<" in text:
        assert text not in html

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evaluator import audit, create_app
from evaluator.config import ConfigError
from evaluator.extensions import db
from evaluator.models import Role, User
from tests.conftest import PASSWORD, csrf_token, login, make_user, post


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log in to Evaluator" in response.get_data(as_text=True)


def test_pages_need_a_session(client):
    response = client.get("/vendors/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_then_dashboard(client):
    make_user("ana@example.com", name="Ana")
    response = login(client, "ana@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Signed in as Ana" in page


def test_wrong_password_and_unknown_user_get_the_same_answer(client):
    make_user("ana@example.com")
    wrong = login(client, "ana@example.com", "not-the-password")
    unknown = login(client, "nobody@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Invalid email or password." in wrong.get_data(as_text=True)
    assert "Invalid email or password." in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_inactive_user_cannot_log_in(client):
    user = make_user("gone@example.com")
    user.active = False
    db.session.commit()
    assert login(client, "gone@example.com").status_code == 401


def test_next_redirect_is_followed_only_for_local_paths(client):
    make_user("ana@example.com")
    token = csrf_token(client)
    ok = client.post("/login?next=/vendors/", data={
        "email": "ana@example.com", "password": PASSWORD, "csrf_token": token})
    assert ok.headers["Location"] == "/vendors/"
    post(client, "/logout")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        token = csrf_token(client)
        response = client.post(f"/login?next={evil}", data={
            "email": "ana@example.com", "password": PASSWORD, "csrf_token": token})
        assert response.headers["Location"] == "/", evil
        post(client, "/logout")


def test_logout_ends_the_session(client):
    make_user("ana@example.com")
    login(client, "ana@example.com")
    assert client.get("/").status_code == 200
    response = post(client, "/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logout_is_post_only(client, logged_in):
    logged_in(Role.EVALUATOR)
    assert client.get("/logout").status_code == 405


def test_admin_pages_refuse_other_roles(client, logged_in):
    logged_in(Role.LEAD)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_admin_creates_user_with_hashed_password(client, logged_in):
    logged_in(Role.ADMIN)
    response = post(client, "/admin/users", {
        "email": "New@Example.com", "name": "New", "role": "evaluator",
        "password": "a-long-enough-password"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user is not None and user.role == "evaluator"
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")  # the suite's cheap method
    assert "a-long-enough-password" not in user.password_hash
    assert user.check_password("a-long-enough-password")


def test_passwords_are_hashed_with_scrypt_unless_configured(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                      "SECRET_KEY": "k"})
    user = User(email="a@example.com")
    with app.app_context():
        user.set_password("a-long-enough-password")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("a-long-enough-password")


def test_production_refuses_a_weaker_password_hash(monkeypatch, tmp_path):
    monkeypatch.setenv("EVALUATOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigError, match="PASSWORD_HASH_METHOD"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def test_admin_create_user_bad_input_changes_nothing(client, logged_in):
    logged_in(Role.ADMIN)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = post(client, "/admin/users", {
        "email": "not-an-email", "role": "evaluator", "password": "short"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Invalid email address" in body
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    duplicate = post(client, "/admin/users", {
        "email": "admin@example.com", "role": "evaluator", "password": "long-enough-password"})
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.get_data(as_text=True)


def test_mass_assignment_of_role_at_login_is_ignored(client):
    make_user("ana@example.com", role=Role.EVALUATOR)
    token = csrf_token(client)
    client.post("/login", data={"email": "ana@example.com", "password": PASSWORD,
                                "csrf_token": token, "role": "admin"})
    user = db.session.scalar(select(User).where(User.email == "ana@example.com"))
    db.session.refresh(user)
    assert user.role == "evaluator"
    assert client.get("/admin/users").status_code == 403


def test_a_long_change_stays_folded_on_the_audit_page(client, logged_in):
    logged_in(Role.ADMIN)
    snapshot = {"ranking": ["x" * 50 for _ in range(200)]}  # ~10,000 characters, like a decision
    with client.application.app_context():
        audit.record(db.session, "decide", "Decision", 1, snapshot)
        audit.record(db.session, "export_memo", "Evaluation", 1, {"pages": 3})
        db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    folded = page.split('<details class="audit-change">')
    assert len(folded) == 2  # only the long change is folded
    summary, full = folded[1].split("</summary>", 1)
    assert "x" * 50 in full and summary.count("x" * 50) < 5
    assert "characters)" in summary
    assert "{&#34;pages&#34;: 3}" in page or '{"pages": 3}' in page  # a short change shows as is

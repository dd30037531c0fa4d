from __future__ import annotations

from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.models import AuditEvent, Role, User


def test_post_without_csrf_token_is_rejected_and_changes_nothing(client, logged_in):
    logged_in(Role.ADMIN)
    users_before = db.session.scalar(select(func.count()).select_from(User))
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post("/admin/users", data={
        "email": "x@example.com", "role": "admin", "password": "a-long-enough-password"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


def test_login_without_csrf_token_is_rejected(client):
    response = client.post("/login", data={"email": "a@example.com", "password": "x" * 12})
    assert response.status_code == 400


def test_logout_without_csrf_token_is_rejected(client, logged_in):
    logged_in(Role.EVALUATOR)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in

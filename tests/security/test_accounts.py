"""Account controls: wrong current passwords are rate-limited, the last admin stays an admin,
the public demo password is refused outside the demo seed, the remember cookie is SameSite."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import Role, User
from evaluator.services import users as user_service
from evaluator.services.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import PASSWORD, csrf_token, login, make_user, post


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _change(client, current: str, new: str = "a-brand-new-passphrase"):
    return post(client, "/account/password", {
        "current_password": current, "new_password": new, "confirm": new})


def test_wrong_current_passwords_are_rate_limited(client):
    make_user("ana@example.com")
    login(client, "ana@example.com")
    for i in range(5):
        response = _change(client, f"not-my-password-{i}")
        assert response.status_code == 400
        assert "current password is not correct" in response.get_data(as_text=True)
    locked = _change(client, PASSWORD)  # even the right one waits now
    assert locked.status_code == 429
    assert "Too many wrong current passwords" in locked.get_data(as_text=True)
    assert _user("ana@example.com").check_password(PASSWORD)  # nothing changed


def test_other_password_form_errors_do_not_count(client):
    make_user("ana@example.com")
    login(client, "ana@example.com")
    for _ in range(8):  # a weak new password with the right current one
        assert _change(client, PASSWORD, "short").status_code == 400
    assert _change(client, PASSWORD).status_code == 302
    assert _user("ana@example.com").check_password("a-brand-new-passphrase")


def test_the_only_admin_cannot_demote_itself(client):
    make_user("admin@example.com", Role.ADMIN)
    login(client, "admin@example.com")
    me = _user("admin@example.com")
    response = post(client, f"/admin/users/{me.id}/role", {"role": Role.VIEWER.value},
                    follow_redirects=True)
    assert "the only active admin" in response.get_data(as_text=True)
    assert _user("admin@example.com").role == Role.ADMIN.value
    # with a second admin, the demotion goes through
    make_user("second@example.com", Role.ADMIN)
    post(client, f"/admin/users/{me.id}/role", {"role": Role.VIEWER.value})
    assert _user("admin@example.com").role == Role.VIEWER.value


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(app):
    admin = make_user("admin@example.com", Role.ADMIN)
    other = make_user("old@example.com", Role.ADMIN)
    user_service.set_active(db.session, other, False)  # another admin remains: allowed
    assert _user("old@example.com").active is False
    admin = _user("admin@example.com")
    with pytest.raises(user_service.UserError, match="only active admin"):
        user_service.set_active(db.session, admin, False)
    with pytest.raises(user_service.UserError, match="only active admin"):
        user_service.set_role(db.session, admin, Role.LEAD.value)
    admin = _user("admin@example.com")
    assert admin.active is True and admin.role == Role.ADMIN.value


def test_the_public_demo_password_is_refused_for_new_accounts(client):
    make_user("admin@example.com", Role.ADMIN)
    login(client, "admin@example.com")
    response = post(client, "/admin/users", {
        "email": "new@example.com", "role": Role.EVALUATOR.value, "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "public demo password" in response.get_data(as_text=True)
    assert _user("new@example.com") is None
    with pytest.raises(user_service.UserError, match="public demo password"):
        user_service.validate_password(DEMO_PASSWORD.upper())


def test_the_demo_seed_still_uses_the_demo_password(client):
    seed_demo(db.session)
    assert _user("lead@example.com").check_password(DEMO_PASSWORD)
    assert login(client, "lead@example.com", DEMO_PASSWORD).status_code == 302


def test_the_remember_cookie_is_samesite_lax(client):
    make_user("ana@example.com")
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "ana@example.com", "password": PASSWORD,
                                           "remember": "y", "csrf_token": token})
    cookies = [c for c in response.headers.getlist("Set-Cookie")
               if c.startswith("remember_token=")]
    assert cookies, "no remember_token cookie was set"
    assert "SameSite=Lax" in cookies[0] and "HttpOnly" in cookies[0]


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app):
    make_user("a@example.com", Role.ADMIN)
    make_user("b@example.com", Role.ADMIN)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(email: str) -> None:
        with app.app_context():
            try:
                target = db.session.scalar(select(User).where(User.email == email))
                barrier.wait(timeout=10)
                user_service.set_role(db.session, target, Role.VIEWER.value)
                outcomes.append("demoted")
            except user_service.UserError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=(e,))
               for e in ("a@example.com", "b@example.com")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    db.session.expire_all()
    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN.value)).all()
    assert len(admins) == 1

"""Shared fixtures: a function-scoped app on a fresh database, and make_* builders.

TEST_DATABASE_URL selects the database (PostgreSQL in CI); by default each test gets its own
SQLite file. On PostgreSQL the schema is created once per run and every table is emptied
between tests.
"""

from __future__ import annotations

import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text

from evaluator import create_app
from evaluator.extensions import db
from evaluator.models import Role, User

PASSWORD = "correct-horse-battery"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
_pg_schema_ready = False


def _reset_postgres() -> None:
    global _pg_schema_ready
    if not _pg_schema_ready:
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        _pg_schema_ready = True
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app(tmp_path):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": "localhost",
        }
    )
    with app.app_context():
        if url.startswith("postgresql"):
            _reset_postgres()
        else:
            db.create_all()
        yield app
        db.session.remove()
        if not url.startswith("postgresql"):
            db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Without this, requests reuse the fixture's app context, so `g` (and the database session)
    would leak from one request to the next. After a request, tests re-read state with
    db.session.expire_all() or fresh queries.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def session(app):
    return db.session


def make_user(email="user@example.com", role=Role.EVALUATOR, password=PASSWORD, name=""):
    user = User(email=email, role=role.value if isinstance(role, Role) else role, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, email, password=PASSWORD):
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )


def post(client, path, data=None, token_from="/", **kwargs):
    """POST a form the way a browser would, with the session's CSRF token."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, token_from)
    return client.post(path, data=payload, **kwargs)


@pytest.fixture
def logged_in(client):
    """Return a function: create a user with a role and log the test client in as it."""

    def _login(role=Role.LEAD, email=None):
        email = email or f"{role.value if isinstance(role, Role) else role}@example.com"
        user = make_user(email=email, role=role)
        response = login(client, email)
        assert response.status_code == 302
        return user

    return _login


def count_queries(client, url: str) -> int:
    """GET url and return how many SQL statements the request ran (asserts a 200)."""

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return len(statements)

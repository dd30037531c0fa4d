"""Shared fixtures: a function-scoped app on a fresh database, and make_* builders.

TEST_DATABASE_URL selects the database (PostgreSQL in CI); by default each test gets its own
SQLite file, copied from a template built once per test process. Under pytest-xdist each worker
uses its own PostgreSQL database (``<name>_gw0``, ...), whose schema is created once; every
table is emptied between tests. Passwords are hashed with a cheap method in tests
(PASSWORD_HASH_METHOD): scrypt is deliberately slow and tests create thousands of users.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from evaluator import create_app
from evaluator.extensions import db
from evaluator.models import Role, User

PASSWORD = "correct-horse-battery"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_PASSWORD_HASH = "pbkdf2:sha256:1000"
_pg_schema_ready = False


def _test_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
    }


def _worker_postgres_url(base: str) -> str:
    """This xdist worker's own database on the server of ``base`` (created empty once)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base
    url = make_url(base)
    name = f"{url.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """PostgreSQL: this worker's database. SQLite: a template file with the schema, built once."""
    if TEST_DATABASE_URL.startswith("postgresql"):
        return _worker_postgres_url(TEST_DATABASE_URL)
    template = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(_test_config(f"sqlite:///{template}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return str(template)


def _reset_postgres() -> None:
    global _pg_schema_ready
    if not _pg_schema_ready:
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        _pg_schema_ready = True
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    # The audit trail refuses TRUNCATE (models/audit_guard.py); the table's owner lifts that
    # guard for this reset only, inside the same transaction.
    db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate"))
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate"))
    db.session.commit()


@pytest.fixture
def app(tmp_path, database_url):
    postgres = database_url.startswith("postgresql")
    if postgres:
        url = database_url
    else:
        shutil.copyfile(database_url, tmp_path / "test.db")
        url = f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(_test_config(url))
    with app.app_context():
        if postgres:
            _reset_postgres()
        yield app
        db.session.remove()
        if not postgres:
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


def attest(client, evaluation_id: int) -> None:
    """Attest 'no conflicts of interest' as the logged-in evaluator, through the page every
    evaluator passes before first opening the scoring sheet."""
    url = f"/evaluations/{evaluation_id}/attest"
    if not client.get(f"/evaluations/{evaluation_id}/score").headers.get(
            "Location", "").endswith(url):
        return  # already declared
    response = post(client, url, {"no_conflicts": "y"}, token_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

"""The PostgreSQL production profile: a bounded pool per worker and a statement timeout."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from evaluator import create_app
from evaluator.config import postgres_engine_options
from evaluator.extensions import db
from tests.conftest import TEST_DATABASE_URL

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/never-connected"


def test_postgres_defaults_bound_the_pool_and_time_out_statements(monkeypatch):
    for name in ("DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    options = postgres_engine_options({})
    assert "pool_pre_ping" not in options  # idle connections are pinged instead (below)
    assert (options["pool_size"], options["max_overflow"]) == (2, 2)
    assert options["connect_args"]["options"] == "-c statement_timeout=30000"


def test_environment_overrides_and_zero_disables_the_timeout(monkeypatch):
    monkeypatch.setenv("DB_POOL_SIZE", "4")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "0")
    options = postgres_engine_options({})
    assert (options["pool_size"], options["max_overflow"]) == (4, 0)
    assert "connect_args" not in options


def test_the_app_applies_the_profile_to_postgresql_urls_only(monkeypatch):
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": PG, "SECRET_KEY": "x", "TESTING": True})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 3
    with app.app_context():
        assert db.engine.pool.size() == 3
    sqlite = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                         "TESTING": True})
    assert "pool_size" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_idle_ping_is_configured_for_postgresql_unless_every_checkout_pings(monkeypatch):
    monkeypatch.setenv("DB_PING_AFTER_IDLE_SECONDS", "30")
    app = create_app({"SQLALCHEMY_DATABASE_URI": PG, "SECRET_KEY": "x", "TESTING": True})
    assert app.config["DB_PING_AFTER_IDLE"] == 30.0
    every = create_app({"SQLALCHEMY_DATABASE_URI": PG, "SECRET_KEY": "x", "TESTING": True,
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})
    assert "DB_PING_AFTER_IDLE" not in every.config


needs_postgres = pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                                    reason="a server connection that can die (PostgreSQL)")


def _pg_app(idle_seconds: float):
    return create_app({"SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL, "SECRET_KEY": "x",
                       "TESTING": True, "DB_PING_AFTER_IDLE": idle_seconds})


@needs_postgres
def test_a_connection_that_died_while_idle_is_replaced_before_use():
    app = _pg_app(0.0)  # every connection back in the pool counts as idle
    with app.app_context():
        with db.engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        outside = create_engine(TEST_DATABASE_URL, poolclass=NullPool)
        with outside.connect() as killer:  # e.g. a server restart or an admin
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with db.engine.connect() as conn:  # would fail on the dead connection without the ping
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
        db.engine.dispose()


@needs_postgres
def test_a_connection_used_a_moment_ago_is_not_pinged(monkeypatch):
    app = _pg_app(3600.0)
    with app.app_context():
        pings = []
        real = db.engine.dialect.do_ping
        monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or real(c))
        for _ in range(3):
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert pings == []
        db.engine.dispose()

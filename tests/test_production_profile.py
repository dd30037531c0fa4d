"""The PostgreSQL production profile: a bounded pool per worker and a statement timeout."""

from __future__ import annotations

from evaluator import create_app
from evaluator.config import postgres_engine_options

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/never-connected"


def test_postgres_defaults_bound_the_pool_and_time_out_statements(monkeypatch):
    for name in ("DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    options = postgres_engine_options({"pool_pre_ping": True})
    assert options["pool_pre_ping"] is True
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
        from evaluator.extensions import db

        assert db.engine.pool.size() == 3
    sqlite = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                         "TESTING": True})
    assert "pool_size" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]

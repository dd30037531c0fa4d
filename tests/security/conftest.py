"""Helpers for the security tests: a second app on the same database with other settings."""

from __future__ import annotations

import pytest

from evaluator import create_app
from tests.conftest import FreshContextClient


@pytest.fixture
def app_with(app):
    """Return a function: a test client of an app like `app` (same database) with overrides."""

    def _make(**overrides):
        config = {key: app.config[key] for key in (
            "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SERVER_NAME",
            "PASSWORD_HASH_METHOD")}
        other = create_app({**config, **overrides})
        other.test_client_class = FreshContextClient
        return other

    return _make

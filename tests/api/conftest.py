"""API test helpers: the demo data set, tokens for its users, bearer headers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from evaluator.extensions import db
from evaluator.models import Evaluation
from evaluator.services import api_tokens
from evaluator.services import users as user_service
from evaluator.services.demo import seed_demo


@pytest.fixture
def demo(app):
    """Demo data: `review` (ana, raj, mei submitted; cto observer; lead) and `scoring` (ana
    submitted, tom still blind). Fewer robustness samples keep rankings fast in tests."""
    app.config["ROBUSTNESS_SAMPLES"] = 300
    app.config["WEBHOOK_IMMEDIATE"] = "inline"
    seed_demo(db.session)
    review, scoring = db.session.scalars(select(Evaluation).order_by(Evaluation.id)).all()
    return SimpleNamespace(review=review, scoring=scoring)


@pytest.fixture
def api(app):
    """A test client for bearer-token calls (no session cookie)."""
    return app.test_client()


@pytest.fixture
def lead(demo):
    """Bearer headers of the demo lead's write token."""
    return bearer(token_for("lead@example.com", "write"))


def token_for(email: str, scope: str = "read") -> str:
    user = user_service.find_by_email(db.session, email)
    return api_tokens.create_token(db.session, user, scope=scope, name="test").secret


def bearer(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **extra}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]

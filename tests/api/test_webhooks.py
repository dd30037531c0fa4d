"""Webhooks: admin registration, signed events on decision and score submission, retries with
backoff, every attempt recorded. A real HTTP receiver on 127.0.0.1 stands in for the partner."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.infra import webhooks as webhook_service
from evaluator.models import (
    AuditEvent,
    DeliveryStatus,
    Membership,
    Role,
    Score,
    Status,
    Webhook,
    WebhookDelivery,
)
from evaluator.models.base import utcnow
from evaluator.services import scoring_entry
from evaluator.services import users as user_service
from tests.api.conftest import bearer, token_for
from tests.conftest import post

SECRET = "receiver-shared-secret-0123456789"


class Receiver:
    """Records every POST; answers with the next status in ``script`` (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/evaluator"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def local_receivers_allowed(app):
    """The stand-in receiver listens on loopback, which webhooks refuse unless allowed."""
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> dict:
    """The receiver-side check documented in docs/integration.md."""
    parts = dict(item.split("=", 1) for item in headers["X-Evaluator-Signature"].split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        raise ValueError("stale signature")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts["v1"]):
        raise ValueError("bad signature")
    return json.loads(body)


def _utc(value):
    """Aware UTC whatever the backend returns (SQLite: naive UTC; PostgreSQL: aware)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _hook(url, events=("decision.recorded", "scores.submitted")):
    return webhook_service.register(db.session, None, url=url, secret=SECRET, events=list(events))


def test_admin_registers_a_webhook_and_the_secret_stays_out_of_the_audit_trail(
        app, client, logged_in, receiver):
    logged_in(Role.ADMIN)
    response = post(client, "/admin/webhooks", {
        "url": receiver.url, "secret": SECRET, "events": ["decision.recorded"],
        "description": "ERP"}, token_from="/admin/webhooks")
    assert response.status_code == 302, response.get_data(as_text=True)
    hook = db.session.scalar(select(Webhook))
    assert hook.url == receiver.url and hook.events == ["decision.recorded"] and hook.active
    audit = json.dumps([[e.before, e.after] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "Webhook"))])
    assert "Webhook" in {e.entity_type for e in db.session.scalars(select(AuditEvent))}
    assert SECRET not in audit and "[redacted]" in audit
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert receiver.url in page and SECRET not in page
    # Bad input: a clear form error, nothing saved.
    response = post(client, "/admin/webhooks", {"url": "ftp://x", "secret": "short",
                                                "events": ["decision.recorded"]},
                    token_from="/admin/webhooks")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 1
    # Test event, pause, delete.
    app.config["WEBHOOK_IMMEDIATE"] = "inline"
    assert post(client, f"/admin/webhooks/{hook.id}/ping",
                token_from="/admin/webhooks").status_code == 302
    assert verify(SECRET, receiver.requests[-1]["headers"],
                  receiver.requests[-1]["body"])["type"] == "ping"
    post(client, f"/admin/webhooks/{hook.id}/toggle", token_from="/admin/webhooks")
    db.session.expire_all()
    assert db.session.get(Webhook, hook.id).active is False
    post(client, f"/admin/webhooks/{hook.id}/delete", token_from="/admin/webhooks")
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0


def test_webhooks_page_is_for_admins_only(app, client, logged_in):
    logged_in(Role.LEAD)
    assert client.get("/admin/webhooks").status_code == 403


def test_decision_event_is_signed_and_recorded(app, demo, receiver):
    _hook(receiver.url)
    api = app.test_client()
    cto = bearer(token_for("cto@example.com", "write"))
    etag = api.get(f"/api/v1/evaluations/{demo.review.id}", headers=cto).headers["ETag"]
    vendor_id = demo.review.shortlist[0].vendor_id
    response = api.post(f"/api/v1/evaluations/{demo.review.id}/decision", headers={
        **cto, "If-Match": etag}, json={"vendor_id": vendor_id,
                                         "rationale": "Strongest execution maturity overall."})
    assert response.status_code == 201
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["headers"]["X-Evaluator-Event"] == "decision.recorded"
    event = verify(SECRET, request["headers"], request["body"])
    assert event["type"] == "decision.recorded"
    assert event["data"]["evaluation"]["id"] == demo.review.id
    assert event["data"]["decision"]["vendor"]["id"] == vendor_id
    assert event["data"]["decision"]["snapshot_sha256"] == response.get_json()["snapshot_sha256"]
    with pytest.raises(ValueError):
        verify("another-secret-of-enough-length", request["headers"], request["body"])
    with pytest.raises(ValueError):
        verify(SECRET, request["headers"], request["body"].replace(b"Strongest", b"Weakest"))
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert delivery.response_status == 200 and delivery.event_id == event["id"]
    assert request["headers"]["X-Evaluator-Delivery"] == str(delivery.id)


def test_score_submission_event_carries_no_score_values(app, demo, receiver):
    _hook(receiver.url, events=["scores.submitted"])
    tom = user_service.find_by_email(db.session, "tom@example.com")
    membership = db.session.scalar(select(Membership).where(
        Membership.evaluation_id == demo.scoring.id, Membership.user_id == tom.id))
    for score in db.session.scalars(select(Score).where(Score.evaluation_id == demo.scoring.id,
                                                        Score.evaluator_id == tom.id)):
        if score.value is None and not score.insufficient_evidence:
            score.value = 3
    # Fill any missing cells so the submission is accepted.
    have = {(s.vendor_id, s.criterion_id) for s in db.session.scalars(select(Score).where(
        Score.evaluation_id == demo.scoring.id, Score.evaluator_id == tom.id))}
    for entry in demo.scoring.shortlist:
        for c in demo.scoring.criteria:
            if (entry.vendor_id, c.id) not in have:
                db.session.add(Score(evaluation_id=demo.scoring.id, evaluator_id=tom.id,
                                     vendor_id=entry.vendor_id, criterion_id=c.id, value=3,
                                     evidence=[{"type": "case_study",  # knockouts need one
                                                "id": entry.vendor.case_studies[0].id}]))
    db.session.commit()
    assert demo.scoring.status == Status.SCORING
    count = scoring_entry.submit(db.session, demo.scoring, tom, membership)
    assert len(receiver.requests) == 1
    event = verify(SECRET, receiver.requests[0]["headers"], receiver.requests[0]["body"])
    assert event["type"] == "scores.submitted"
    assert event["data"]["evaluator"]["email"] == "tom@example.com"
    assert event["data"]["scores_submitted"] == count
    assert "value" not in json.dumps(event["data"])


def test_failed_delivery_is_retried_with_backoff_and_every_attempt_recorded(
        app, demo, receiver):
    _hook(receiver.url)
    receiver.script = [500, 503]
    ids = webhook_service.emit(db.session, "decision.recorded", {"n": 1})
    delivery = db.session.get(WebhookDelivery, ids[0])
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.response_status == 500 and "500" in delivery.last_error
    first_wait = _utc(delivery.next_attempt_at) - _utc(delivery.last_attempt_at)
    assert timedelta(seconds=29) <= first_wait <= timedelta(seconds=31)
    # Not due yet: nothing is sent.
    assert webhook_service.deliver_due(db.session) == {}
    assert len(receiver.requests) == 1
    later = utcnow() + timedelta(seconds=31)
    assert webhook_service.deliver_due(db.session, now=later) == {"pending": 1}
    db.session.refresh(delivery)
    assert delivery.attempts == 2 and delivery.response_status == 503
    second_wait = _utc(delivery.next_attempt_at) - later
    assert second_wait == timedelta(seconds=webhook_service.BACKOFF[1])  # the wait grows
    assert webhook_service.deliver_due(db.session, now=later + second_wait) == {"delivered": 1}
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert delivery.delivered_at is not None
    # The same event body (same id, same signature input) each time.
    bodies = {r["body"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(bodies) == 1


def test_delivery_gives_up_after_the_last_attempt(app, demo):
    dead = "http://127.0.0.1:9/nothing-listens-here"
    _hook(dead)
    app.config["WEBHOOK_IMMEDIATE"] = "off"
    ids = webhook_service.emit(db.session, "decision.recorded", {"n": 2})
    now = utcnow()
    for _ in range(webhook_service.MAX_ATTEMPTS):
        now += timedelta(hours=7)
        webhook_service.deliver_due(db.session, now=now)
    delivery = db.session.get(WebhookDelivery, ids[0])
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == webhook_service.MAX_ATTEMPTS and delivery.last_error
    assert webhook_service.deliver_due(db.session, now=now + timedelta(days=1)) == {}


def test_deliver_webhooks_command_and_background_attempt(app, demo, receiver):
    _hook(receiver.url)
    app.config["WEBHOOK_IMMEDIATE"] = "off"
    webhook_service.emit(db.session, "scores.submitted", {"n": 3})
    assert receiver.requests == []
    result = app.test_cli_runner().invoke(args=["deliver-webhooks"])
    assert result.exit_code == 0 and "1 delivered" in result.output
    assert len(receiver.requests) == 1
    # Default mode: the request does not wait; a background thread delivers.
    app.config["WEBHOOK_IMMEDIATE"] = "thread"
    webhook_service.emit(db.session, "scores.submitted", {"n": 4})
    deadline = time.monotonic() + 10
    while len(receiver.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(receiver.requests) == 2
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
                WebhookDelivery.status == DeliveryStatus.DELIVERED.value)) == 2:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the background attempt was not recorded")


def test_events_go_only_to_active_subscribed_webhooks(app, demo, receiver):
    _hook(receiver.url, events=["scores.submitted"])
    paused = _hook(receiver.url)
    webhook_service.set_active(db.session, paused.id, False)
    assert webhook_service.emit(db.session, "decision.recorded", {}) == []
    assert receiver.requests == []

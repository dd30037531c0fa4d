"""Webhooks: signed JSON events on decisions and score submissions, retried with backoff.

How it works: `emit` (called by the services after they commit) writes one WebhookDelivery row
per active webhook subscribed to the event, commits, and makes one best-effort attempt at once
(in a background thread by default, so the user's request never waits on a slow receiver). Every
attempt is recorded on its row. A delivery that fails waits BACKOFF[attempt] and is retried by
`flask deliver-webhooks` (run it from cron or as a small worker with --loop) until it succeeds
or MAX_ATTEMPTS is reached.

Where events may go (SSRF guard): the receiver's host is resolved at every attempt and each
address must be public: loopback, private, link-local (cloud metadata), shared, multicast,
unspecified and reserved addresses are refused (IPv4, IPv6 and IPv4-mapped IPv6), unless they lie
in WEBHOOK_ALLOWED_NETWORKS (comma-separated CIDRs, for on-premise receivers). The connection goes
to the address that was checked (no second lookup, so no DNS-rebinding window), with the URL's
host name in the Host header and for TLS verification. Redirects are never followed: a 3xx is a
failed attempt with its status shown. Registration applies the same rule to what the host
resolves to then, so an obvious internal URL is refused at once.

Signature: header ``X-Evaluator-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where the
MAC is over ``"<t>.<raw body>"`` with the webhook's secret (docs/integration.md has verification
code). The timestamp lets receivers refuse replays.

The delivery rows are a log, not business data: they are written with Core statements (no audit
row per attempt). Registering, changing or deleting a webhook is audited, with the secret
redacted.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..extensions import db
from ..models import DeliveryStatus, User, Webhook, WebhookDelivery
from ..models.base import utcnow
from ..services.csv_io import url as url_parser

log = logging.getLogger(__name__)

audit.REDACTED_FIELDS.add("secret")  # a webhook's signing secret never enters the audit trail

EVENTS = {
    "decision.recorded": "A decision was recorded for an evaluation.",
    "scores.submitted": "An evaluator submitted its scores.",
    "ping": "A test event sent from the webhooks page.",
}
SUBSCRIBABLE = ("decision.recorded", "scores.submitted")
#: Seconds to wait before attempt n+1 after attempt n failed (n = 1, 2, ...).
BACKOFF = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
MAX_ATTEMPTS = len(BACKOFF) + 1
#: A claimed delivery is not claimed again for this long (a worker that dies mid-send).
LEASE = timedelta(seconds=120)
TIMEOUT = 5.0  # seconds per HTTP attempt
USER_AGENT = "Evaluator-Webhooks/1"


class WebhookError(ValueError):
    """A webhook registration that cannot be saved (message for the user)."""


class ForbiddenDestination(ValueError):
    """The receiver's address is internal and not in WEBHOOK_ALLOWED_NETWORKS."""


# ------------------------------------------------------------------------ destinations

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks(setting: str | Sequence[str] | None) -> tuple[Network, ...]:
    """WEBHOOK_ALLOWED_NETWORKS ("10.1.2.0/24, fd00::/8" or a list) as networks."""
    if not setting:
        return ()
    items = setting.split(",") if isinstance(setting, str) else list(setting)
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items
                     if item.strip())
    except ValueError as exc:
        raise WebhookError(f"WEBHOOK_ALLOWED_NETWORKS: {exc}") from None


def _configured_networks() -> tuple[Network, ...]:
    return allowed_networks(current_app.config.get("WEBHOOK_ALLOWED_NETWORKS"))


def check_address(address: str, allowed: Sequence[Network] = ()) -> None:
    """Raise ForbiddenDestination unless ``address`` is a public unicast address or lies in an
    allowed network. IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed):
        return
    if not ip.is_global or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        raise ForbiddenDestination(
            f"{ip} is an internal address (loopback, private, link-local, multicast or "
            "reserved); webhooks go to public addresses only, or to networks listed in "
            "WEBHOOK_ALLOWED_NETWORKS")


def resolve(host: str, port: int, allowed: Sequence[Network] = ()) -> str:
    """The address to connect to: every address the host resolves to must pass check_address
    (a name resolving to one internal address is refused), and the first one is used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"cannot resolve {host!r}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise OSError(f"cannot resolve {host!r}")
    for address in addresses:
        check_address(address, allowed)
    return addresses[0]


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; ValueError otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("only http and https URLs with a host are delivered")
    if parts.username or parts.password:
        raise ValueError("the URL must not carry a user name or password")
    port = parts.port or (443 if parts.scheme == "https" else 80)  # ValueError if invalid
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


# ------------------------------------------------------------------------- registration


def validate(url: str, secret: str, events: list[str],
             allowed: Sequence[Network] = ()) -> tuple[str, str, list[str]]:
    url = (url or "").strip()
    secret = (secret or "").strip()
    if not url:
        raise WebhookError("Give the receiver's URL.")
    try:
        url_parser(500)(url)
        _, host, port, _ = _split(url)
    except ValueError as exc:
        raise WebhookError(f"The URL {exc}.") from None
    try:
        resolve(host, port, allowed)
    except ForbiddenDestination as exc:
        raise WebhookError(f"The URL's host {host} resolves to {exc}.") from None
    except OSError:
        pass  # not resolvable now (e.g. offline): every delivery attempt checks again
    if not 16 <= len(secret) <= 200:
        raise WebhookError("The secret must have 16 to 200 characters (e.g. "
                           "`python -c 'import secrets; print(secrets.token_hex(32))'`).")
    unknown = [e for e in events if e not in SUBSCRIBABLE]
    if unknown or not events:
        raise WebhookError("Choose at least one event: " + ", ".join(SUBSCRIBABLE) + ".")
    return url, secret, list(dict.fromkeys(events))


def register(session: Session, user: User | None, *, url: str, secret: str, events: list[str],
             description: str = "") -> Webhook:
    url, secret, events = validate(url, secret, events, _configured_networks())
    hook = Webhook(url=url, secret=secret, events=events, description=description.strip()[:200],
                   created_by_id=user.id if user else None)
    session.add(hook)
    session.commit()
    return hook


def set_active(session: Session, webhook_id: int, active: bool) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise WebhookError("No such webhook.")
    hook.active = active
    session.commit()
    return hook


def delete(session: Session, webhook_id: int) -> None:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise WebhookError("No such webhook.")
    session.delete(hook)
    session.commit()


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def recent_deliveries(session: Session, limit: int = 50) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())
                                .limit(limit)))


# --------------------------------------------------------------------------------- events


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def emit(session: Session, event: str, data: dict[str, Any],
         only_webhook: int | None = None) -> list[int]:
    """Queue ``event`` for every active subscribed webhook; returns the delivery ids.

    Call after the change is committed (an event must never announce a rolled-back change).
    Never raises for delivery problems: those are recorded on the delivery rows.
    """
    stmt = select(Webhook).where(Webhook.active.is_(True))
    if only_webhook is not None:
        stmt = select(Webhook).where(Webhook.id == only_webhook)
    hooks = [h for h in session.scalars(stmt)
             if only_webhook is not None or event in (h.events or [])]
    if not hooks:
        return []
    event_id = str(uuid.uuid4())
    body = json.dumps({"id": event_id, "type": event, "created_at": _iso(utcnow()),
                       "data": data}, sort_keys=True, separators=(",", ":"), default=str)
    now = utcnow()
    ids = []
    for hook in hooks:
        result = session.execute(insert(WebhookDelivery).values(
            webhook_id=hook.id, event_id=event_id, event=event, payload=body,
            status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_at=now,
            last_error="", created_at=now))
        ids.append(result.inserted_primary_key[0])
    session.commit()
    _attempt_now(ids)
    return ids


def _attempt_now(ids: list[int]) -> None:
    mode = current_app.config.get("WEBHOOK_IMMEDIATE", "thread")
    if mode == "off":
        return
    if mode == "inline":
        deliver_due(db.session, only=ids)
        return
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                deliver_due(db.session, only=ids)
            except Exception:  # noqa: BLE001 - the worker retries; never crash a thread loudly
                log.exception("immediate webhook attempt failed; the worker will retry")
            finally:
                db.session.remove()

    threading.Thread(target=run, name="webhook-attempt", daemon=True).start()


def decision_recorded(session: Session, evaluation, decision) -> list[int]:
    return emit(session, "decision.recorded", {
        "evaluation": {"id": evaluation.id, "title": evaluation.title,
                       "status": evaluation.status},
        "decision": {"vendor": {"id": decision.vendor_id, "name": decision.vendor.name},
                     "rationale": decision.rationale, "dissent": decision.dissent,
                     "decided_by": decision.decided_by.email if decision.decided_by else None,
                     "decided_at": _iso(decision.decided_at),
                     "snapshot_sha256": decision.snapshot_sha256},
    })


def scores_submitted(session: Session, evaluation, user, submitted: int) -> list[int]:
    """Who submitted and how many scores, never the values (the blind rule still holds for
    the other evaluators, and a receiver needs no score to act on a submission)."""
    return emit(session, "scores.submitted", {
        "evaluation": {"id": evaluation.id, "title": evaluation.title},
        "evaluator": {"id": user.id, "email": user.email},
        "scores_submitted": submitted,
    })


def ping(session: Session, webhook_id: int) -> list[int]:
    return emit(session, "ping", {"message": "Test event from Evaluator."},
                only_webhook=webhook_id)


# ------------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class AttemptResult:
    ok: bool
    status: int | None
    error: str


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to an address already checked, with the URL's host name in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked; the certificate is verified for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict[str, str],
          allowed: Sequence[Network] = ()) -> AttemptResult:
    """One attempt: resolve and check the host, connect to that address, POST, no redirects."""
    try:
        scheme, host, port, path = _split(url)
        address = resolve(host, port, allowed)
    except (ValueError, OSError) as exc:
        return AttemptResult(False, None, f"refused: {exc}"[:500])
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, address, TIMEOUT)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
        response.read(64 * 1024)  # a receiver's answer is not used; read a little, politely
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return AttemptResult(False, None, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
    if 200 <= status < 300:
        return AttemptResult(True, status, "")
    if 300 <= status < 400:
        return AttemptResult(False, status, f"HTTP {status} redirect: not followed (give the "
                                            "final URL)")
    return AttemptResult(False, status, f"HTTP {status} {response.reason}"[:500])


def _claim(session: Session, delivery_id: int, now: datetime) -> bool:
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id,
               WebhookDelivery.status == DeliveryStatus.PENDING.value,
               or_(WebhookDelivery.next_attempt_at.is_(None),
                   WebhookDelivery.next_attempt_at <= now))
        .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1,
                last_attempt_at=now))
    session.commit()
    return result.rowcount == 1


def deliver_one(session: Session, delivery_id: int, now: datetime | None = None) -> str | None:
    """Attempt one due delivery; returns its new status, or None if it was not due/claimed."""
    now = now or utcnow()
    if not _claim(session, delivery_id, now):
        return None
    delivery = session.get(WebhookDelivery, delivery_id)
    session.refresh(delivery)
    hook = session.get(Webhook, delivery.webhook_id)
    body = delivery.payload.encode()
    timestamp = int(time.time())
    result = _post(hook.url, body, {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "X-Evaluator-Event": delivery.event, "X-Evaluator-Delivery": str(delivery.id),
        "X-Evaluator-Event-Id": delivery.event_id,
        "X-Evaluator-Signature": signature(hook.secret, timestamp, body),
    }, _configured_networks())
    values: dict[str, Any] = {"response_status": result.status, "last_error": result.error}
    if result.ok:
        values.update(status=DeliveryStatus.DELIVERED.value, delivered_at=utcnow(),
                      next_attempt_at=None)
    elif delivery.attempts >= MAX_ATTEMPTS or not hook.active:
        values.update(status=DeliveryStatus.FAILED.value, next_attempt_at=None)
    else:
        values.update(next_attempt_at=now + timedelta(seconds=BACKOFF[delivery.attempts - 1]))
    session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                    .values(**values))
    session.commit()
    return values.get("status", DeliveryStatus.PENDING.value)


def deliver_due(session: Session, now: datetime | None = None, only: list[int] | None = None,
                limit: int = 100) -> dict[str, int]:
    """Attempt every due pending delivery (or just ``only``); counts by resulting status."""
    now = now or utcnow()
    stmt = select(WebhookDelivery.id).where(
        WebhookDelivery.status == DeliveryStatus.PENDING.value,
        or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now))
    if only is not None:
        stmt = stmt.where(WebhookDelivery.id.in_(only))
    ids = list(session.scalars(stmt.order_by(WebhookDelivery.id).limit(limit)))
    session.commit()
    counts: dict[str, int] = {}
    for delivery_id in ids:
        status = deliver_one(session, delivery_id, now)
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts

"""Webhooks cannot be pointed at internal services: every internal address form is refused at
registration and at delivery (resolved then, connected to the checked address), unless its
network is in WEBHOOK_ALLOWED_NETWORKS; redirects are failed deliveries, never followed."""

from __future__ import annotations

import ipaddress
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from evaluator.extensions import db
from evaluator.infra import webhooks as webhook_service
from evaluator.models import DeliveryStatus, Role, Webhook, WebhookDelivery
from tests.conftest import post

SECRET = "receiver-shared-secret-0123456789"
INTERNAL_URLS = [
    "http://127.0.0.1/hook", "http://localhost/hook", "http://[::1]/hook",
    "http://2130706433/hook", "http://127.1/hook", "http://0x7f.0.0.1/hook",
    "http://0.0.0.0/hook", "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:6379/", "http://10.0.0.8/hook", "http://192.168.1.20/hook",
    "http://172.16.5.4/hook", "http://[::ffff:127.0.0.1]/hook", "http://[fe80::1]/hook",
    "http://[fd00::5]/hook", "http://224.0.0.1/hook", "http://100.64.0.1/hook",
    "http://localhost:5000/admin/users",
]


class Server:
    """A loopback HTTP server answering POSTs with `status` and a Location header."""

    def __init__(self, status: int = 200, location: str = "") -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                outer.hits.append(f"{self.command} {self.path} {self.headers.get('Host')}")
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            do_POST = do_GET = _answer  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def admin_client(client, logged_in):
    logged_in(Role.ADMIN)
    return client


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_urls_are_refused_at_registration(admin_client, url):
    response = post(admin_client, "/admin/webhooks", {
        "url": url, "secret": SECRET, "events": ["decision.recorded"]},
        token_from="/admin/webhooks")
    assert response.status_code == 400
    assert "internal address" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0


@given(st.ip_addresses() | st.ip_addresses(v=4).map(
    lambda ip: ipaddress.IPv6Address(f"::ffff:{ip}")))
def test_check_address_admits_only_public_unicast(ip):
    try:
        webhook_service.check_address(str(ip))
        admitted = True
    except webhook_service.ForbiddenDestination:
        admitted = False
    judged = ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped is not None else ip
    internal = (judged.is_loopback or judged.is_private or judged.is_link_local
                or judged.is_multicast or judged.is_unspecified or judged.is_reserved)
    if internal:
        assert not admitted
    if admitted:
        assert judged.is_global and not judged.is_multicast


def test_an_allowed_network_admits_an_on_premise_receiver():
    allowed = webhook_service.allowed_networks("10.20.0.0/16, fd00::/8")
    webhook_service.check_address("10.20.3.4", allowed)
    webhook_service.check_address("fd00::7", allowed)
    with pytest.raises(webhook_service.ForbiddenDestination):
        webhook_service.check_address("10.21.0.1", allowed)
    with pytest.raises(webhook_service.WebhookError):
        webhook_service.allowed_networks("10.0.0.0/33")


def _queued_delivery(url: str) -> int:
    """A webhook row written directly (as one registered before the guard, or whose DNS
    changed since), and one delivery for it."""
    hook = Webhook(url=url, secret=SECRET, events=["decision.recorded"])
    db.session.add(hook)
    db.session.commit()
    return webhook_service.emit(db.session, "decision.recorded", {"n": 1})[0]


def _delivery(delivery_id: int) -> WebhookDelivery:
    db.session.expire_all()
    return db.session.get(WebhookDelivery, delivery_id)


def test_delivery_resolves_again_and_refuses_an_internal_address(app):
    server = Server()
    try:
        app.config["WEBHOOK_IMMEDIATE"] = "inline"
        delivery_id = _queued_delivery(f"http://localhost:{server.port}/hook")
        delivery = _delivery(delivery_id)
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
        assert delivery.response_status is None
        assert "refused" in delivery.last_error and "internal address" in delivery.last_error
        assert server.hits == []  # nothing reached the internal service
    finally:
        server.close()


def test_a_name_resolving_to_an_internal_address_is_refused_at_delivery(app, monkeypatch):
    """DNS rebinding: the name was public at registration and now answers 127.0.0.1."""
    server = Server()
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host == "hooks.partner.example":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    try:
        app.config["WEBHOOK_IMMEDIATE"] = "inline"
        delivery = _delivery(_queued_delivery(f"http://hooks.partner.example:{server.port}/h"))
        assert "internal address" in delivery.last_error and server.hits == []
        # allowed explicitly: delivered to the checked address, with the name as Host
        app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.0/8"
        assert webhook_service.deliver_one(db.session, delivery.id,
                                           now=delivery.next_attempt_at) == "delivered"
        assert server.hits == [f"POST /h hooks.partner.example:{server.port}"]
    finally:
        server.close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_a_failed_attempt_and_is_not_followed(app, status):
    target = Server()
    redirecting = Server(status, f"http://127.0.0.1:{target.port}/internal")
    try:
        app.config["WEBHOOK_IMMEDIATE"] = "inline"
        app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
        delivery = _delivery(_queued_delivery(f"http://127.0.0.1:{redirecting.port}/hook"))
        assert delivery.status == DeliveryStatus.PENDING  # to be retried, not delivered
        assert delivery.response_status == status
        assert "redirect: not followed" in delivery.last_error
        assert delivery.delivered_at is None
        assert len(redirecting.hits) == 1 and target.hits == []
    finally:
        target.close()
        redirecting.close()


def test_the_deliveries_table_shows_the_refusal(app, admin_client):
    app.config["WEBHOOK_IMMEDIATE"] = "inline"
    _queued_delivery("http://169.254.169.254/latest/meta-data/")
    page = admin_client.get("/admin/webhooks").get_data(as_text=True)
    assert "169.254.169.254 is an internal address" in page

"""Behind a reverse proxy: the client's address comes from X-Forwarded-For only when
TRUSTED_PROXIES says how many proxies to trust (default 0: the header is ignored)."""

from __future__ import annotations

import pytest

from evaluator import create_app
from evaluator.config import ConfigError
from tests.conftest import csrf_token

PROXY = "10.0.0.2"  # the load balancer every request arrives from


def _failed_login(client, email: str, forwarded_for: str | None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    environ = {"REMOTE_ADDR": PROXY}
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": "wrong-password-xyz",
                                       "csrf_token": token},
                       headers=headers, environ_base=environ)


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(app, client):
    assert app.config["TRUSTED_PROXIES"] == 0
    for i in range(20):  # each attempt claims another client address
        response = _failed_login(client, f"user{i}@example.com", f"198.51.100.{i}")
        assert response.status_code == 401
    # all twenty counted against the one real address: a fresh forged address does not help
    assert _failed_login(client, "next@example.com", "198.51.100.99").status_code == 429


def test_with_one_trusted_proxy_each_client_has_its_own_allowance(app_with):
    client = app_with(TRUSTED_PROXIES=1).test_client()
    for i in range(20):
        assert _failed_login(client, f"user{i}@example.com", "203.0.113.7").status_code == 401
    assert _failed_login(client, "next@example.com", "203.0.113.7").status_code == 429
    # another client behind the same proxy is not locked out
    assert _failed_login(client, "other@example.com", "203.0.113.8").status_code == 401
    # only the last hop is trusted: a client prepending a forged address is still itself
    forged = _failed_login(client, "x@example.com", "198.51.100.1, 203.0.113.7")
    assert forged.status_code == 429


def test_trusted_proxy_supplies_address_scheme_and_host(app_with):
    app = app_with(TRUSTED_PROXIES=1)
    seen = {}

    def inner(environ, start_response):  # stands in for Flask behind the proxy fix
        seen.update(addr=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"],
                    host=environ["HTTP_HOST"])
        start_response("204 No Content", [])
        return [b""]

    app.wsgi_app.app = inner
    app.test_client().get("/", headers={"X-Forwarded-Proto": "https",
                                        "X-Forwarded-For": "203.0.113.9",
                                        "X-Forwarded-Host": "evaluator.example.org"},
                          environ_base={"REMOTE_ADDR": PROXY})
    assert seen == {"addr": "203.0.113.9", "scheme": "https", "host": "evaluator.example.org"}


def test_without_trusted_proxies_the_app_is_not_wrapped(app):
    assert app.wsgi_app == app.__class__.wsgi_app.__get__(app)


@pytest.mark.parametrize("value", ["-1", "one", "11", "1.5"])
def test_a_bad_trusted_proxies_setting_stops_the_start(monkeypatch, tmp_path, value):
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_trusted_proxies_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["TRUSTED_PROXIES"] == 2

"""Configuration: class defaults, then environment, then instance/config.py, then test config.

Why: the same code runs as a laptop demo (embedded SQLite in instance/, generated secret) and as a
production service (DATABASE_URL to PostgreSQL, SECRET_KEY required).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .services import limits


class ConfigError(RuntimeError):
    """The app cannot start with this configuration (e.g. production without SECRET_KEY)."""


class Config:
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    MAX_CONTENT_LENGTH = limits.MAX_REQUEST_BYTES  # bytes; uploads (CSV) are small
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PER_PAGE = 50
    SESSION_IDLE_TIMEOUT = 30 * 60  # seconds without a request before a session ends
    SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60  # seconds after login, whatever the activity
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"  # failed attempts for one email
    LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"  # failed attempts from one address
    PASSWORD_CHANGE_LIMIT = "5 per 15 minutes"  # wrong current passwords for one account
    API_LIMIT_PER_TOKEN = "120 per minute;2000 per hour"  # API calls per bearer token
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port are trusted
    # (hop count; werkzeug ProxyFix). 0 = none: the headers are ignored, as a client could
    # forge them. Set it to the number of proxies (1 behind one load balancer).
    TRUSTED_PROXIES = 0
    # Internal networks webhooks may be delivered to (comma-separated CIDRs, e.g. an on-premise
    # ERP at "10.20.0.0/16"); every other internal address is refused (infra/webhooks.py).
    WEBHOOK_ALLOWED_NETWORKS = ""
    RATELIMIT_STRATEGY = "moving-window"
    ROBUSTNESS_SAMPLES = 10_000
    ROBUSTNESS_CONCENTRATION = 100.0
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug method for new password hashes; tests use a cheap one


def _env_bool(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


def sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "evaluator.db")


def load_secret_key(instance_path: str) -> str:
    """Return the development secret kept in instance/secret_key, creating it once."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def configure(app, test_config: dict | None = None) -> None:
    """Fill app.config in the documented order and refuse unsafe production settings."""
    app.config.from_object(Config)
    production = os.environ.get("EVALUATOR_ENV", "development") == "production"
    app.config["PRODUCTION"] = production
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    secure = _env_bool("SESSION_COOKIE_SECURE")
    app.config["SESSION_COOKIE_SECURE"] = production if secure is None else secure
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    for name in ("TRUSTED_PROXIES", "API_LIMIT_PER_TOKEN", "WEBHOOK_ALLOWED_NETWORKS"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if os.environ.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)

    app.config.setdefault("SQLALCHEMY_DATABASE_URI", sqlite_url(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production set SECRET_KEY in the environment "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
            )
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    if production and app.config["PASSWORD_HASH_METHOD"] != "scrypt":
        raise ConfigError("PASSWORD_HASH_METHOD must stay scrypt in production.")
    app.config["TRUSTED_PROXIES"] = _hop_count(app.config["TRUSTED_PROXIES"])
    if "RATELIMIT_STORAGE_URI" not in app.config:
        if production:
            raise ConfigError(
                "REDIS_URL is not set. In production the login rate limits need storage shared "
                "by every gunicorn worker: set REDIS_URL=redis://host:6379/0 (or "
                "RATELIMIT_STORAGE_URI in instance/config.py)."
            )
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = postgres_engine_options(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
        if not options.get("pool_pre_ping"):  # pinging every checkout makes this one moot
            app.config.setdefault("DB_PING_AFTER_IDLE", float(
                os.environ.get("DB_PING_AFTER_IDLE_SECONDS", "10")))


def _hop_count(value) -> int:
    """TRUSTED_PROXIES as a whole number of proxies, 0-10; anything else stops the start."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) > 10:
        raise ConfigError(f"TRUSTED_PROXIES must be a whole number of proxies from 0 to 10, "
                          f"not {value!r}.")
    return int(text)


def postgres_engine_options(base: dict) -> dict:
    """The PostgreSQL pool profile (docs/PERFORMANCE.md, "Production profile").

    Each gunicorn worker is one process with its own pool; a sync worker serves one request at a
    time, so a small pool suffices: connections per instance = workers x (DB_POOL_SIZE +
    DB_MAX_OVERFLOW), and the sum over all instances must stay below the server's
    max_connections. DB_STATEMENT_TIMEOUT_MS (milliseconds, 0 = none) ends a runaway query on
    the server instead of letting it hold a worker. Connections idle for more than
    DB_PING_AFTER_IDLE_SECONDS (10) are pinged before use (database.ping_idle_connections),
    not every checkout: set pool_pre_ping in instance/config.py to ping every one.
    """
    options = dict(base)
    options.setdefault("pool_size", int(os.environ.get("DB_POOL_SIZE", "2")))
    options.setdefault("max_overflow", int(os.environ.get("DB_MAX_OVERFLOW", "2")))
    options.setdefault("pool_recycle", 1800)  # seconds; ahead of typical idle-connection reapers
    timeout_ms = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "30000"))
    if timeout_ms > 0:
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("options", f"-c statement_timeout={timeout_ms}")
        options["connect_args"] = connect_args
    return options

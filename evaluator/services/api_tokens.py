"""Personal API tokens: create (secret shown once), authenticate, revoke.

The secret is 32 random bytes (URL-safe base64) behind a recognisable ``evk_`` prefix; only its
SHA-256 is stored. A plain hash is enough here (no salt or slow KDF): the secret has 256 bits of
entropy, so it cannot be guessed from the hash the way a password could, and the hash can be the
unique lookup key.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..models import ApiToken, TokenScope, User
from ..models.base import utcnow
from .uow import transaction, unit_of_work

TOKEN_PREFIX = "evk_"
#: last_used_at is written at most once per this interval per token (a write per request would
#: turn every read into a database write); the settings page shows it to the minute.
LAST_USED_RESOLUTION = timedelta(seconds=60)

# The hash is not the secret, but it has no business in the audit trail either.
audit.REDACTED_FIELDS.add("token_hash")


class TokenError(ValueError):
    """A token request that cannot be carried out (message for the user)."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the only time the full secret exists outside the client


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction
def create_token(session: Session, user: User, *, scope: str, name: str = "") -> IssuedToken:
    if scope not in {s.value for s in TokenScope}:
        raise TokenError("The scope must be 'read' or 'write'.")
    name = (name or "").strip()
    if len(name) > 100:
        raise TokenError("A token name can be at most 100 characters.")
    if not user.active:
        raise TokenError(f"{user.email} is deactivated.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, scope=scope, token_hash=hash_secret(secret),
                     prefix=secret[:12])
    session.add(token)
    return IssuedToken(token, secret)


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The active token for this secret whose user is active, or None. Records the use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite returns naive UTC datetimes
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        # A Core UPDATE, not an ORM change: a use is not an edit, so it stays out of the audit
        # trail (which would otherwise get a row per API call).
        with unit_of_work(session):
            session.execute(update(ApiToken).where(ApiToken.id == token.id)
                            .values(last_used_at=now))
    return token


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.revoked_at.is_not(None),
                                          ApiToken.created_at.desc(), ApiToken.id.desc())))


@transaction
def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; effective for the very next request."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenError("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


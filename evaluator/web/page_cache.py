"""Rendered page parts, reused until the data changes.

Why the audit trail is the version: every change the application makes writes an audit row in
the same transaction (audit.py), so the newest audit id moves whenever any data does. A cached
part is stored with the data version it was rendered from and is used only while that version
is still current, so a reader never sees a page older than the last committed change.

PostgreSQL hands out ids from a sequence, and transactions can commit out of id order: a change
holding id 100 may commit after one holding 101 was already seen. The version therefore also
counts the ids within WINDOW below the newest; a late commit in that window changes the count.
A commit later than WINDOW newer ids (a bulk import committing inside another transaction's
flush-to-commit gap) could still be missed, so a part is also rendered afresh after TTL seconds:
that bounds any staleness the version cannot see.

The version is read before the data the part is built from: a change committed in between makes
the stored part newer than its version (one wasted render), never older. It comes with the
signed-in reader in the request's first statement (load_reader), so a cached page costs no extra
round trip for it; a request that writes anything forgets that version and reads it afresh.

The cache lives on the app (one per worker process). Several instances need no shared store:
each renders a part once per data version. A part depends only on the data and on its key: no
CSRF token, no flash message, and the reader only where the key holds the user (dashboard).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from time import monotonic
from typing import TypeVar

from flask import Response, current_app, g, has_app_context, render_template
from markupsafe import Markup
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..database import request_wrote
from ..models import AuditEvent, User

WINDOW = 1_000
TTL = 60.0  # seconds
SIZES = {
    "parts": 128,  # rendered parts per process; the comparison page's is ~115 KB
    "access": 4096,  # small records: who may see which evaluation (compare_routes._visible)
}

T = TypeVar("T")
Version = tuple[int, int]


class PageCache:
    def __init__(self, size: int = SIZES["parts"], ttl: float = TTL,
                 clock: Callable[[], float] = monotonic):
        self.size, self.ttl, self.clock = size, ttl, clock
        self._parts: OrderedDict[Hashable, tuple[Version, float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Version):
        with self._lock:
            hit = self._parts.get(key)
            if hit is None or hit[0] != version or self.clock() - hit[1] > self.ttl:
                return None
            self._parts.move_to_end(key)
            return hit[2]

    def put(self, key: Hashable, version: Version, value) -> None:
        with self._lock:
            self._parts[key] = (version, self.clock(), value)
            self._parts.move_to_end(key)
            while len(self._parts) > self.size:
                self._parts.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()


# Built once: they run on every page, and building one cost three times running it.
_NEWEST = select(func.max(AuditEvent.id)).scalar_subquery()
_RECENT = (select(func.count()).select_from(AuditEvent)
           .where(AuditEvent.id > _NEWEST - WINDOW).scalar_subquery())
_VERSION = select(_NEWEST, _RECENT)
_READER_AND_VERSION = select(User, _NEWEST, _RECENT).where(User.id == bindparam("user_id"))


def data_version(session: Session) -> Version:
    """(newest audit id, audit rows within WINDOW below it): changes whenever data changes.
    One statement, two index-only lookups (about 0.1 ms on PostgreSQL); none when the request
    loaded it with its reader and has written nothing since."""
    known = g.get("data_version") if has_app_context() else None
    if known is not None and not request_wrote():  # else a part could predate the write
        return known
    top, count = session.execute(_VERSION).one()
    return top or 0, count or 0


def load_reader(session: Session, user_id: int) -> User | None:
    """The user with this id and, in the same round trip, the data version, kept for this
    request's data_version(): every page loads its reader first and every cached page needs the
    version, so the two cost one statement instead of two."""
    row = session.execute(_READER_AND_VERSION, {"user_id": user_id}).first()
    if row is None:
        return None
    user, top, count = row
    g.data_version = (top or 0, count or 0)
    return user


def cache(name: str = "parts") -> PageCache:
    caches = current_app.extensions.setdefault("page_cache", {})
    return caches.get(name) or caches.setdefault(name, PageCache(size=SIZES[name]))


def cached(key: Hashable, version: Version, render: Callable[[], T], store: str = "parts") -> T:
    """The value stored under key for this data version, or render() stored for it. An
    exception from render() (a 404, say) is raised and nothing is stored."""
    values = cache(store)
    value = values.get(key, version)
    if value is None:
        value = render()
        values.put(key, version, value)
    return value


def render_part(template: str, **context) -> bytes:
    """A template rendered as a cacheable page part, already encoded: a cache hit then only
    copies it into the page (page()) instead of encoding ~100 KB of HTML again."""
    return render_template(template, **context).encode()


# Where page() puts the part: a constant comment (escaped page text never contains "<!--").
PLACE = Markup("<!--cached-part-->")


def page(template: str, part: bytes, **context) -> Response:
    """The template rendered around a cached part (its `{{ part }}`): the page's own HTML (menu,
    reader, CSRF token) is rendered for this request, the part is spliced in as bytes."""
    pieces = render_template(template, part=PLACE, **context).encode().split(PLACE.encode())
    if len(pieces) != 2:
        raise RuntimeError(f"{template} must show {{{{ part }}}} exactly once")
    head, tail = pieces
    return current_app.response_class(b"".join((head, part, tail)), mimetype="text/html")

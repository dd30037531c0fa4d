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
the stored part newer than its version (one wasted render), never older.

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

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEvent

WINDOW = 1_000
TTL = 60.0  # seconds
SIZE = 128  # parts per process; the comparison page's part is ~110 KB

T = TypeVar("T")
Version = tuple[int, int]


class PageCache:
    def __init__(self, size: int = SIZE, ttl: float = TTL, clock: Callable[[], float] = monotonic):
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


def data_version(session: Session) -> Version:
    """(newest audit id, audit rows within WINDOW below it): changes whenever data changes.
    One statement, two index-only lookups (about 0.1 ms on PostgreSQL)."""
    newest = select(func.max(AuditEvent.id)).scalar_subquery()
    recent = (select(func.count()).select_from(AuditEvent)
              .where(AuditEvent.id > newest - WINDOW).scalar_subquery())
    top, count = session.execute(select(newest, recent)).one()
    return top or 0, count or 0


def cache() -> PageCache:
    return current_app.extensions.setdefault("page_cache", PageCache())


def cached(key: Hashable, version: Version, render: Callable[[], T]) -> T:
    """The part stored under key for this data version, or render() stored for it."""
    store = cache()
    value = store.get(key, version)
    if value is None:
        value = render()
        store.put(key, version, value)
    return value


def render_part(template: str, **context) -> Markup:
    """A template rendered as a cacheable page part. Jinja autoescapes it (.html), so the result
    is safe HTML to insert into the page as it is."""
    html = render_template(template, **context)
    return Markup(html)  # noqa: S704  # nosec B704

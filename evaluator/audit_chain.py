"""The audit trail's hash chain: pure functions, no database, no flask.

Each audit row stores ``prev_hash`` (the previous row's hash, GENESIS for the first) and
``hash`` = SHA-256 over its canonical content including ``prev_hash``. Editing a row changes
its content hash; deleting or reordering rows breaks the link of the row after. Verification
walks the rows in id order and names the first row where either check fails.

Why by hand: no library chains rows of an application's own table; the hashing is hashlib's.
The row id is not part of the content (ids are given by the database at insert time, after the
hash is computed); the chain's links order the rows instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
#: The content fields, in the order they are hashed (canonical JSON sorts keys anyway).
FIELDS = ("at", "actor_id", "actor", "action", "entity_type", "entity_id", "before", "after")


def plain_json(value: Any) -> Any:
    """The value as the JSON column gives it back (tuples become lists, dates strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text: the form that is hashed (and exported)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_time(value: datetime) -> str:
    """A timestamp as UTC text with microseconds; a naive one (SQLite) is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """SHA-256 (hex) of the row's canonical JSON: sorted keys, no spaces, UTF-8."""
    content = {key: row.get(key) for key in FIELDS}
    content["at"] = canonical_time(row["at"])
    content["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def chain(prev_hash: str, rows: list[dict[str, Any]]) -> str:
    """Set prev_hash and hash on each row (in order) after ``prev_hash``; return the last hash."""
    for row in rows:
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = content_hash(prev_hash, row)
    return prev_hash


@dataclass(frozen=True)
class Verdict:
    """Result of a walk over the trail: rows checked, the head hash, and the first broken link
    (row id and reason) or None when the whole chain holds."""

    rows: int
    head: str
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify(rows: Iterable[dict[str, Any]]) -> Verdict:
    """Walk rows in id order (each a dict with id, prev_hash, hash and the FIELDS)."""
    expected_prev, count = GENESIS, 0
    for row in rows:
        count += 1
        if row["prev_hash"] != expected_prev:
            return Verdict(count, expected_prev, row["id"], (
                "its link to the previous row is broken: a row before it was deleted, "
                "inserted or reordered" if row["prev_hash"] else
                "it carries no hash (written outside the application)"))
        if content_hash(row["prev_hash"], row) != row["hash"]:
            return Verdict(count, expected_prev, row["id"],
                           "its content does not match its hash: the row was edited")
        expected_prev = row["hash"]
    return Verdict(count, expected_prev)

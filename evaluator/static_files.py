"""Static files under fingerprinted URLs with long cache lifetimes.

Every url_for('static', filename=F) carries ?v=<the first 12 hex digits of the SHA-256 of F's
content>. A request with the current fingerprint is served with a one-year lifetime; any other
(no or an old fingerprint) revalidates with its ETag. A changed file gets a new URL, so a browser
never keeps a stale copy, and an unchanged one is not fetched again.
"""

from __future__ import annotations

import hashlib
import os
from stat import S_ISREG

from flask import Flask, request
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600


class App(Flask):
    def get_send_file_max_age(self, filename: str | None) -> int | None:
        if filename and request.args.get("v") and request.args["v"] == fingerprint(self, filename):
            return ONE_YEAR
        return super().get_send_file_max_age(filename)


def fingerprint(app: Flask, filename: str) -> str | None:
    """Content fingerprint of a static file (None if it does not exist), cached per file version
    (size and modification time), so an edited file is hashed again."""
    path = safe_join(app.static_folder, filename)  # a request's filename may try "../"
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    if stat is None or not S_ISREG(stat.st_mode):
        return None
    known = app.extensions.setdefault("static_fingerprints", {})
    key = (filename, stat.st_size, stat.st_mtime_ns)
    if key not in known:
        with open(path, "rb") as fh:
            known[key] = hashlib.sha256(fh.read()).hexdigest()[:12]
    return known[key]


def register(app: Flask) -> None:
    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = fingerprint(app, values["filename"])
            if version:
                values["v"] = version

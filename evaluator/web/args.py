"""Query-string arguments of the HTML pages, read one way: a value that is not what the page
can use is a 400 with a message, never a server error or a silent default."""

from __future__ import annotations

from flask import abort, request

#: The highest page number a listing accepts (the API documents the same bound).
MAX_PAGE = 1_000_000


def page_number(name: str = "page") -> int:
    """The 1-based page asked for: absent or empty is 1; anything but a whole number from 1 to
    MAX_PAGE is refused (a huge number once reached the database as an offset it cannot hold)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return 1
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, f"'{name}' must be a page number from 1 to {MAX_PAGE:,}.")
    return int(raw)

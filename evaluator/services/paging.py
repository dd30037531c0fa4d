"""One page of a listing: the one Page every list (vendors, evaluations, past programs, API)
returns, and the one query that fetches it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Page:
    """items of page `page` (1-based) of `total` rows, `per_page` a page; extras: what a list
    shows beside its rows (e.g. the vendors' delivery realism by vendor id)."""

    items: list
    total: int
    page: int
    per_page: int
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def fetch_page(session: Session, stmt: Select, *, order: tuple, page: int, per_page: int,
               options: tuple = (), clamp: bool = False) -> Page:
    """Count the statement's rows, then load one page of them in `order`.

    A page below 1 is the first. A page past the end is empty, or with `clamp` the last page;
    either way no request can ask the database for an offset it cannot represent."""
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = max(1, page)
    if page > pages:
        if not clamp:
            return Page([], total, page, per_page)
        page = pages
    items = list(session.scalars(stmt.options(*options).order_by(*order)
                                 .limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)

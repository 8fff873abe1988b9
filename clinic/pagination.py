"""Pages of a list: a count and one query, whatever the page size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select

from clinic.extensions import db

T = TypeVar("T")
MAX_PER_PAGE = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(query: Select, count: Select, page: int, per_page: int, *, rows: bool = False) -> Page:
    """Run ``count``, then ``query`` for one page (its scalars, or whole ``rows``).

    A page past the end runs no page query, so no offset can be too large for the
    database.
    """
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    total = db.session.scalar(count) or 0
    if (page - 1) * per_page >= total:
        return Page(items=[], total=total, page=page, per_page=per_page)
    bounded = query.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(bounded).all() if rows else db.session.scalars(bounded).all()
    return Page(items=list(result), total=total, page=page, per_page=per_page)

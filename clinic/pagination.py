"""Pages of a list: a count and one query, whatever the page size."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam

from clinic.extensions import db
from clinic.prebuilt import Prebuilt

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


# Each list's two statements, built once for each shape of its conditions (a kind of
# user's scope, the filters chosen) and run with the request's values: building them
# and their cache keys cost more than PostgreSQL's answer (``clinic.prebuilt``).
_STATEMENTS = Prebuilt()


def paginate(
    name: str,
    conditions: Sequence[ColumnElement[bool]],
    query: Callable[[], Select],
    count: Callable[[], Select],
    page: int,
    per_page: int,
    *,
    rows: bool = False,
) -> Page:
    """Run ``count()``, then ``query()`` for one page (its scalars, or whole ``rows``).

    ``count`` and ``query`` build the list's statements from ``conditions`` (the SQL
    conditions that vary from request to request) and nothing else that varies;
    ``name`` tells the lists apart. A page past the end runs no page query, so no
    offset can be too large for the database.
    """
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    counted, values = _STATEMENTS.statement((name, "count"), conditions, count)
    total = db.session.scalar(counted, values) or 0
    if (page - 1) * per_page >= total:
        return Page(items=[], total=total, page=page, per_page=per_page)
    bounded, values = _STATEMENTS.statement(
        (name, "page"), conditions, lambda: query().limit(bindparam("page_limit")).offset(bindparam("page_offset"))
    )
    values = {**values, "page_limit": per_page, "page_offset": (page - 1) * per_page}
    result = db.session.execute(bounded, values).all() if rows else db.session.scalars(bounded, values).all()
    return Page(items=list(result), total=total, page=page, per_page=per_page)

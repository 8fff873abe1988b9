"""Statements built once for each shape of their conditions, then run with each
call's values.

Building a select of a dozen conditions, and its cache key when it runs, cost more
than PostgreSQL's answer for a visitor's families: executing a statement built
anew took ~0.97 ms, the same statement already built ~0.57 ms (bench, rule 10's
follow-ups; SQLAlchemy memoizes a statement's cache key, and its compiled form is
then found at once). Rule 10 runs four or five such statements for every case
page, and their conditions differ from user to user only in bound values: a
visitor's id, a team's supervisor, the ids of a page of families.

``Prebuilt.statement`` (and ``rows``, which runs it) takes the conditions that vary
from call to call (``inputs``) and a hashable ``key`` for everything else the
statement depends on. The first call of each shape (the inputs' own cache keys: the
same SQL up to bound values) builds the statement; later calls run that statement
with their inputs' values bound in place of the first inputs', matched in the order
SQLAlchemy's cache key lists them, as its compiled cache matches a statement's
parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, Row

from clinic.extensions import db

MAX_SHAPES = 512  # a few statements × the kinds of scope × a day's dates; cleared past it


class Prebuilt:
    def __init__(self) -> None:
        self._built: dict[tuple, tuple[Executable, list[str]]] = {}

    def statement(
        self, key: tuple, inputs: Sequence[ColumnElement], build: Callable[[], Executable]
    ) -> tuple[Executable, dict[str, Any]]:
        """``build()``'s statement for this shape of ``inputs`` (``build`` uses them,
        and only values fixed by ``key``), and the values to execute it with."""
        shape, parameters = [], []
        for condition in inputs:
            cache_key = condition._generate_cache_key()
            if cache_key is None:  # a construct SQLAlchemy cannot cache: nothing to reuse
                return build(), {}
            shape.append(cache_key.key)
            parameters += cache_key.bindparams
        found = self._built.get(full_key := (key, *shape))
        if found is None:
            if len(self._built) >= MAX_SHAPES:
                self._built.clear()
            statement = build()
            self._built[full_key] = statement, [parameter.key for parameter in parameters]
            return statement, {}
        statement, names = found
        return statement, {name: parameter.effective_value for name, parameter in zip(names, parameters, strict=True)}

    def rows(self, key: tuple, inputs: Sequence[ColumnElement], build: Callable[[], Executable]) -> list[Row]:
        """The rows of ``statement``, straight from the connection, all fetched at
        once; pending changes are flushed first, as the session's ``execute`` would."""
        db.session.flush()
        return db.session.connection().execute(*self.statement(key, inputs, build)).all()

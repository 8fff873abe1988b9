"""Shared pydantic building blocks for API request and response bodies."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from clinic import text as clinic_text
from clinic.pagination import MAX_PER_PAGE

# Ids are 32-bit integer columns on PostgreSQL; a larger number can name no record
# and must not reach the database (SQLite overflows on it).
MAX_ID = 2**31 - 1


class Multiline:
    """Marks a text type whose values may hold tabs and line breaks (notes, addresses)."""


MULTILINE = Multiline()


def text(max_length: int, *, min_length: int | None = None, multiline: bool = False):
    """The type of a string of at most ``max_length`` characters, surrounding blanks stripped."""
    constraints = StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)
    return Annotated[str, constraints, MULTILINE] if multiline else Annotated[str, constraints]


def _is_multiline(annotation) -> bool:
    if isinstance(annotation, Multiline):
        return True
    args = getattr(annotation, "__metadata__", ()) + get_args(annotation)
    return any(_is_multiline(arg) for arg in args)


def _text_problem(value, multiline: bool) -> str | None:
    """The first control-character problem in a value: its strings, list items, and
    dict keys (always single-line) and values."""
    if isinstance(value, str):
        return clinic_text.problem(value, multiline=multiline)
    if isinstance(value, dict):
        for key, item in value.items():
            found = (isinstance(key, str) and clinic_text.problem(key)) or _text_problem(item, multiline)
            if found:
                return found
    if isinstance(value, list | tuple):
        for item in value:
            found = _text_problem(item, multiline)
            if found:
                return found
    return None


Name = text(200, min_length=1)
ShortText = text(200)
Note = Annotated[str, StringConstraints(max_length=5000), MULTILINE]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Body(BaseModel):
    """A request body: unknown fields are ignored, wrong types are refused."""

    model_config = ConfigDict(extra="ignore", strict=True)

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value, info: ValidationInfo):
        """Every text of every body, in one place (:mod:`clinic.text`): single-line
        unless its type is marked :data:`MULTILINE`."""
        field = cls.model_fields[info.field_name]
        multiline = any(_is_multiline(m) for m in field.metadata) or _is_multiline(field.annotation)
        message = _text_problem(value, multiline)
        if message:
            raise PydanticCustomError("control_characters", message)
        return value


class Patch(Body):
    """A PATCH body: only the fields sent change.

    Fields that may not be emptied are declared with a ``None`` default but without
    ``None`` in their type: leaving them out is fine, sending ``null`` is refused.
    """

    def changes(self) -> dict:
        return self.model_dump(exclude_unset=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel):
    """Query string of a paged list."""

    model_config = ConfigDict(extra="ignore")

    page: Annotated[int, Field(ge=1, le=MAX_ID)] = 1
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)] = 25

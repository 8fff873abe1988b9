"""Shared pydantic building blocks for API request and response bodies."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from clinic.pagination import MAX_PER_PAGE

# Ids are 32-bit integer columns on PostgreSQL; a larger number can name no record
# and must not reach the database (SQLite overflows on it).
MAX_ID = 2**31 - 1

# PostgreSQL refuses NUL in text, and no name or note needs control characters;
# notes keep their tabs and line breaks.
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse(pattern: re.Pattern[str]):
    def check(value: str) -> str:
        if pattern.search(value):
            raise PydanticCustomError("control_characters", "Remove the control characters from this text.")
        return value

    return AfterValidator(check)


def text(max_length: int, *, min_length: int | None = None, multiline: bool = False):
    """The type of a string of at most ``max_length`` characters, surrounding blanks stripped."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        _refuse(_CONTROL_IN_TEXT if multiline else _CONTROL_IN_LINE),
    ]


Name = text(200, min_length=1)
ShortText = text(200)
Note = Annotated[str, StringConstraints(max_length=5000), _refuse(_CONTROL_IN_TEXT)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Body(BaseModel):
    """A request body: unknown fields are ignored, wrong types are refused."""

    model_config = ConfigDict(extra="ignore", strict=True)


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

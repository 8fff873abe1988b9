"""Shared pydantic building blocks for API request and response bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Note = Annotated[str, StringConstraints(max_length=5000)]


class Body(BaseModel):
    """A request body: unknown fields are ignored, wrong types are refused."""

    model_config = ConfigDict(extra="ignore", strict=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel):
    """Query string of a paged list."""

    model_config = ConfigDict(extra="ignore")

    page: int = 1
    per_page: int = 25

"""The error every service raises for a request that breaks a rule."""

from __future__ import annotations


class ServiceError(ValueError):
    """A refusal. ``field`` names the input at fault (None: the request as a whole);
    ``code`` is "invalid", "conflict" or "forbidden"; ``fields`` maps every input at
    fault to its message, so a form or an API answer can show them all at once."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.fields: dict[str, str] = {field: message} if field else {}


class InvalidFields(ServiceError):
    """Several fields at fault at once; ``field`` and ``message`` name the first."""

    def __init__(self, fields: dict[str, str]):
        first = next(iter(fields))
        super().__init__(fields[first], first)
        self.fields = dict(fields)

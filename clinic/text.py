"""The one check every text a person or a program sends goes through.

PostgreSQL refuses NUL in text (a 500 if it gets that far), and no name, note or
search needs a control character: a line break in a single-line field is how a
header gets injected into an email (``Evil\\r\\nBcc: …``). Multi-line fields (notes,
addresses) keep their tabs and line breaks (CR, LF). Forms, API bodies, query
strings and paths all ask this module, so the rule cannot differ between them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, NotFound

MESSAGE = "Remove the control characters (invisible characters such as NUL) from this text."
LINE_MESSAGE = "Keep this on one line: remove the line breaks and control characters."

_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")
_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` (a message for the person), or None."""
    if multiline:
        return MESSAGE if _IN_TEXT.search(value) else None
    if _IN_LINE.search(value):
        return MESSAGE if _IN_TEXT.search(value) else LINE_MESSAGE
    return None


class ControlCharactersInAddress(BadRequest):
    """A path or query parameter with a control character: nothing in the app takes one."""

    def __init__(self, parameter: str):
        super().__init__(f"Remove the control characters from the address ({parameter}).")
        self.parameter = parameter


# ``next`` is never stored: sign-in checks it and falls back to the start page, so a
# link with a bad one still signs the person in.
CHECKED_WHERE_USED = frozenset({"next"})


def check_address(path: str, args) -> None:
    """Refuse (400) a request whose path or query string holds a control character."""
    if problem(path):
        raise ControlCharactersInAddress("path")
    for name, value in args.items(multi=True):
        if name in CHECKED_WHERE_USED:
            continue
        if problem(name) or problem(value):
            raise ControlCharactersInAddress(name if not problem(name) else "query string")


# The range of the database's integer columns (PostgreSQL ``integer``).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class BoundedParameters(ImmutableMultiDict):
    """Query and form values: ``get(name, type=int)`` answers 404 for a number no
    integer column can hold (``/mail?family_id=2147483648`` names no record), where
    the database driver would otherwise overflow."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            raise NotFound()
        return value


class ClinicRequest(Request):
    parameter_storage_class = BoundedParameters


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site (a page to return to), else None.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash,
    so ``/\t/evil.example`` or ``/\\evil.example`` would leave the site: anything
    with a control character, a backslash, a scheme or a host is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if problem(target) or any(ord(c) in (0x85, 0x2028, 0x2029) for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

"""Staff passwords (rule 12): Argon2id hashes, and what a new password must be."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from clinic.translation import gettext as _

_hasher = PasswordHasher()
MIN_LENGTH = 12
# Long passphrases are welcome; the cap only keeps a request from hashing megabytes.
MAX_LENGTH = 200

# Stored for an account whose password has not been set yet (a new account waiting
# for its set-password link): no password verifies against it.
UNUSABLE_HASH = "!unset"

# Verified against when the email is unknown, so a wrong email costs as much time
# as a wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    usable = password_hash is not None and password_hash != UNUSABLE_HASH
    try:
        return _hasher.verify(password_hash if usable else _DUMMY_HASH, password) and usable
    except (VerificationError, InvalidHashError):
        return False


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of leaked lists, as zxcvbn ships them."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def _plain(text: str) -> str:
    return "".join(text.split()).lower()


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is not acceptable (rule 12), or None."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(min)d characters.", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(max)d characters.", max=MAX_LENGTH)
    plain = _plain(password)
    own = {_plain(email), _plain(email.partition("@")[0]), _plain(name)} - {""}
    if plain in own:
        return _("Do not use your email or your name as your password.")
    if password.lower() in common_passwords() or plain in common_passwords():
        return _("This password is on a list of common passwords; choose another.")
    return None

"""Password hashing: argon2id (argon2-cffi), verified in constant time.

Parameters are argon2-cffi's RFC 9106 "low memory" profile defaults. Verify
against a dummy hash when the user does not exist, so a probe cannot tell
unknown users from wrong passwords by timing. The dummy is made on first use,
not at import, so commands that never check a password start fast.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from seawall.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 1024
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("seawall-no-such-user-placeholder")


def check_password_rules(password: str) -> None:
    """Raise InvalidInput when ``password`` is too short or too long."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"invalid password: {MIN_LENGTH} to {MAX_LENGTH} characters required"
        )


def hash_password(password: str) -> str:
    """The argon2id PHC string for ``password`` (after checking the rules)."""
    check_password_rules(password)
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends one argon2 verification."""
    try:
        matched = _HASHER.verify(stored_hash or _dummy_hash(), password)
        return matched and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False

"""Reviewer passwords: argon2id hashes, and the rules a new password must meet."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024

_hasher = PasswordHasher(type=Type.ID)


class WeakPassword(ValueError):
    """A new password that does not meet the rules; the message says which."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password must be at most {MAX_LENGTH} characters")
    if password.strip() != password:
        raise WeakPassword("the password must not start or end with whitespace")


def hash_password(password: str) -> str:
    check_new_password(password)
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-used-for-timing")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (unknown user) it spends the same time and says no."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False

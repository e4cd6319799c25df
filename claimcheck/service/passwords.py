"""Password hashing for the web workbench's people: argon2id through argon2-cffi.

Hashes are PHC strings (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) with argon2-cffi's
default parameters (RFC 9106's low-memory profile); a hash made with older parameters is
re-made on the next successful sign-in (:func:`verify` says so). Checking a name that does
not exist verifies against a dummy hash, so the answer takes as long either way.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from claimcheck.errors import InputError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # hashing a megabyte-long "password" is work an attacker should not be able to ask for


class WeakPassword(InputError):
    """A new password that is too short, too long or not text we can store."""


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a real password: equalises the time of unknown names")


def check_new(password: str) -> str:
    """``password`` if it may be set; WeakPassword (one line) otherwise."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"密码至少 {MIN_LENGTH} 个字符 (a password needs at least {MIN_LENGTH} characters)")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"密码最多 {MAX_LENGTH} 个字符 (a password may have at most {MAX_LENGTH} characters)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
        raise WeakPassword("密码不能包含控制字符 (a password cannot contain control characters)")
    return password


def hash_password(password: str) -> str:
    return _hasher().hash(check_new(password))


def verify(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash). ``stored_hash`` None (no such user) still costs one verification."""
    if len(password) > MAX_LENGTH:
        return False, False
    hasher = _hasher()
    try:
        hasher.verify(stored_hash or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    if stored_hash is None:
        return False, False
    return True, hasher.check_needs_rehash(stored_hash)

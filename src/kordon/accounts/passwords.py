"""argon2id password hashing (argon2-cffi) and strong generated passwords."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kordon.accounts.errors import InvalidUserInputError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def generate_password(length: int = 20) -> str:
    """A random password from an unambiguous alphabet (~5.8 bits a character)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short or absurdly long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUserInputError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters, got {len(password)}"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidUserInputError(f"password must have at most {MAX_PASSWORD_LENGTH} characters")


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    new_hash: str | None = None
    """A fresh hash when the stored one used outdated parameters (store it)."""


class PasswordHasherService:
    """argon2id hashes; ``verify`` reports when a stored hash needs rehashing.

    The default parameters are argon2-cffi's (RFC 9106 low-memory profile); tests pass
    cheaper ones.
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher if hasher is not None else PasswordHasher()
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> VerifyResult:
        try:
            self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return VerifyResult(ok=False)
        if self._hasher.check_needs_rehash(stored_hash):
            return VerifyResult(ok=True, new_hash=self._hasher.hash(password))
        return VerifyResult(ok=True)

    def burn(self, password: str) -> None:
        """Spend the time of one verification (unknown users take as long as known ones)."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(generate_password())
        self.verify(self._dummy_hash, password)

"""Password hashing (bcrypt) with the same cost whether or not the account exists."""

from __future__ import annotations

import base64
import hashlib

import bcrypt

MIN_LENGTH = 10
MAX_LENGTH = 256


class WeakPasswordError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(f"password: {message}")
        self.field = "password"


def check_strength(password: str, email: str | None = None) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"must be at most {MAX_LENGTH} characters")
    if "\x00" in password:
        raise WeakPasswordError("must not contain NUL characters")
    if len(set(password)) < 4:
        raise WeakPasswordError("must use at least 4 different characters")
    if email and password.strip().lower() == email.strip().lower():
        raise WeakPasswordError("must not be the e-mail address")


def _prehash(password: str) -> bytes:
    # bcrypt reads at most 72 bytes (and bcrypt 5 refuses more): hash first so long passphrases count whole.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


class PasswordHasher:
    def __init__(self, cost: int = 12) -> None:
        if not 4 <= cost <= 31:
            raise ValueError("bcrypt_cost: must be between 4 and 31")
        self.cost = cost
        # Verified against when the account does not exist, so a miss costs as long as a wrong password.
        self._dummy = self.hash("not-a-real-password")

    def hash(self, password: str) -> str:
        return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self.cost)).decode("ascii")

    def verify(self, password: str, hashed: str | None) -> bool:
        if hashed is None:
            bcrypt.checkpw(_prehash(password), self._dummy.encode("ascii"))
            return False
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))

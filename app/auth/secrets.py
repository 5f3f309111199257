"""Secrets (refresh tokens, API keys) go to the OS keyring — or stay in memory, never in a plain file.

Only the operating system's own keyrings count as secure: Windows Credential Locker, the macOS
Keychain, and the Secret Service / KWallet on Linux. ``keyrings.alt``'s plain-text file backend is
chosen automatically on a headless Linux machine and would write the token in clear, so it (like the
``fail`` and ``null`` backends) makes this store fall back to memory with a visible notice.
"""

from __future__ import annotations

import contextlib
import logging

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

log = logging.getLogger(__name__)

SERVICE = "Autolytiq"
_SECURE_MODULES = (
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
)
MEMORY_NOTICE = (
    "No secure keyring was found on this computer, so your sign-in is kept in memory only: "
    "you will be asked to sign in again the next time Autolytiq starts."
)


def is_secure(backend: KeyringBackend) -> bool:
    module = type(backend).__module__
    if module == "keyring.backends.chainer":
        return any(is_secure(b) for b in getattr(backend, "backends", []))
    return module.startswith(_SECURE_MODULES)


class SecretStore:
    """``trusted_backend`` injects a keyring the caller vouches for (an OS keyring found by other means)."""

    def __init__(self, trusted_backend: KeyringBackend | None = None) -> None:
        backend = trusted_backend or keyring.get_keyring()
        self._backend: KeyringBackend | None = backend if trusted_backend or is_secure(backend) else None
        self._memory: dict[str, str] = {}
        if self._backend is None:
            log.warning("no secure keyring (%s): secrets kept in memory only", type(backend).__name__)

    @property
    def secure(self) -> bool:
        return self._backend is not None

    @property
    def notice(self) -> str | None:
        return None if self.secure else MEMORY_NOTICE

    def set(self, key: str, value: str) -> None:
        if self._backend is not None:
            try:
                self._backend.set_password(SERVICE, key, value)
                return
            except KeyringError:
                log.exception("keyring refused to store %s; keeping it in memory", key)
        self._memory[key] = value

    def get(self, key: str) -> str | None:
        if key in self._memory:
            return self._memory[key]
        if self._backend is not None:
            try:
                return self._backend.get_password(SERVICE, key)
            except KeyringError:
                log.exception("keyring could not read %s", key)
        return None

    def delete(self, key: str) -> None:
        self._memory.pop(key, None)
        if self._backend is not None:
            with contextlib.suppress(KeyringError):  # not there: nothing to delete
                self._backend.delete_password(SERVICE, key)

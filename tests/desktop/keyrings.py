"""An in-memory keyring the tests and the sync benchmark hand to ``SecretStore`` as a trusted backend.

A real OS keyring needs a desktop session, which CI and benchmark runs do not have.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """Stands in for the OS keyring; the app treats it as trusted because the caller vouches for it."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)

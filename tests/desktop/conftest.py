"""Desktop sign-in and sync against the real sync service (embedded PostgreSQL, loopback SMTP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from keyring.backend import KeyringBackend

from app.store.database import Store, open_store
from tests.server.fixtures import *  # noqa: F403


class MemoryKeyring(KeyringBackend):
    """Stands in for the OS keyring (a real one needs a desktop session); the app treats it as trusted."""

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


@pytest.fixture
def device_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "desk.sqlite3", "desk-1")
    yield store
    store.close()


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:  # noqa: F405
    with httpx.Client(base_url=live_server.url, timeout=10.0) as client:
        yield client

"""Desktop sign-in and sync against the real sync service (embedded PostgreSQL, loopback SMTP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.store.database import Store, open_store
from tests.desktop.keyrings import MemoryKeyring as MemoryKeyring  # where tests import it from
from tests.server.fixtures import *  # noqa: F403


@pytest.fixture
def device_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "desk.sqlite3", "desk-1")
    yield store
    store.close()


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:  # noqa: F405
    with httpx.Client(base_url=live_server.url, timeout=10.0) as client:
        yield client

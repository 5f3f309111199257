"""A real SQLite store per test, and people of two dealerships to act in it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.ids import new_id
from app.policy import Principal, permissions_for_roles
from app.store.database import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "store.sqlite3", "test-device")
    yield opened
    opened.close()


def person(tenant_id: str, *roles: str) -> Principal:
    return Principal(user_id=new_id(), tenant_id=tenant_id, permissions=permissions_for_roles(roles))


@pytest.fixture
def make_person() -> Callable[..., Principal]:
    return person


@pytest.fixture
def tenant_a() -> str:
    return new_id()


@pytest.fixture
def tenant_b() -> str:
    return new_id()


@pytest.fixture
def manager(tenant_a: str) -> Principal:
    return person(tenant_a, "sales_manager")


@pytest.fixture
def salesperson(tenant_a: str) -> Principal:
    return person(tenant_a, "salesperson")


@pytest.fixture
def other_dealer(tenant_b: str) -> Principal:
    return person(tenant_b, "general_manager")

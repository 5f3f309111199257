"""One demo dealership for the whole directory, a scripted loopback model server per test, and people."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.assistant.ledger import Limits
from app.assistant.provider import ProviderConfig
from app.assistant.service import AssistantService
from app.ids import new_id
from app.policy import Principal, permissions_for_roles
from app.runtime import AppContext, open_demo
from app.store.database import Actor
from app.store.models import AppUser
from tests.assistant.fake_provider import FakeProvider


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    context = open_demo(tmp_path_factory.mktemp("assistant-demo"))
    yield context
    context.close()


@pytest.fixture
def server() -> Iterator[FakeProvider]:
    provider = FakeProvider().start()
    yield provider
    provider.stop()


PersonFactory = Callable[..., Principal]


@pytest.fixture
def person(demo: AppContext) -> PersonFactory:
    """A fresh user of the demo dealership with the given roles (fresh: their own rate limit and budget)."""

    def make(*roles: str, user_id: str | None = None) -> Principal:
        return Principal(
            user_id=user_id or new_id(),
            tenant_id=demo.principal.tenant_id,
            permissions=permissions_for_roles(roles),
        )

    return make


@pytest.fixture
def demo_salesperson(demo: AppContext) -> Principal:
    """A salesperson of the demo who has deals of their own."""
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        users = session.scalars(select(AppUser)).all()
        user = next(u for u in users if u.roles == ["salesperson"])
    return Principal(user.id, demo.principal.tenant_id, permissions_for_roles(["salesperson"]))


def provider_for(server: FakeProvider, **changes: Any) -> ProviderConfig:
    values: dict[str, Any] = {"base_url": server.url, "model": "fake-model", "timeout_seconds": 5.0}
    values.update(changes)
    return ProviderConfig(**values)


AssistantFactory = Callable[..., AssistantService]


@pytest.fixture
def make_assistant(demo: AppContext, server: FakeProvider) -> AssistantFactory:
    def make(
        principal: Principal | None = None,
        *,
        limits: Limits | None = None,
        provider: ProviderConfig | None = None,
        **provider_changes: Any,
    ) -> AssistantService:
        who = principal or Principal(new_id(), demo.principal.tenant_id, demo.principal.permissions)
        config = provider or provider_for(server, **provider_changes)
        return AssistantService(
            demo.store, who, config, limits=limits or Limits(), dealership=demo.dealership
        )

    return make


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def knowledge_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "resources" / "knowledge"

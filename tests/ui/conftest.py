"""Real widgets on the demo dealership, one fresh store per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from app.policy import Principal, permissions_for_roles
from app.runtime import AppContext, open_demo
from app.store.database import Actor
from app.store.models import AppUser


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[AppContext]:
    ctx = open_demo(tmp_path)
    yield ctx
    ctx.close()


@pytest.fixture
def as_user(demo: AppContext) -> Callable[[str], AppContext]:
    """The same dealership and store, signed in as the demo user with the given role."""

    def switch(role: str) -> AppContext:
        with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
            users = session.scalars(select(AppUser)).all()
        user = next(u for u in users if u.roles == [role])
        principal = Principal(user.id, demo.principal.tenant_id, permissions_for_roles(user.roles))
        return replace(demo, principal=principal, display_name=user.display_name)

    return switch

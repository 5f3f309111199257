"""What every service shares: the store, who is acting, and the permission gate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session

from app.errors import NotFoundError, ValidationError
from app.policy import Principal
from app.store.database import Actor, Store
from app.store.models import TenantScoped

M = TypeVar("M", bound=TenantScoped)


class Service:
    def __init__(self, store: Store, principal: Principal) -> None:
        self.store = store
        self.principal = principal

    @property
    def actor(self) -> Actor:
        return Actor(self.principal.tenant_id, self.principal.user_id, self.store.device_id)

    @contextmanager
    def unit_of_work(self, permission: str) -> Iterator[Session]:
        """Check the permission, then open one transaction: all of it is saved, or none."""
        self.principal.require(permission)
        with self.store.session(self.actor) as session:
            yield session


def get_or_404(session: Session, model: type[M], entity_id: str) -> M:
    row = session.get(model, entity_id)
    if row is None:
        raise NotFoundError(model.__tablename__, entity_id)
    return row


def reject_unknown(form: Mapping[str, object], allowed: frozenset[str]) -> None:
    for key in form:
        if key not in allowed:
            raise ValidationError(key, "is not a field that can be set here")

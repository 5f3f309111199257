"""Reading the audit trail: who changed what and when, filtered and a page at a time (``audit.view``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from app.errors import ValidationError
from app.policy import Permission
from app.services.base import Service
from app.store.models import AppUser, AuditEvent

MAX_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class AuditQuery:
    entity: str | None = None
    action: str | None = None
    actor_id: str | None = None
    entity_id: str | None = None
    page: int = 1  # 1-based
    page_size: int = 50


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: Sequence[AuditEvent]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What the filters can choose from: the entities and actions present, and the people who acted."""

    entities: list[str]
    actions: list[str]
    actors: dict[str, str]  # user id -> display name


class AuditLogService(Service):
    def page(self, query: AuditQuery = AuditQuery()) -> AuditPage:
        if query.page < 1:
            raise ValidationError("page", "must be 1 or more")
        if not 1 <= query.page_size <= MAX_PAGE_SIZE:
            raise ValidationError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
        conditions = self._conditions(query)
        statement = select(AuditEvent).where(*conditions)
        counting = select(func.count()).select_from(AuditEvent).where(*conditions)
        with self.unit_of_work(Permission.AUDIT_VIEW) as session:
            total = session.scalar(counting) or 0
            events = session.scalars(
                statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .offset((query.page - 1) * query.page_size)
                .limit(query.page_size)
            ).all()
        return AuditPage(events, total, query.page, query.page_size)

    def filters(self) -> AuditFilters:
        with self.unit_of_work(Permission.AUDIT_VIEW) as session:
            entities = sorted(session.scalars(select(AuditEvent.entity).distinct()).all())
            actions = sorted(session.scalars(select(AuditEvent.action).distinct()).all())
            users = session.scalars(select(AppUser).order_by(AppUser.display_name)).all()
        return AuditFilters(entities, actions, {u.id: u.display_name for u in users})

    @staticmethod
    def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
        wanted = {
            AuditEvent.entity: query.entity,
            AuditEvent.action: query.action,
            AuditEvent.actor_id: query.actor_id,
            AuditEvent.entity_id: query.entity_id,
        }
        return [column == value for column, value in wanted.items() if value]

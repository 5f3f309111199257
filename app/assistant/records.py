"""The assistant's own local tables: usage (rate limits, budgets) and the response cache.

They sit in the same SQLite file as the store but in their own metadata, created when the assistant
first opens the store: they are this machine's bookkeeping (never pushed through the outbox), and keeping
them out of ``app.store``'s metadata leaves the store's migrations the single description of its schema.
Every query here filters by dealership and user explicitly. Conversation history is not here: it is
synced, so it lives in the store's own tables (``app.assistant.history``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Engine, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.ids import new_id
from app.store.types import ExactDecimal, UtcDateTime, utcnow

ID = String(36)


class AssistantBase(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute by name
        datetime: UtcDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class AssistantUsage(AssistantBase):
    """One accepted question: what it cost, for rate limits and monthly budgets."""

    __tablename__ = "assistant_usage"
    __table_args__ = (
        Index("ix_assistant_usage_user", "tenant_id", "user_id", "at"),
        Index("ix_assistant_usage_month", "tenant_id", "month"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ID)
    user_id: Mapped[str] = mapped_column(ID)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, UTC
    model: Mapped[str] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    # US dollars in integer nano-dollars (1e-9, rounded half-up when recorded): SQLite sums integers
    # exactly, so a month's spend is one SUM however many questions were asked.
    cost_nanos: Mapped[int] = mapped_column(Integer, default=0)
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20), default="ok")  # ok | cancelled | error


class AssistantCacheEntry(AssistantBase):
    """A finished answer, keyed by question, context, permissions, model and knowledge version."""

    __tablename__ = "assistant_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def create_tables(engine: Engine) -> None:
    AssistantBase.metadata.create_all(engine, checkfirst=True)

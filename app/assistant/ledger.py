"""Guardrails that need memory: the per-user rate limit, monthly budgets, the response cache, history.

Budgets are in US dollars per calendar month (UTC), for the user and for the whole dealership; past
``warn_fraction`` of either the answer carries a warning, at 100 % questions are refused until the
month turns or a manager raises the budget.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.assistant.records import AssistantCacheEntry, AssistantMessage, AssistantUsage, create_tables
from app.errors import AppError
from app.store.types import utcnow


@dataclass(frozen=True, slots=True)
class Limits:
    messages_per_hour: int = 100
    user_monthly_budget: Decimal = Decimal("20.00")
    dealership_monthly_budget: Decimal = Decimal("200.00")
    warn_fraction: Decimal = Decimal("0.8")
    cache_ttl: timedelta = timedelta(minutes=30)


class GuardrailError(AppError):
    """A question refused before anything was sent; ``reason`` is rate_limit, budget or permission."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Spend:
    user: Decimal
    dealership: Decimal


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def cache_key(parts: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Ledger:
    def __init__(self, engine: Engine, tenant_id: str, user_id: str, limits: Limits) -> None:
        create_tables(engine)
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.limits = limits

    def _session(self) -> Session:
        return self._sessions()

    # --- rate limit and budgets -------------------------------------------------------------------

    def messages_last_hour(self, now: datetime | None = None) -> int:
        since = (now or utcnow()) - timedelta(hours=1)
        with self._session() as session:
            count = session.scalar(
                select(func.count())
                .select_from(AssistantUsage)
                .where(
                    AssistantUsage.tenant_id == self.tenant_id,
                    AssistantUsage.user_id == self.user_id,
                    AssistantUsage.at > since,
                    # A question the provider never answered does not use up the user's hour.
                    AssistantUsage.outcome != "error",
                )
            )
        return int(count or 0)

    def spend(self, now: datetime | None = None) -> Spend:
        month = month_of(now or utcnow())
        with self._session() as session:
            rows = session.execute(
                select(AssistantUsage.user_id, AssistantUsage.cost).where(
                    AssistantUsage.tenant_id == self.tenant_id, AssistantUsage.month == month
                )
            ).all()
        # Summed here in Decimal: SQLite would add the stored text as floats.
        user = sum((cost for uid, cost in rows if uid == self.user_id), Decimal("0"))
        dealership = sum((cost for _uid, cost in rows), Decimal("0"))
        return Spend(user, dealership)

    def admit(self, now: datetime | None = None) -> list[str]:
        """Refuse the question (GuardrailError) or return warnings to show with the answer."""
        limit = self.limits.messages_per_hour
        if self.messages_last_hour(now) >= limit:
            raise GuardrailError(
                "rate_limit",
                f"You have asked {limit} questions in the last hour, the limit for each user. "
                "Try again later; the calculators and searches still work without the assistant.",
            )
        return self.budget_warnings(now, refuse=True)

    def budget_warnings(self, now: datetime | None = None, *, refuse: bool = False) -> list[str]:
        spent = self.spend(now)
        warnings: list[str] = []
        for who, used, budget in (
            ("your", spent.user, self.limits.user_monthly_budget),
            ("the dealership's", spent.dealership, self.limits.dealership_monthly_budget),
        ):
            if budget <= 0 or used >= budget:
                if refuse:
                    raise GuardrailError(
                        "budget",
                        f"The assistant has used {who} monthly budget (${used:.2f} of ${budget:.2f}). "
                        "It is paused until next month or until a manager raises the budget.",
                    )
                warnings.append(f"{who.capitalize()} monthly assistant budget is used up (${used:.2f}).")
            elif used >= budget * self.limits.warn_fraction:
                warnings.append(
                    f"{who.capitalize()} monthly assistant budget is {used / budget:.0%} used "
                    f"(${used:.2f} of ${budget:.2f})."
                )
        return warnings

    def record_usage(
        self,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        cost: Decimal,
        *,
        cached: bool = False,
        outcome: str = "ok",
        now: datetime | None = None,
    ) -> None:
        moment = now or utcnow()
        with self._session() as session, session.begin():
            session.add(
                AssistantUsage(
                    tenant_id=self.tenant_id,
                    user_id=self.user_id,
                    at=moment,
                    month=month_of(moment),
                    model=model[:100],
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    cost=cost,
                    cached=cached,
                    outcome=outcome,
                )
            )

    # --- response cache ---------------------------------------------------------------------------

    def cached(self, key: str, now: datetime | None = None) -> dict[str, Any] | None:
        with self._session() as session:
            entry = session.get(AssistantCacheEntry, key)
        if entry is None or entry.tenant_id != self.tenant_id:
            return None
        if (now or utcnow()) - entry.created_at > self.limits.cache_ttl:
            return None
        return dict(entry.payload)

    def remember(self, key: str, payload: Mapping[str, Any]) -> None:
        with self._session() as session, session.begin():
            session.execute(delete(AssistantCacheEntry).where(AssistantCacheEntry.key == key))
            session.add(AssistantCacheEntry(key=key, tenant_id=self.tenant_id, payload=dict(payload)))

    # --- history ----------------------------------------------------------------------------------

    def append(
        self,
        conversation_id: str,
        role: str,
        content: str,
        *,
        tool_calls: Sequence[Mapping[str, Any]] = (),
        sources: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        with self._session() as session, session.begin():
            session.add(
                AssistantMessage(
                    tenant_id=self.tenant_id,
                    user_id=self.user_id,
                    conversation_id=conversation_id,
                    role=role,
                    content=content,
                    tool_calls=[dict(call) for call in tool_calls],
                    sources=[dict(source) for source in sources],
                )
            )

    def history(self, conversation_id: str, limit: int = 20) -> list[AssistantMessage]:
        """The user's own last messages of the conversation, oldest first."""
        with self._session() as session:
            rows = session.scalars(
                select(AssistantMessage)
                .where(
                    AssistantMessage.tenant_id == self.tenant_id,
                    AssistantMessage.user_id == self.user_id,
                    AssistantMessage.conversation_id == conversation_id,
                )
                .order_by(AssistantMessage.created_at.desc(), AssistantMessage.id.desc())
                .limit(limit)
            ).all()
        return list(reversed(rows))

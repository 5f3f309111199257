"""Guardrails that need memory: the per-user rate limit, monthly budgets, the response cache; and the
record of each turn (its usage, its cache entry and its history lines, in one store transaction).

Budgets are in US dollars per calendar month (UTC), for the user and for the whole dealership; past
``warn_fraction`` of either the answer carries a warning, at 100 % questions are refused until the
month turns or a manager raises the budget.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, case, create_engine, delete, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.assistant.history import ConversationHistory, TurnLines
from app.assistant.records import AssistantCacheEntry, AssistantUsage, create_tables
from app.errors import AppError, ValidationError
from app.policy import Principal
from app.store.database import Actor, Store
from app.store.types import utcnow


@dataclass(frozen=True, slots=True)
class Limits:
    messages_per_hour: int = 100
    user_monthly_budget: Decimal = Decimal("20.00")
    dealership_monthly_budget: Decimal = Decimal("200.00")
    warn_fraction: Decimal = Decimal("0.8")
    cache_ttl: timedelta = timedelta(minutes=30)


def limits_from_settings(raw: Mapping[str, Any] | None) -> Limits:
    """The dealership's ``settings["assistant"]`` (set by a manager, synced); absent keys keep defaults."""
    if not raw:
        return Limits()
    if not isinstance(raw, Mapping):
        raise ValidationError("settings.assistant", "must be an object")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"settings.assistant.{key}"
        if key == "messages_per_hour":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
                raise ValidationError(where, "must be a whole number from 1 to 10000")
            values[key] = value
        elif key in ("user_monthly_budget", "dealership_monthly_budget", "warn_fraction"):
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                raise ValidationError(where, f"not a number: {value!r}") from None
            if not amount.is_finite() or amount < 0 or (key == "warn_fraction" and amount > 1):
                raise ValidationError(where, "out of range")
            values[key] = amount
        elif key == "cache_minutes":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24 * 60:
                raise ValidationError(where, "must be a whole number of minutes up to 1440")
            values["cache_ttl"] = timedelta(minutes=value)
        else:
            raise ValidationError(where, "is not an assistant setting")
    return Limits(**values)


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

    def plus(self, cost: Decimal) -> Spend:
        return Spend(self.user + cost, self.dealership + cost)


@dataclass(frozen=True, slots=True)
class TurnRecord:
    conversation_id: str
    question: str
    answer: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal("0")
    cached: bool = False
    outcome: str = "ok"
    tool_calls: Sequence[Mapping[str, Any]] = ()
    sources: Sequence[Mapping[str, Any]] = ()


NANO = Decimal("0.000000001")


def to_nanos(dollars: Decimal) -> int:
    return int((dollars / NANO).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def from_nanos(nanos: int) -> Decimal:
    return Decimal(nanos) * NANO


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def cache_key(parts: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _relaxed_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    # NORMAL in WAL mode: a commit is safe from a crash but not a power cut. This engine writes only
    # bookkeeping outside a turn's record (a failed question's usage), where that is acceptable. A turn's
    # record holds synced history, so it goes through the store's engine, which keeps FULL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def bookkeeping_engine(store_engine: Engine) -> Engine:
    """An engine of its own on the store's SQLite file, shared by every ledger on that file."""
    url = store_engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        return store_engine
    key = str(url)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = create_engine(url)
            event.listen(engine, "connect", _relaxed_pragmas)
            _engines[key] = engine
        return engine


class Ledger:
    def __init__(self, store: Store, principal: Principal, limits: Limits) -> None:
        self.store = store
        self.engine = bookkeeping_engine(store.engine)
        create_tables(self.engine)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.tenant_id = principal.tenant_id
        self.user_id = principal.user_id
        self.limits = limits
        self.history = ConversationHistory(store, principal)

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
        mine = func.coalesce(
            func.sum(case((AssistantUsage.user_id == self.user_id, AssistantUsage.cost_nanos))), 0
        )
        with self._session() as session:
            user, dealership = session.execute(
                select(mine, func.coalesce(func.sum(AssistantUsage.cost_nanos), 0)).where(
                    AssistantUsage.tenant_id == self.tenant_id, AssistantUsage.month == month
                )
            ).one()
        return Spend(from_nanos(int(user)), from_nanos(int(dealership)))

    def admit(self, now: datetime | None = None) -> tuple[Spend, list[str]]:
        """Refuse the question (GuardrailError), or return this month's spend and the warnings to show."""
        limit = self.limits.messages_per_hour
        if self.messages_last_hour(now) >= limit:
            raise GuardrailError(
                "rate_limit",
                f"You have asked {limit} questions in the last hour, the limit for each user. "
                "Try again later; the calculators and searches still work without the assistant.",
            )
        spent = self.spend(now)
        return spent, self.budget_warnings(spent, refuse=True)

    def budget_warnings(self, spent: Spend, *, refuse: bool = False) -> list[str]:
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

    def _usage(
        self,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        cost: Decimal,
        cached: bool,
        outcome: str,
        now: datetime | None,
    ) -> AssistantUsage:
        moment = now or utcnow()
        return AssistantUsage(
            tenant_id=self.tenant_id,
            user_id=self.user_id,
            at=moment,
            month=month_of(moment),
            model=model[:100],
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_nanos=to_nanos(cost),
            cached=cached,
            outcome=outcome,
        )

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
        with self._session() as session, session.begin():
            session.add(self._usage(model, prompt_tokens, completion_tokens, cost, cached, outcome, now))

    def record_turn(
        self,
        turn: TurnRecord,
        *,
        cache: tuple[str, Mapping[str, Any]] | None = None,
        now: datetime | None = None,
    ) -> None:
        """Usage, both history lines and the cache entry of one turn: one transaction, one disk sync.

        A store unit of work, so the history lines are queued for sync with it (the usage and cache rows
        are local bookkeeping that change capture leaves alone). Raises ``ForeignConversationError`` for
        someone else's conversation, and then nothing of the turn is kept.
        """
        moment = now or utcnow()
        actor = Actor(self.tenant_id, self.user_id, self.store.device_id)
        with self.store.session(actor) as session:
            if cache is not None:
                # First, while nothing is pending: the rows below then go out in a single flush.
                session.execute(delete(AssistantCacheEntry).where(AssistantCacheEntry.key == cache[0]))
            self.history.add_turn(
                session,
                TurnLines(turn.conversation_id, turn.question, turn.answer, turn.tool_calls, turn.sources),
                moment,
            )
            session.add(
                self._usage(
                    turn.model,
                    turn.prompt_tokens,
                    turn.completion_tokens,
                    turn.cost,
                    turn.cached,
                    turn.outcome,
                    moment,
                )
            )
            if cache is not None:
                key, payload = cache
                session.add(AssistantCacheEntry(key=key, tenant_id=self.tenant_id, payload=dict(payload)))

    # --- response cache ---------------------------------------------------------------------------

    def cached(self, key: str, now: datetime | None = None) -> dict[str, Any] | None:
        with self._session() as session:
            entry = session.get(AssistantCacheEntry, key)
        if entry is None or entry.tenant_id != self.tenant_id:
            return None
        if (now or utcnow()) - entry.created_at > self.limits.cache_ttl:
            return None
        return dict(entry.payload)

"""Conversation history: the signed-in user's own assistant conversations, kept in the synced store.

Conversations and messages are ordinary synced tables (``app.store.models``), written in a store unit of
work, so change capture queues them for the user's other devices. They are private to their user: the
store scopes every query to the dealership, and this module adds the user on top: it reads only the
user's own rows, and refuses to add to a conversation that belongs to someone else — a manager
included (the server applies the same rule to pushes and pulls).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.policy import Principal
from app.store.database import Actor, Store
from app.store.models import AssistantConversation, AssistantMessage

TITLE_CHARS = 80


class ForeignConversationError(PermissionError):
    """The conversation exists but is someone else's."""

    def __init__(self) -> None:
        super().__init__("conversation_id: that conversation belongs to another user")


@dataclass(frozen=True, slots=True)
class HistoryLine:
    role: str
    content: str
    tool_calls: list[Any]
    sources: list[Any]
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: str
    title: str
    started_at: datetime
    messages: int


@dataclass(frozen=True, slots=True)
class TurnLines:
    """The question and answer of one turn, as history keeps them."""

    conversation_id: str
    question: str
    answer: str
    tool_calls: Sequence[Mapping[str, Any]] = ()
    sources: Sequence[Mapping[str, Any]] = ()


class ConversationHistory:
    def __init__(self, store: Store, principal: Principal) -> None:
        self.store = store
        self.principal = principal

    @property
    def _actor(self) -> Actor:
        return Actor(self.principal.tenant_id, self.principal.user_id, self.store.device_id)

    def _mine(self) -> Any:
        return AssistantConversation.user_id == self.principal.user_id

    def earlier(self, conversation_id: str, limit: int) -> list[HistoryLine]:
        """What a question continuing the conversation follows (oldest first), in one read.

        Raises ``ForeignConversationError`` if it is someone else's; [] for a conversation not begun yet.
        """
        with self.store.session(self._actor, capture_changes=False) as session:
            owner = session.scalar(
                select(AssistantConversation.user_id).where(AssistantConversation.id == conversation_id)
            )
            if owner is None:
                return []
            if not self.principal.owns(owner):
                raise ForeignConversationError()
            return self._lines(session, conversation_id, limit)

    def lines(self, conversation_id: str, limit: int = 20) -> list[HistoryLine]:
        """The user's own last messages of the conversation, oldest first ([] for anyone else's)."""
        with self.store.session(self._actor, capture_changes=False) as session:
            return self._lines(session, conversation_id, limit)

    def _lines(self, session: Session, conversation_id: str, limit: int) -> list[HistoryLine]:
        rows = session.scalars(
            select(AssistantMessage)
            .join(AssistantConversation, AssistantConversation.id == AssistantMessage.conversation_id)
            .where(
                AssistantMessage.conversation_id == conversation_id,
                AssistantMessage.user_id == self.principal.user_id,
                self._mine(),
            )
            .order_by(AssistantMessage.sent_at.desc(), AssistantMessage.id.desc())
            .limit(limit)
        ).all()
        return [
            HistoryLine(m.role, m.content, list(m.tool_calls), list(m.sources), m.sent_at)
            for m in reversed(rows)
        ]

    def conversations(self, limit: int = 50) -> list[ConversationSummary]:
        """The user's own conversations, the latest first."""
        counted = (
            select(AssistantMessage.conversation_id, func.count().label("n"))
            .group_by(AssistantMessage.conversation_id)
            .subquery()
        )
        with self.store.session(self._actor, capture_changes=False) as session:
            found = session.execute(
                select(AssistantConversation, func.coalesce(counted.c.n, 0))
                .outerjoin(counted, counted.c.conversation_id == AssistantConversation.id)
                .where(self._mine())
                .order_by(AssistantConversation.started_at.desc(), AssistantConversation.id.desc())
                .limit(limit)
            ).all()
            return [ConversationSummary(c.id, c.title, c.started_at, int(n)) for c, n in found]

    def add_turn(self, session: Session, turn: TurnLines, moment: datetime) -> None:
        """Question and answer into ``session`` (a store unit of work of this user), conversation first."""
        conversation = session.get(AssistantConversation, turn.conversation_id)
        if conversation is None:
            # Added before its messages, so change capture (which goes through new rows in the order they
            # were added) queues it first: the server checks that a message's conversation exists.
            session.add(
                AssistantConversation(
                    id=turn.conversation_id,
                    user_id=self.principal.user_id,
                    title=" ".join(turn.question.split())[:TITLE_CHARS] or "Conversation",
                    started_at=moment,
                )
            )
        elif not self.principal.owns(conversation.user_id):
            raise ForeignConversationError()
        session.add_all(self._messages(turn, moment))

    def _messages(self, turn: TurnLines, moment: datetime) -> Iterable[AssistantMessage]:
        lines: tuple[tuple[str, str, Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]], ...] = (
            ("user", turn.question, (), ()),
            ("assistant", turn.answer, turn.tool_calls, turn.sources),
        )
        for offset, (role, content, calls, sources) in enumerate(lines):
            yield AssistantMessage(
                conversation_id=turn.conversation_id,
                user_id=self.principal.user_id,
                role=role,
                content=content,
                tool_calls=[dict(call) for call in calls],
                sources=[dict(source) for source in sources],
                # The answer sorts after its question even within one clock tick.
                sent_at=moment + timedelta(microseconds=offset),
            )

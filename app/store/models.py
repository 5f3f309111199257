"""The local store's tables (SQLAlchemy 2.0 typed models).

Synced tables mirror ``sync.schema.SYNCED_TABLES`` field for field (a test holds them to it); each also
carries ``tenant_id``, the timestamps, and ``server_version`` — the server's sequence number of the
last version this desktop has seen, which a push sends back as ``base_version``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.ids import new_id
from app.store.types import ExactDecimal, UtcDateTime, utcnow

ID = String(36)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute by name
        datetime: UtcDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class TenantScoped(Base):
    """Every row of every tenant table: the id, its dealership, and when it changed."""

    __abstract__ = True

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Synced(TenantScoped):
    """A table whose changes go to the server through the outbox."""

    __abstract__ = True
    __sync_name__: str
    # Fields whose values the audit trail does not repeat (it names them, with "(private)" for the value):
    # the audit is read by managers, and some rows are only their owner's to read.
    __private_fields__: ClassVar[frozenset[str]] = frozenset()

    server_version: Mapped[int | None] = mapped_column(Integer, default=None)


class Dealership(Synced):
    __tablename__ = "dealership"
    __sync_name__ = "dealership"

    # Owned by the server (set up by an administrator there), so nothing here is required locally.
    name: Mapped[str | None] = mapped_column(String(200))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    zip: Mapped[str | None] = mapped_column(String(10))
    county: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AppUser(Synced):
    __tablename__ = "app_user"
    __sync_name__ = "app_user"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Role(Synced):
    __tablename__ = "role"
    __sync_name__ = "role"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    permissions: Mapped[list[Any]] = mapped_column(default=list)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class Customer(Synced):
    __tablename__ = "customer"
    __sync_name__ = "customer"
    __table_args__ = (Index("ix_customer_tenant_name", "tenant_id", "last_name", "first_name"),)

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(2))
    zip: Mapped[str | None] = mapped_column(String(10))
    county: Mapped[str | None] = mapped_column(String(100))
    credit_score: Mapped[int | None] = mapped_column(Integer)
    annual_income: Mapped[Decimal | None]
    source: Mapped[str | None] = mapped_column(String(50))
    assigned_user_id: Mapped[str | None] = mapped_column(ID)
    notes: Mapped[str | None] = mapped_column(Text)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Vehicle(Synced):
    __tablename__ = "vehicle"
    __sync_name__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("tenant_id", "vin"),
        UniqueConstraint("tenant_id", "stock_number"),
    )

    vin: Mapped[str] = mapped_column(String(17))
    stock_number: Mapped[str] = mapped_column(String(20))
    model_year: Mapped[int | None] = mapped_column(Integer)
    make: Mapped[str | None] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(60))
    trim: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(String(60))
    fuel: Mapped[str | None] = mapped_column(String(40))
    condition: Mapped[str] = mapped_column(String(10))
    mileage: Mapped[int | None] = mapped_column(Integer)
    color: Mapped[str | None] = mapped_column(String(40))
    cost: Mapped[Decimal | None]
    price: Mapped[Decimal]
    msrp: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(String(20), default="in_stock")
    received_on: Mapped[date | None] = mapped_column(Date)
    weight_lbs: Mapped[int | None] = mapped_column(Integer)
    city_mpg: Mapped[int | None] = mapped_column(Integer)


class Lead(Synced):
    __tablename__ = "lead"
    __sync_name__ = "lead"

    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customer.id"))
    vehicle_id: Mapped[str | None] = mapped_column(ID, ForeignKey("vehicle.id"))
    source: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="new")
    assigned_user_id: Mapped[str | None] = mapped_column(ID)
    received_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)


class Deal(Synced):
    __tablename__ = "deal"
    __sync_name__ = "deal"
    __table_args__ = (
        UniqueConstraint("tenant_id", "deal_number"),
        Index("ix_deal_tenant_status", "tenant_id", "status"),
    )

    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customer.id"))
    vehicle_id: Mapped[str | None] = mapped_column(ID, ForeignKey("vehicle.id"))
    salesperson_id: Mapped[str | None] = mapped_column(ID)
    manager_id: Mapped[str | None] = mapped_column(ID)
    deal_number: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    deal_type: Mapped[str] = mapped_column(String(10), default="finance")
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(Text)
    front_gross: Mapped[Decimal | None]
    back_gross: Mapped[Decimal | None]
    selected_scenario_id: Mapped[str | None] = mapped_column(ID)


class DealScenario(Synced):
    __tablename__ = "deal_scenario"
    __sync_name__ = "deal_scenario"

    deal_id: Mapped[str] = mapped_column(ID, ForeignKey("deal.id"))
    name: Mapped[str] = mapped_column(String(100))
    deal_type: Mapped[str] = mapped_column(String(10))
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_quote: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    monthly_payment: Mapped[Decimal | None]


class Activity(Synced):
    __tablename__ = "activity"
    __sync_name__ = "activity"

    customer_id: Mapped[str | None] = mapped_column(ID, ForeignKey("customer.id"))
    deal_id: Mapped[str | None] = mapped_column(ID, ForeignKey("deal.id"))
    user_id: Mapped[str | None] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    notes: Mapped[str | None] = mapped_column(Text)


class MlState(Synced):
    __tablename__ = "ml_state"
    __sync_name__ = "ml_state"
    __table_args__ = (UniqueConstraint("tenant_id", "engine"),)

    engine: Mapped[str] = mapped_column(String(40))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Synced):
    """Append-only: who changed what, before and after, when, on which device."""

    __tablename__ = "audit_event"
    __sync_name__ = "audit_event"
    __table_args__ = (Index("ix_audit_tenant_entity", "tenant_id", "entity", "entity_id"),)

    actor_id: Mapped[str | None] = mapped_column(ID)
    device_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(ID)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistantConversation(Synced):
    """One assistant chat of one user. Private to that user: the assistant's history service reads only
    the signed-in user's own, and the server neither accepts nor hands out anyone else's.

    Append-only, like its messages: a conversation is never edited, so nothing about it can conflict.
    """

    __tablename__ = "assistant_conversation"
    __sync_name__ = "assistant_conversation"
    __private_fields__ = frozenset({"title"})
    __table_args__ = (Index("ix_assistant_conversation_owner", "tenant_id", "user_id", "started_at"),)

    user_id: Mapped[str] = mapped_column(ID)
    title: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistantMessage(Synced):
    """One line of a conversation as it was typed and answered (unredacted; redaction is for providers)."""

    __tablename__ = "assistant_message"
    __sync_name__ = "assistant_message"
    __private_fields__ = frozenset({"content", "tool_calls", "sources"})
    __table_args__ = (Index("ix_assistant_message_conversation", "tenant_id", "conversation_id", "sent_at"),)

    conversation_id: Mapped[str] = mapped_column(ID, ForeignKey("assistant_conversation.id"))
    user_id: Mapped[str] = mapped_column(ID)
    role: Mapped[str] = mapped_column(String(10))  # user | assistant
    content: Mapped[str] = mapped_column(Text)
    tool_calls: Mapped[list[Any]] = mapped_column(default=list)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- sync bookkeeping (local only) -------------------------------------------------------------


class OutboxOp(TenantScoped):
    """One change waiting to be pushed, written in the same transaction as the change itself."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_tenant_seq", "tenant_id", "seq", unique=True),
        Index("ix_outbox_row", "table_name", "row_id"),
    )

    seq: Mapped[int] = mapped_column(Integer)  # this tenant's local order of changes
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(10))  # upsert | delete
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    base_version: Mapped[int | None] = mapped_column(Integer)
    hlc: Mapped[str] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncCheckpoint(TenantScoped):
    __tablename__ = "sync_checkpoint"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    since: Mapped[int] = mapped_column(Integer, default=0)  # the server sequence number pulled up to
    epoch: Mapped[str | None] = mapped_column(String(36))  # the server's epoch; changes on a restore
    schema_version: Mapped[int] = mapped_column(Integer)
    last_pull_at: Mapped[datetime | None]
    last_push_at: Mapped[datetime | None]


class SyncConflict(TenantScoped):
    """A value that lost a same-field race, kept for a manager to review and resolve."""

    __tablename__ = "sync_conflict"

    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(ID)
    # field: both wrote one field; delete_vs_edit / edit_vs_delete: a delete met an edit;
    # rejected: the server refused the change (``reason`` says why).
    kind: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(60))
    local_value: Mapped[Any] = mapped_column(JSON)
    server_value: Mapped[Any] = mapped_column(JSON)
    winner: Mapped[str | None] = mapped_column(String(10))  # server | client
    reason: Mapped[str | None] = mapped_column(Text)
    server_conflict_id: Mapped[str | None] = mapped_column(ID)
    op_id: Mapped[str | None] = mapped_column(ID)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(ID)
    resolution: Mapped[str | None] = mapped_column(String(20))


# --- device tables (local only, not scoped to one tenant) ---------------------------------------


class LocalCredential(Base):
    """What lets a person who signed in online on this device unlock it offline for a while.

    ``verifier`` is a bcrypt hash of their password (never the password); ``last_online_at`` starts the
    grace period. Read before anyone is signed in, so it is not tenant-scoped.
    """

    __tablename__ = "local_credential"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID)
    tenant_id: Mapped[str] = mapped_column(ID)
    display_name: Mapped[str | None] = mapped_column(String(200))
    permissions: Mapped[list[Any]] = mapped_column(default=list)
    verifier: Mapped[str] = mapped_column(String(100))
    last_online_at: Mapped[datetime]


SYNCED_MODELS: dict[str, type[Synced]] = {
    m.__sync_name__: m
    for m in (
        Dealership,
        AppUser,
        Role,
        Customer,
        Vehicle,
        Lead,
        Deal,
        DealScenario,
        Activity,
        MlState,
        AuditEvent,
        AssistantConversation,
        AssistantMessage,
    )
}

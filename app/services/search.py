"""One search box for the whole app: customers, vehicles and deals, each hit typed so the UI can open it.

Each kind is searched only if the person may see it (and deals only their own without
``deals.view_all``); the store keeps every query inside the person's dealership.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.policy import Permission
from app.services.base import Service
from app.store.models import Customer, Deal, Vehicle

HitKind = Literal["customer", "vehicle", "deal"]
MIN_LENGTH = 2


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: HitKind
    id: str
    title: str
    detail: str


class SearchService(Service):
    def find(self, text: str, *, limit_per_kind: int = 8) -> list[SearchHit]:
        """Hits for ``text`` (at least two characters): customers, then vehicles, then deals."""
        if not 1 <= limit_per_kind <= 100:
            raise ValidationError("limit_per_kind", "must be between 1 and 100")
        needle = " ".join(text.split())
        if len(needle) < MIN_LENGTH:
            return []
        hits: list[SearchHit] = []
        with self.store.session(self.actor) as session:
            if self.principal.can(Permission.CUSTOMERS_VIEW):
                hits += _customers(session, needle, limit_per_kind)
            if self.principal.can(Permission.INVENTORY_VIEW):
                hits += _vehicles(session, needle, limit_per_kind)
            if self.principal.can(Permission.DEALS_VIEW):
                own = None if self.principal.can(Permission.DEALS_VIEW_ALL) else self.principal.user_id
                hits += _deals(session, needle, limit_per_kind, own)
        return hits


def _customers(session: Session, needle: str, limit: int) -> list[SearchHit]:
    pattern = f"%{needle}%"
    conditions = [
        (Customer.first_name + " " + Customer.last_name).ilike(pattern),
        (Customer.last_name + " " + Customer.first_name).ilike(pattern),
        Customer.email.ilike(pattern),
    ]
    digits = "".join(ch for ch in needle if ch.isdigit())
    # Phones are stored as 10 digits: "(512) 555-01" must match, "TX 78" must not match every phone.
    if len(digits) >= 4 and len(digits) * 2 >= len(needle.replace(" ", "")):
        conditions.append(Customer.phone.like(f"%{digits}%"))
    rows = session.scalars(
        select(Customer)
        .where(or_(*conditions))
        .order_by(Customer.last_name, Customer.first_name)
        .limit(limit)
    ).all()
    return [
        SearchHit("customer", c.id, c.full_name, " · ".join(p for p in (c.phone, c.email, c.city) if p))
        for c in rows
    ]


def _vehicles(session: Session, needle: str, limit: int) -> list[SearchHit]:
    pattern = f"%{needle.replace(' ', '')}%"
    rows = session.scalars(
        select(Vehicle)
        .where(Vehicle.stock_number.ilike(pattern) | Vehicle.vin.ilike(pattern))
        .order_by(Vehicle.stock_number)
        .limit(limit)
    ).all()
    hits = []
    for v in rows:
        name = " ".join(str(p) for p in (v.model_year, v.make, v.model, v.trim) if p)
        title = f"{v.stock_number} {name}".strip()
        hits.append(SearchHit("vehicle", v.id, title, f"VIN {v.vin} · {v.status}"))
    return hits


def _deals(session: Session, needle: str, limit: int, salesperson_id: str | None) -> list[SearchHit]:
    query = select(Deal, Customer).join(Customer, Customer.id == Deal.customer_id)
    query = query.where(Deal.deal_number.ilike(f"%{needle.replace(' ', '')}%"))
    if salesperson_id is not None:
        query = query.where(Deal.salesperson_id == salesperson_id)
    rows = session.execute(query.order_by(Deal.deal_number).limit(limit)).all()
    return [
        SearchHit("deal", deal.id, f"Deal {deal.deal_number}", f"{customer.full_name} · {deal.status}")
        for deal, customer in rows
    ]

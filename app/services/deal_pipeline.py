"""The deals pipeline as people read it: deals with their customer, vehicle and salesperson by name,
counts per status, and each deal's status history from the audit trail. Read-only; moves go through
``DealService``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select

from app.policy import Permission
from app.services.base import Service, get_or_404
from app.services.deal_states import DealStatus, parse_status
from app.store.models import AppUser, AuditEvent, Customer, Deal, Vehicle


@dataclass(frozen=True, slots=True)
class PipelineRow:
    deal: Deal
    customer_name: str
    vehicle_label: str
    salesperson: str


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    by: str
    before: str | None
    after: str
    reason: str | None


def vehicle_label(vehicle: Vehicle | None) -> str:
    if vehicle is None:
        return "—"
    parts = (vehicle.model_year, vehicle.make, vehicle.model)
    return f"{' '.join(str(p) for p in parts if p)} ({vehicle.stock_number})"


class DealPipeline(Service):
    def _visible(self) -> list[ColumnElement[bool]]:
        """Without deals.view_all a salesperson sees their own deals only."""
        if self.principal.can(Permission.DEALS_VIEW_ALL):
            return []
        return [Deal.salesperson_id == self.principal.user_id]

    def rows(self, *, status: str | None = None, text: str = "", limit: int = 1000) -> list[PipelineRow]:
        """Newest first; ``text`` matches deal number, customer name, stock number or VIN."""
        query = select(Deal).where(*self._visible())
        if status is not None:
            query = query.where(Deal.status == parse_status(status).value)
        query = query.order_by(Deal.created_at.desc()).limit(limit)
        needle = text.strip().lower()
        with self.unit_of_work(Permission.DEALS_VIEW) as session:
            deals = session.scalars(query).all()
            customers = {
                c.id: c
                for c in session.scalars(
                    select(Customer).where(Customer.id.in_({d.customer_id for d in deals}))
                )
            }
            vehicle_ids = {d.vehicle_id for d in deals if d.vehicle_id}
            vehicles = {v.id: v for v in session.scalars(select(Vehicle).where(Vehicle.id.in_(vehicle_ids)))}
            users = {u.id: u.display_name for u in session.scalars(select(AppUser))}
        result = []
        for deal in deals:
            customer = customers.get(deal.customer_id)
            vehicle = vehicles.get(deal.vehicle_id) if deal.vehicle_id else None
            row = PipelineRow(
                deal=deal,
                customer_name=customer.full_name if customer else "—",
                vehicle_label=vehicle_label(vehicle),
                salesperson=users.get(deal.salesperson_id or "", "—"),
            )
            haystack = " ".join(
                (deal.deal_number, row.customer_name, row.vehicle_label, vehicle.vin if vehicle else "")
            ).lower()
            if not needle or needle in haystack:
                result.append(row)
        return result

    def counts(self) -> dict[DealStatus, int]:
        """How many visible deals are in each status (every status present, zeros included)."""
        with self.unit_of_work(Permission.DEALS_VIEW) as session:
            statuses = session.scalars(select(Deal.status).where(*self._visible())).all()
        found = Counter(statuses)
        return {status: found.get(status.value, 0) for status in DealStatus}

    def history(self, deal_id: str) -> list[StatusChange]:
        """Status moves of one deal, oldest first, from the audit trail (who, when, why)."""
        with self.unit_of_work(Permission.DEALS_VIEW) as session:
            deal = get_or_404(session, Deal, deal_id)
            if deal.salesperson_id != self.principal.user_id:
                self.principal.require(Permission.DEALS_VIEW_ALL)
            events = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity == "deal", AuditEvent.entity_id == deal_id)
                .order_by(AuditEvent.at)
            ).all()
            users = {u.id: u.display_name for u in session.scalars(select(AppUser))}
        changes = []
        for event in events:
            after = event.after or {}
            if "status" not in after:
                continue
            before = (event.before or {}).get("status")
            changes.append(
                StatusChange(
                    at=event.at,
                    by=users.get(event.actor_id or "", "—"),
                    before=str(before) if before is not None else None,
                    after=str(after["status"]),
                    reason=after.get("status_reason"),
                )
            )
        return changes

"""Deals: created on the desk, worked as scenarios, and moved through the state machine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from app.errors import ValidationError
from app.policy import Permission
from app.services import fields
from app.services.base import Service, get_or_404
from app.services.deal_states import REASON_REQUIRED, DealStatus, parse_status, required_permission
from app.store.models import Customer, Deal, DealScenario, Vehicle
from app.store.types import utcnow

DEAL_TYPES = frozenset({"cash", "finance", "lease"})


class DealService(Service):
    def create(self, customer_id: str, *, vehicle_id: str | None = None, deal_type: str = "finance") -> Deal:
        fields.choice(deal_type, "deal_type", DEAL_TYPES)
        with self.unit_of_work(Permission.DEALS_EDIT) as session:
            if session.get(Customer, customer_id) is None:
                raise ValidationError("customer_id", "no such customer")
            if vehicle_id is not None:
                self._check_vehicle(session.get(Vehicle, vehicle_id))
            number = (session.scalar(select(func.count()).select_from(Deal)) or 0) + 1
            while session.scalar(select(Deal.id).where(Deal.deal_number == f"D{number:06d}")):
                number += 1
            deal = Deal(
                customer_id=customer_id,
                vehicle_id=vehicle_id,
                deal_type=deal_type,
                salesperson_id=self.principal.user_id,
                deal_number=f"D{number:06d}",
                status=DealStatus.DRAFT.value,
            )
            session.add(deal)
        return deal

    @staticmethod
    def _check_vehicle(vehicle: Vehicle | None) -> None:
        if vehicle is None:
            raise ValidationError("vehicle_id", "no such vehicle")
        if vehicle.status in ("sold", "wholesale"):
            raise ValidationError("vehicle_id", f"vehicle {vehicle.stock_number} is {vehicle.status}")

    def get(self, deal_id: str) -> Deal:
        with self.unit_of_work(Permission.DEALS_VIEW) as session:
            deal = get_or_404(session, Deal, deal_id)
            self._check_visible(deal)
        return deal

    def _check_visible(self, deal: Deal) -> None:
        if (
            not self.principal.can(Permission.DEALS_VIEW_ALL)
            and deal.salesperson_id != self.principal.user_id
        ):
            self.principal.require(Permission.DEALS_VIEW_ALL)

    def list(self, *, status: str | None = None, limit: int = 500) -> Sequence[Deal]:
        query = select(Deal)
        if status is not None:
            query = query.where(Deal.status == parse_status(status).value)
        if not self.principal.can(Permission.DEALS_VIEW_ALL):
            query = query.where(Deal.salesperson_id == self.principal.user_id)
        query = query.order_by(Deal.created_at.desc()).limit(limit)
        with self.unit_of_work(Permission.DEALS_VIEW) as session:
            return session.scalars(query).all()

    def update(self, deal_id: str, *, vehicle_id: str | None = None, deal_type: str | None = None) -> Deal:
        with self.unit_of_work(Permission.DEALS_EDIT) as session:
            deal = get_or_404(session, Deal, deal_id)
            self._check_visible(deal)
            if deal.status != DealStatus.DRAFT:
                raise ValidationError(
                    "status", f"only a draft deal can be changed; this one is {deal.status}"
                )
            if vehicle_id is not None:
                self._check_vehicle(session.get(Vehicle, vehicle_id))
                deal.vehicle_id = vehicle_id
            if deal_type is not None:
                deal.deal_type = fields.choice(deal_type, "deal_type", DEAL_TYPES)
        return deal

    def save_scenario(
        self,
        deal_id: str,
        *,
        name: str,
        deal_type: str,
        inputs: Mapping[str, Any],
        quote: Mapping[str, Any] | None,
        scenario_id: str | None = None,
        select_it: bool = True,
    ) -> DealScenario:
        """Store a desk scenario (the calc inputs and the quote they gave) on a draft deal."""
        clean_name = fields.required_text(name, "name", max_length=100)
        fields.choice(deal_type, "deal_type", DEAL_TYPES)
        payment = None
        if quote is not None:
            section = quote.get(deal_type) if deal_type in ("finance", "lease") else None
            if isinstance(section, Mapping) and section.get("monthly_payment") is not None:
                payment = fields.money(str(section["monthly_payment"]), "quote.monthly_payment")
        with self.unit_of_work(Permission.DEALS_EDIT) as session:
            deal = get_or_404(session, Deal, deal_id)
            self._check_visible(deal)
            if deal.status != DealStatus.DRAFT:
                raise ValidationError(
                    "status", f"scenarios can be saved on a draft deal only; this one is {deal.status}"
                )
            if scenario_id is None:
                scenario = DealScenario(deal_id=deal_id)
                session.add(scenario)
            else:
                scenario = get_or_404(session, DealScenario, scenario_id)
                if scenario.deal_id != deal_id:
                    raise ValidationError("scenario_id", "belongs to another deal")
            scenario.name = clean_name
            scenario.deal_type = deal_type
            scenario.inputs = dict(inputs)
            scenario.last_quote = dict(quote) if quote is not None else None
            scenario.monthly_payment = payment
            session.flush()
            if select_it:
                deal.selected_scenario_id = scenario.id
                deal.deal_type = deal_type
        return scenario

    def scenarios(self, deal_id: str) -> Sequence[DealScenario]:
        with self.unit_of_work(Permission.DEALS_VIEW) as session:
            self._check_visible(get_or_404(session, Deal, deal_id))
            return session.scalars(
                select(DealScenario).where(DealScenario.deal_id == deal_id).order_by(DealScenario.created_at)
            ).all()

    # --- the state machine -----------------------------------------------------------------------

    def submit(self, deal_id: str) -> Deal:
        return self._move(deal_id, DealStatus.SUBMITTED)

    def approve(self, deal_id: str) -> Deal:
        return self._move(deal_id, DealStatus.APPROVED)

    def return_to_draft(self, deal_id: str, reason: str) -> Deal:
        return self._move(deal_id, DealStatus.DRAFT, reason)

    def close(
        self, deal_id: str, *, front_gross: Decimal | None = None, back_gross: Decimal | None = None
    ) -> Deal:
        return self._move(deal_id, DealStatus.CLOSED, gross=(front_gross, back_gross))

    def mark_lost(self, deal_id: str, reason: str) -> Deal:
        return self._move(deal_id, DealStatus.LOST, reason)

    def _move(
        self,
        deal_id: str,
        target: DealStatus,
        reason: str | None = None,
        gross: tuple[Decimal | None, Decimal | None] = (None, None),
    ) -> Deal:
        with self.unit_of_work(Permission.DEALS_VIEW) as session:
            deal = get_or_404(session, Deal, deal_id)
            current = parse_status(deal.status)
            self.principal.require(required_permission(current, target))
            self._check_visible(deal)
            clean_reason = fields.text(
                reason, "reason", max_length=2000, required=(current, target) in REASON_REQUIRED
            )
            now = utcnow()
            if target == DealStatus.SUBMITTED:
                if deal.vehicle_id is None:
                    raise ValidationError("vehicle_id", "pick a vehicle before submitting")
                if deal.selected_scenario_id is None:
                    raise ValidationError("selected_scenario_id", "save a scenario before submitting")
                deal.submitted_at = now
            elif target == DealStatus.APPROVED:
                deal.approved_at = now
                deal.manager_id = self.principal.user_id
            elif target == DealStatus.CLOSED:
                vehicle = session.get(Vehicle, deal.vehicle_id) if deal.vehicle_id else None
                if vehicle is None:
                    raise ValidationError("vehicle_id", "a closed deal needs its vehicle")
                if vehicle.status == "sold":
                    raise ValidationError("vehicle_id", f"vehicle {vehicle.stock_number} is already sold")
                vehicle.status = "sold"
                deal.closed_at = now
                front, back = gross
                if front is not None:
                    deal.front_gross = front
                if back is not None:
                    deal.back_gross = back
            deal.status = target.value
            deal.status_reason = clean_reason
        return deal

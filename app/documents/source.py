"""Everything one deal's paperwork shows, read through the services (so their permission checks apply)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from app.errors import ValidationError
from app.policy import Principal
from app.services.customers import CustomerService
from app.services.deals import DealService
from app.services.inventory import InventoryService
from app.store.database import Actor, Store
from app.store.models import Customer, Deal, Dealership, DealScenario, Vehicle
from app.store.types import utcnow
from calc import CalcInputError, quote_deal


@dataclass(frozen=True, slots=True)
class DealerHeader:
    name: str
    address: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DealPapers:
    """A deal's paperwork inputs: who, what, and the quote that priced it (contract §1 output)."""

    dealer: DealerHeader
    deal_number: str
    deal_type: str
    customer: Customer
    vehicle: Vehicle | None
    scenario_name: str
    inputs: Mapping[str, Any]
    quote: Mapping[str, Any]
    notes: tuple[str, ...] = ()  # how the figures were obtained, where that is not simply "as saved"
    prepared_on: date = field(default_factory=lambda: utcnow().date())


def _address(*parts: str | None) -> tuple[str, ...]:
    return tuple(part for part in parts if part)


def _dealership(store: Store, principal: Principal) -> Dealership | None:
    with store.session(Actor(principal.tenant_id, principal.user_id, store.device_id)) as session:
        return session.scalars(select(Dealership)).first()


def _dealer(row: Dealership | None) -> DealerHeader:
    if row is None:
        return DealerHeader("Dealership")
    city_line = " ".join(_address(f"{row.city}," if row.city else None, row.state, row.zip))
    return DealerHeader(row.name or "Dealership", _address(row.address_line1, city_line))


def _with_lender_defaults(
    inputs: Mapping[str, Any], settings: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Finance inputs saved without terms get the dealership's configured lender defaults, and say so."""
    data = dict(inputs)
    if data.get("deal_type") != "finance" or "finance" in data:
        return data, ()
    apr, term = settings.get("default_apr"), settings.get("default_term_months")
    if apr is None or term is None:
        return data, ()
    data["finance"] = {"apr": str(apr), "term_months": int(term)}
    note = (
        f"No finance terms were saved with this scenario; the dealership's default APR "
        f"({apr}) and term ({term} months) were used."
    )
    return data, (note,)


def _selected_scenario(deals: DealService, deal: Deal) -> DealScenario:
    scenarios = deals.scenarios(deal.id)
    chosen = next((s for s in scenarios if s.id == deal.selected_scenario_id), None)
    if chosen is None and scenarios:
        chosen = scenarios[-1]
    if chosen is None:
        raise ValidationError("selected_scenario_id", "this deal has no saved scenario to print")
    return chosen


def _quote_for(scenario: DealScenario, settings: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The saved quote; a scenario saved without one is quoted now from its contract-shaped inputs."""
    if scenario.last_quote:
        return dict(scenario.last_quote), ()
    if "deal_type" not in scenario.inputs:
        raise ValidationError("last_quote", "quote this scenario on the desk before printing")
    data, notes = _with_lender_defaults(scenario.inputs, settings)
    try:
        return quote_deal(data), ("Quoted when printed: the scenario was saved without a quote.", *notes)
    except CalcInputError as exc:
        raise ValidationError(
            "last_quote", f"the scenario cannot be quoted ({exc}); work it on the desk first"
        ) from None


def load_deal_papers(store: Store, principal: Principal, deal_id: str) -> DealPapers:
    deals = DealService(store, principal)
    deal = deals.get(deal_id)
    scenario = _selected_scenario(deals, deal)
    customer = CustomerService(store, principal).get(deal.customer_id)
    vehicle = InventoryService(store, principal).get(deal.vehicle_id) if deal.vehicle_id else None
    dealership = _dealership(store, principal)
    quote, notes = _quote_for(scenario, dealership.settings if dealership else {})
    return DealPapers(
        dealer=_dealer(dealership),
        deal_number=deal.deal_number,
        deal_type=scenario.deal_type,
        customer=customer,
        vehicle=vehicle,
        scenario_name=scenario.name,
        inputs=dict(scenario.inputs),
        quote=quote,
        notes=notes,
    )

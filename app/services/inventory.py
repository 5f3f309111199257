"""Inventory: vehicles added by VIN (decoded offline), priced, aged, and moved through their statuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.errors import ConflictError, ValidationError
from app.policy import Permission
from app.services import fields
from app.services.base import Service, get_or_404, reject_unknown
from app.store.models import Vehicle
from app.vin import decode_vin, validate_vin

VEHICLE_STATUSES = frozenset({"in_stock", "on_hold", "in_transit", "sold", "wholesale"})
CONDITIONS = frozenset({"new", "used"})
EDITABLE = frozenset(
    {
        "stock_number",
        "model_year",
        "make",
        "model",
        "trim",
        "body",
        "fuel",
        "condition",
        "mileage",
        "color",
        "cost",
        "price",
        "msrp",
        "status",
        "received_on",
        "weight_lbs",
        "city_mpg",
    }
)
_MAX_PRICE = Decimal("5000000")


@dataclass(frozen=True, slots=True)
class InventoryFilter:
    text: str = ""
    status: str | None = "in_stock"
    condition: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_age_days: int | None = None
    body: str | None = None


def _clean(form: Mapping[str, Any]) -> dict[str, Any]:
    reject_unknown(form, EDITABLE | {"vin"})
    clean: dict[str, Any] = {}
    for key, limit in (("make", 60), ("model", 60), ("trim", 100), ("body", 60), ("fuel", 40), ("color", 40)):
        if key in form:
            clean[key] = fields.text(form[key], key, max_length=limit, required=False)
    if "stock_number" in form:
        clean["stock_number"] = fields.required_text(
            form["stock_number"], "stock_number", max_length=20
        ).upper()
    if "condition" in form:
        clean["condition"] = fields.choice(form["condition"], "condition", CONDITIONS)
    if "status" in form:
        clean["status"] = fields.choice(form["status"], "status", VEHICLE_STATUSES)
    if "model_year" in form:
        clean["model_year"] = fields.integer(
            form["model_year"], "model_year", minimum=1950, maximum=date.today().year + 2, required=False
        )
    if "mileage" in form:
        clean["mileage"] = fields.integer(
            form["mileage"], "mileage", minimum=0, maximum=2_000_000, required=False
        )
    if "weight_lbs" in form:
        clean["weight_lbs"] = fields.integer(
            form["weight_lbs"], "weight_lbs", minimum=500, maximum=30_000, required=False
        )
    if "city_mpg" in form:
        clean["city_mpg"] = fields.integer(
            form["city_mpg"], "city_mpg", minimum=1, maximum=250, required=False
        )
    if "price" in form:
        clean["price"] = fields.money(form["price"], "price", maximum=_MAX_PRICE)
    for key in ("cost", "msrp"):
        if key in form:
            clean[key] = fields.money(form[key], key, required=False, maximum=_MAX_PRICE)
    if "received_on" in form:
        clean["received_on"] = fields.a_date(form["received_on"], "received_on")
    return clean


class InventoryService(Service):
    def add_by_vin(
        self, vin: str, form: Mapping[str, Any], *, allow_bad_check_digit: bool = False
    ) -> Vehicle:
        """Add a vehicle: the VIN is validated and decoded offline; entered fields win over decoded ones."""
        # InvalidVinError is a ValidationError naming "vin", with a reason and a suggested fix.
        decoded = decode_vin(validate_vin(vin, allow_bad_check_digit=allow_bad_check_digit))
        for required in ("stock_number", "price", "condition"):
            if required not in form:
                raise ValidationError(required, "is required")
        clean = _clean(form)
        values: dict[str, Any] = {
            "vin": decoded.vin,
            "model_year": decoded.model_year,
            "make": decoded.make or decoded.manufacturer,
            "model": decoded.model,
            "trim": decoded.trim,
            "body": decoded.body,
            "fuel": decoded.fuel,
            "received_on": date.today(),
            "status": "in_stock",
        }
        values.update({key: value for key, value in clean.items() if value is not None})
        with self.unit_of_work(Permission.INVENTORY_EDIT) as session:
            if session.scalar(select(Vehicle.id).where(Vehicle.vin == decoded.vin)):
                raise ConflictError("vin", f"{decoded.vin} is already in inventory")
            if session.scalar(select(Vehicle.id).where(Vehicle.stock_number == values["stock_number"])):
                raise ConflictError("stock_number", f"{values['stock_number']} is already used")
            vehicle = Vehicle(**values)
            session.add(vehicle)
        return vehicle

    def update(self, vehicle_id: str, changes: Mapping[str, Any]) -> Vehicle:
        if "vin" in changes:
            raise ValidationError("vin", "cannot be changed; add the vehicle again with the right VIN")
        clean = _clean(changes)
        with self.unit_of_work(Permission.INVENTORY_EDIT) as session:
            vehicle = get_or_404(session, Vehicle, vehicle_id)
            if (
                "stock_number" in clean
                and clean["stock_number"] != vehicle.stock_number
                and session.scalar(select(Vehicle.id).where(Vehicle.stock_number == clean["stock_number"]))
            ):
                raise ConflictError("stock_number", f"{clean['stock_number']} is already used")
            for key, value in clean.items():
                setattr(vehicle, key, value)
        return vehicle

    def get(self, vehicle_id: str) -> Vehicle:
        with self.unit_of_work(Permission.INVENTORY_VIEW) as session:
            vehicle = get_or_404(session, Vehicle, vehicle_id)
        return self._redact(vehicle)

    def find(self, criteria: InventoryFilter = InventoryFilter(), *, limit: int = 1000) -> Sequence[Vehicle]:
        query = select(Vehicle)
        if criteria.status:
            query = query.where(Vehicle.status == fields.choice(criteria.status, "status", VEHICLE_STATUSES))
        if criteria.condition:
            query = query.where(
                Vehicle.condition == fields.choice(criteria.condition, "condition", CONDITIONS)
            )
        if criteria.body:
            query = query.where(Vehicle.body.ilike(f"%{criteria.body}%"))
        if criteria.min_age_days is not None:
            if criteria.min_age_days < 0:
                raise ValidationError("min_age_days", "must not be negative")
            cutoff = date.fromordinal(date.today().toordinal() - criteria.min_age_days)
            query = query.where(Vehicle.received_on <= cutoff)
        needle = criteria.text.strip()
        if needle:
            pattern = f"%{needle}%"
            query = query.where(
                Vehicle.vin.ilike(pattern)
                | Vehicle.stock_number.ilike(pattern)
                | Vehicle.make.ilike(pattern)
                | Vehicle.model.ilike(pattern)
            )
        query = query.order_by(Vehicle.received_on, Vehicle.stock_number)
        with self.unit_of_work(Permission.INVENTORY_VIEW) as session:
            vehicles: Sequence[Vehicle] = session.scalars(query).all()
        # Price bounds compare exact Decimals here: SQLite would compare the stored text. A lot holds a
        # few thousand vehicles at most, so filtering after the query costs little.
        if criteria.min_price is not None:
            vehicles = [v for v in vehicles if v.price >= criteria.min_price]
        if criteria.max_price is not None:
            vehicles = [v for v in vehicles if v.price <= criteria.max_price]
        return [self._redact(v) for v in vehicles[:limit]]

    def _redact(self, vehicle: Vehicle) -> Vehicle:
        """Without ``costs.view`` the caller gets a transient copy without the dealer's cost.

        A copy, not the loaded row: blanking the row itself would save the blank if it were ever merged.
        """
        if self.principal.can(Permission.COSTS_VIEW):
            return vehicle
        values = {column.key: getattr(vehicle, column.key) for column in Vehicle.__table__.columns}
        values["cost"] = None
        return Vehicle(**values)


def days_in_stock(vehicle: Vehicle, today: date | None = None) -> int | None:
    if vehicle.received_on is None:
        return None
    return ((today or date.today()) - vehicle.received_on).days

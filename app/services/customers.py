"""Customers: create, edit, search, delete — addresses normalised and tied to a tax jurisdiction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from app.address import normalize_address
from app.errors import ValidationError
from app.policy import Permission
from app.services import fields
from app.services.base import Service, get_or_404, reject_unknown
from app.store.models import Activity, Customer, Deal, Lead

CUSTOMER_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "phone",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "zip",
        "county",
        "credit_score",
        "annual_income",
        "source",
        "assigned_user_id",
        "notes",
    }
)
_ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "zip")


def _clean(form: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the given fields; the address is checked as a whole against what is already stored."""
    reject_unknown(form, CUSTOMER_FIELDS)
    clean: dict[str, Any] = {}
    if "first_name" in form:
        clean["first_name"] = fields.required_text(form["first_name"], "first_name", max_length=100)
    if "last_name" in form:
        clean["last_name"] = fields.required_text(form["last_name"], "last_name", max_length=100)
    if "email" in form:
        clean["email"] = fields.email(form["email"])
    if "phone" in form:
        clean["phone"] = fields.phone(form["phone"])
    if "credit_score" in form:
        clean["credit_score"] = fields.integer(
            form["credit_score"], "credit_score", minimum=300, maximum=850, required=False
        )
    if "annual_income" in form:
        clean["annual_income"] = fields.money(
            form["annual_income"], "annual_income", required=False, maximum=Decimal("100000000")
        )
    for key, limit in (("source", 50), ("notes", 4000), ("assigned_user_id", 36), ("county", 100)):
        if key in form:
            clean[key] = fields.text(form[key], key, max_length=limit, required=False)
    if any(key in form for key in _ADDRESS_FIELDS):
        merged = {key: form.get(key, current.get(key)) for key in _ADDRESS_FIELDS}
        if any(merged[key] for key in _ADDRESS_FIELDS):
            for key in ("address_line1", "city", "state", "zip"):
                fields.text(merged[key], key, max_length=200, required=True)
            # Raises AddressError, a ValidationError naming the address field that is wrong.
            address = normalize_address(
                str(merged["address_line1"]),
                str(merged["address_line2"]) if merged["address_line2"] else None,
                str(merged["city"]),
                str(merged["state"]),
                str(merged["zip"]),
            )
            clean.update(
                address_line1=address.line1,
                address_line2=address.line2,
                city=address.city,
                state=address.state,
                zip=address.zip5 + (f"-{address.zip4}" if address.zip4 else ""),
            )
            # The ZIP gives a default county; a county the user picked (ZIPs cross lines) is kept.
            if not (form.get("county") or current.get("county")):
                clean["county"] = address.county
        else:
            clean.update(dict.fromkeys(_ADDRESS_FIELDS))
    return clean


class CustomerService(Service):
    def create(self, form: Mapping[str, Any]) -> Customer:
        for required in ("first_name", "last_name"):
            if required not in form:
                raise ValidationError(required, "is required")
        clean = _clean(form, {})
        with self.unit_of_work(Permission.CUSTOMERS_EDIT) as session:
            customer = Customer(**clean)
            session.add(customer)
        return customer

    def update(self, customer_id: str, changes: Mapping[str, Any]) -> Customer:
        with self.unit_of_work(Permission.CUSTOMERS_EDIT) as session:
            customer = get_or_404(session, Customer, customer_id)
            current = {key: getattr(customer, key) for key in CUSTOMER_FIELDS}
            for key, value in _clean(changes, current).items():
                setattr(customer, key, value)
        return customer

    def get(self, customer_id: str) -> Customer:
        with self.unit_of_work(Permission.CUSTOMERS_VIEW) as session:
            return get_or_404(session, Customer, customer_id)

    def search(self, text: str = "", *, state: str | None = None, limit: int = 200) -> Sequence[Customer]:
        """Name, email, phone or ZIP contains ``text`` (case-insensitive); newest first."""
        if not 1 <= limit <= 5000:
            raise ValidationError("limit", "must be between 1 and 5000")
        query = select(Customer)
        needle = text.strip()
        if needle:
            pattern = f"%{needle}%"
            digits = "".join(ch for ch in needle if ch.isdigit())
            conditions = [
                Customer.first_name.ilike(pattern),
                Customer.last_name.ilike(pattern),
                (Customer.first_name + " " + Customer.last_name).ilike(pattern),
                Customer.email.ilike(pattern),
                Customer.zip.ilike(pattern),
            ]
            if len(digits) >= 3:
                conditions.append(Customer.phone.like(f"%{digits}%"))
            query = query.where(or_(*conditions))
        if state:
            query = query.where(Customer.state == fields.state_code(state))
        query = query.order_by(Customer.last_name, Customer.first_name).limit(limit)
        with self.unit_of_work(Permission.CUSTOMERS_VIEW) as session:
            return session.scalars(query).all()

    def delete(self, customer_id: str) -> None:
        with self.unit_of_work(Permission.CUSTOMERS_DELETE) as session:
            customer = get_or_404(session, Customer, customer_id)
            if session.scalar(select(Deal.id).where(Deal.customer_id == customer_id).limit(1)):
                raise ValidationError(
                    "customer", "has deals; mark the deals lost instead of deleting the customer"
                )
            # Leads and activities belong to the customer: they go with it (each delete is audited).
            for model in (Activity, Lead):
                for row in session.scalars(select(model).where(model.customer_id == customer_id)):
                    session.delete(row)
            session.flush()
            session.delete(customer)

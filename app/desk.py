"""The desk worksheet: what the salesperson types, turned into calc requests, quotes and a payment grid.

The form's fields are named by their path in the calc contract (``vehicle.price``,
``trade_ins[0].allowance``, ``finance.apr``...), so an error the engine raises names the very field
the UI shows it under. Values are kept as the text typed; the engine parses them exactly.
APR is typed as a percent (``6.99``) and handed to the engine as a fraction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from app.policy import Principal
from app.store.database import Actor, Store
from app.store.models import Dealership
from calc import CalcInputError, parse_quote_request, quote_deal
from calc.desking import PaymentGrid, Solution, SolveFor, payment_grid, solve_for
from calc.model import DealType

DEAL_TYPES: tuple[DealType, ...] = ("cash", "finance", "lease")
GRID_TERMS = (36, 48, 60, 72, 84)
# Whole-dollar down payments a desk typically shows; the typed down payment replaces the closest one.
GRID_DOWNS = (Decimal("0"), Decimal("1000"), Decimal("2500"), Decimal("5000"), Decimal("7500"))

# Every field the desk form has, with its default. Empty text means "not given".
FIELDS: dict[str, str] = {
    "customer.state": "",
    "customer.zip": "",
    "customer.county": "",
    "customer.city": "",
    "vehicle.price": "",
    "vehicle.condition": "used",
    "vehicle.model_year": "",
    "vehicle.weight_lbs": "",
    "vehicle.city_mpg": "",
    "trade_ins[0].allowance": "",
    "trade_ins[0].payoff": "",
    "rebates.manufacturer": "",
    "rebates.dealer": "",
    "cash_down": "0",
    "doc_fee": "",
    "products.service_contract": "",
    "products.gap": "",
    "finance.apr_percent": "6.99",
    "finance.term_months": "72",
    "lease.term_months": "36",
    "lease.money_factor": "0.00250",
    "lease.residual_percent": "0.58",
    "lease.acquisition_fee": "695",
}


def _given(text: str) -> bool:
    return bool(text and text.strip())


@dataclass(frozen=True, slots=True)
class DeskResult:
    quotes: dict[str, dict[str, Any]]  # deal type -> contract quote output
    errors: dict[str, str]  # form field -> message (the first error of each deal type)
    grid: PaymentGrid | None = None
    grid_error: str | None = None

    def payment(self, deal_type: str) -> str | None:
        quote = self.quotes.get(deal_type)
        if quote is None or deal_type == "cash":
            return None
        return str(quote[deal_type]["monthly_payment"])


@dataclass(slots=True)
class DeskWorksheet:
    """One deal on the desk; ``values`` holds the form's text by contract path."""

    dealer_state: str
    as_of: date | None = None
    values: dict[str, str] = field(default_factory=lambda: dict(FIELDS))

    def set(self, name: str, value: str) -> None:
        if name not in FIELDS:
            raise KeyError(name)
        self.values[name] = value

    def load(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            self.set(name, value)

    # --- contract requests -----------------------------------------------------------------------

    def request(self, deal_type: DealType) -> dict[str, Any]:
        v = self.values
        data: dict[str, Any] = {
            "deal_type": deal_type,
            "dealer_state": self.dealer_state,
            "customer": {
                k: v[f"customer.{k}"]
                for k in ("state", "zip", "county", "city")
                if _given(v[f"customer.{k}"])
            },
            "vehicle": {"price": v["vehicle.price"], "condition": v["vehicle.condition"]},
            "cash_down": v["cash_down"] or "0",
        }
        if self.as_of is not None:
            data["as_of"] = self.as_of.isoformat()
        for key in ("model_year", "weight_lbs", "city_mpg"):
            if _given(v[f"vehicle.{key}"]):
                data["vehicle"][key] = _whole(v[f"vehicle.{key}"], f"vehicle.{key}")
        if _given(v["trade_ins[0].allowance"]) or _given(v["trade_ins[0].payoff"]):
            trade: dict[str, str] = {"allowance": v["trade_ins[0].allowance"] or "0"}
            if _given(v["trade_ins[0].payoff"]):
                trade["payoff"] = v["trade_ins[0].payoff"]
            data["trade_ins"] = [trade]
        rebates = [
            {"amount": v[f"rebates.{source}"], "source": source}
            for source in ("manufacturer", "dealer")
            if _given(v[f"rebates.{source}"])
        ]
        if rebates:
            data["rebates"] = rebates
        if _given(v["doc_fee"]):
            data["doc_fee"] = v["doc_fee"]
        products = [
            {"kind": kind, "price": v[f"products.{kind}"]}
            for kind in ("service_contract", "gap")
            if _given(v[f"products.{kind}"])
        ]
        if products:
            data["products"] = products
        if deal_type == "finance":
            data["finance"] = {
                "apr": _percent_to_fraction(v["finance.apr_percent"], "finance.apr_percent"),
                "term_months": _whole(v["finance.term_months"], "finance.term_months"),
            }
        if deal_type == "lease":
            lease: dict[str, Any] = {
                "term_months": _whole(v["lease.term_months"], "lease.term_months"),
                "money_factor": v["lease.money_factor"],
                "residual_percent": v["lease.residual_percent"],
            }
            if _given(v["lease.acquisition_fee"]):
                lease["acquisition_fee"] = v["lease.acquisition_fee"]
            data["lease"] = lease
        return data

    # --- computing -------------------------------------------------------------------------------

    def compute(self, *, with_grid: bool = True) -> DeskResult:
        quotes: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for deal_type in DEAL_TYPES:
            try:
                quotes[deal_type] = quote_deal(self.request(deal_type))
            except CalcInputError as exc:
                errors.setdefault(_form_field(exc.field), exc.message)
        grid: PaymentGrid | None = None
        grid_error: str | None = None
        if with_grid and "finance" in quotes:
            try:
                grid = payment_grid(
                    parse_quote_request(self.request("finance")),
                    GRID_TERMS,
                    self._grid_downs(),
                    deal_types=("cash", "finance", "lease") if "lease" in quotes else ("cash", "finance"),
                    money_factors=None,
                )
            except CalcInputError as exc:
                grid_error = f"{exc.field}: {exc.message}"
        return DeskResult(quotes, errors, grid, grid_error)

    def _grid_downs(self) -> tuple[Decimal, ...]:
        try:
            typed = Decimal(self.values["cash_down"] or "0")
        except InvalidOperation:
            return GRID_DOWNS
        if typed in GRID_DOWNS or not typed.is_finite() or typed < 0:
            return GRID_DOWNS
        closest = min(GRID_DOWNS, key=lambda d: abs(d - typed))
        return tuple(sorted({*(d for d in GRID_DOWNS if d != closest), typed}))

    def solve(self, deal_type: DealType, target_payment: str, solve: SolveFor) -> Solution:
        """The price, down payment or term that meets a target payment (raises ``CalcInputError``)."""
        try:
            target = Decimal(target_payment.replace(",", "").replace("$", "").strip())
        except InvalidOperation:
            raise CalcInputError("target_payment", f"{target_payment!r} is not an amount") from None
        return solve_for(parse_quote_request(self.request(deal_type)), target, solve, terms=GRID_TERMS)


def _form_field(path: str) -> str:
    """The form field an engine error belongs to (the engine speaks of fractions, the form of percents)."""
    if path == "finance.apr":
        return "finance.apr_percent"
    if path.startswith("rebates["):
        return "rebates.manufacturer"
    if path.startswith("products["):
        return "products.service_contract"
    if path == "customer":
        return "customer.state"
    return path


def _whole(text: str, name: str) -> int | str:
    """Whole numbers go to the engine as ints; anything else as typed, so the engine names the field."""
    cleaned = text.strip()
    return int(cleaned) if cleaned.isdigit() else cleaned


def _percent_to_fraction(text: str, name: str) -> str:
    cleaned = text.strip().rstrip("%")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CalcInputError(name, f"{text!r} is not a percentage") from None
    if not value.is_finite():
        raise CalcInputError(name, "must be a finite percentage")
    return str(value / 100)


def worksheet_for(store: Store, principal: Principal) -> DeskWorksheet:
    """A blank worksheet for the signed-in dealership: its state, and its doc fee, APR and term defaults."""
    with store.session(Actor(principal.tenant_id, None, store.device_id), capture_changes=False) as session:
        dealership = session.get(Dealership, principal.tenant_id)
        state = dealership.state if dealership else None
        settings = dict(dealership.settings or {}) if dealership else {}
    # Until the dealership's address has synced, quote as a Texas store (the demo's state).
    sheet = DeskWorksheet(dealer_state=state or "TX")
    if settings.get("doc_fee") not in (None, ""):
        sheet.set("doc_fee", str(settings["doc_fee"]))
    try:
        if settings.get("default_apr") not in (None, ""):
            sheet.set("finance.apr_percent", f"{Decimal(str(settings['default_apr'])) * 100:.2f}")
    except InvalidOperation:
        pass  # a malformed setting leaves the built-in default; the settings screen names the bad value
    term = settings.get("default_term_months")
    if isinstance(term, int) and not isinstance(term, bool):
        sheet.set("finance.term_months", str(term))
    return sheet

"""The desk worksheet: what the salesperson types, turned into calc requests, quotes and a payment grid.

The form's fields are named by their path in the calc contract (``vehicle.price``,
``trade_ins[0].allowance``, ``finance.apr``...), so an error the engine raises names the very field
the UI shows it under. Values are kept as the text typed; the engine parses them exactly.
APR is typed as a percent (``6.99``) and handed to the engine as a fraction.

The dealership's overrides (Admin screen, :func:`app.services.settings.overrides`) that match the
customer's registration place go into the request itself: the most specific matching tax override as
``tax_override``, its fee overrides as ``fees`` entries (a title or registration fee typed on the desk
wins; state defaults still fill what neither gives). They are written into the request, not handed to
the engine as a fee template, because the payment grid, solve-for and a saved scenario (which keeps the
request) see only the request: so every figure agrees, and a saved scenario re-quotes as it was.
A stored override that cannot be used is left out with a warning on the quote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from app.policy import Principal
from app.services.settings import TAX_RATE_PREFIX, Overrides, fee_key, overrides, tax_key
from app.store.database import Actor, Store
from app.store.models import Dealership
from calc import CalcInputError, parse_quote_request, quote_deal
from calc.desking import PaymentGrid, Solution, SolveFor, payment_grid, solve_for
from calc.model import DealType
from calc.money import parse_money, parse_rate
from sync.client.admin_wire import FeeOverride, TaxOverride

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
    # From the picked vehicle: EV exemptions and rates, and fees worked out on MSRP, depend on them.
    "vehicle.msrp": "",
    "vehicle.fuel": "",
    # Typed on the desk where the state's registration fee depends on them (MO horsepower, OR MPG).
    "vehicle.taxable_horsepower": "",
    "vehicle.combined_mpg": "",
    "trade_ins[0].allowance": "",
    "trade_ins[0].payoff": "",
    "rebates.manufacturer": "",
    "rebates.dealer": "",
    "cash_down": "0",
    "doc_fee": "",
    "fees.title": "",
    "fees.registration": "",
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


# Desk fields for fees the salesperson may type over the dealership's and the state's defaults.
TYPED_FEES = ("title", "registration")
DEALERSHIP_SOURCE = "dealership settings (Admin screen)"
_MAX_OVERRIDE_RATE = Decimal("0.25")  # what the engine accepts in tax_override (calc.request_parsing)


@dataclass(frozen=True, slots=True)
class Applied:
    """What the dealership's settings add to a request for this customer, and what was said about it."""

    tax_override: dict[str, Any] | None = None
    fees: tuple[dict[str, str], ...] = ()
    notes: tuple[str, ...] = ()  # explanation steps shown before the engine's own
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeskResult:
    quotes: dict[str, dict[str, Any]]  # deal type -> contract quote output (with the desk's notes)
    errors: dict[str, str]  # form field -> message (the first error of each deal type)
    grid: PaymentGrid | None = None
    grid_error: str | None = None
    applied: Applied = field(default_factory=Applied)

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
    overrides: Overrides = field(default_factory=Overrides)

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
        for key in ("model_year", "weight_lbs", "city_mpg", "combined_mpg"):
            if _given(v[f"vehicle.{key}"]):
                data["vehicle"][key] = _whole(v[f"vehicle.{key}"], f"vehicle.{key}")
        for key in ("msrp", "fuel", "taxable_horsepower"):
            if _given(v[f"vehicle.{key}"]):
                data["vehicle"][key] = v[f"vehicle.{key}"].strip()
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
        applied = self.applied()
        fees = [{"code": code, "amount": v[f"fees.{code}"]} for code in self._typed_fee_codes()]
        fees.extend(applied.fees)
        if fees:
            data["fees"] = fees
        if applied.tax_override is not None:
            data["tax_override"] = applied.tax_override
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

    def _typed_fee_codes(self) -> list[str]:
        return [code for code in TYPED_FEES if _given(self.values[f"fees.{code}"])]

    def applied(self) -> Applied:
        """The dealership's overrides for the customer's registration place (none without a state)."""
        v = self.values
        state = v["customer.state"].strip().upper()
        if not state:
            return Applied(warnings=_problem_warnings(self.overrides.problems))
        notes: list[str] = []
        warnings = list(_problem_warnings(self.overrides.problems))
        as_of = (self.as_of or date.today()).isoformat()
        place = _Place(
            state, _county(v["customer.county"]), v["customer.city"].strip().upper(), v["customer.zip"]
        )
        tax = _tax_override(self.overrides.tax, place, as_of, notes, warnings)
        fees = _fee_entries(self.overrides.fees, state, self.values, notes, warnings)
        return Applied(tax, fees, tuple(notes), tuple(warnings))

    # --- computing -------------------------------------------------------------------------------

    def compute(self, *, with_grid: bool = True) -> DeskResult:
        quotes: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        applied = self.applied()
        for deal_type in DEAL_TYPES:
            try:
                quotes[deal_type] = _with_notes(quote_deal(self.request(deal_type)), applied)
            except CalcInputError as exc:
                errors.setdefault(self._form_field(exc.field), exc.message)
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
        return DeskResult(quotes, errors, grid, grid_error, applied)

    def _form_field(self, path: str) -> str:
        if path.startswith("fees["):
            # Typed fees come first in the request; the dealership's own were checked before sending.
            index = int(path[len("fees[") : path.index("]")])
            typed = self._typed_fee_codes()
            if index < len(typed):
                return f"fees.{typed[index]}"
        return _form_field(path)

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


@dataclass(frozen=True, slots=True)
class _Place:
    state: str
    county: str
    city: str
    zip: str


def _county(text: str) -> str:
    """A county as matched: upper case, without the trailing word (``TRAVIS COUNTY`` = ``Travis``)."""
    name = " ".join(text.upper().split())
    for word in (" COUNTY", " PARISH", " BOROUGH"):
        if name.endswith(word):
            return name[: -len(word)]
    return name


def _specificity(override: TaxOverride, place: _Place) -> int:
    """How closely an override names the place (0 = it does not apply there)."""
    if override.state.upper() != place.state:
        return 0
    if override.zip:
        return 4 if override.zip == place.zip[:5] else 0
    score = 1
    if override.county:
        if not place.county or _county(override.county) != place.county:
            return 0
        score = 2
    if override.city:
        if override.city.strip().upper() != place.city:
            return 0
        score = 3
    return score


def _tax_override(
    candidates: tuple[TaxOverride, ...], place: _Place, as_of: str, notes: list[str], warnings: list[str]
) -> dict[str, Any] | None:
    """The most specific override in force for the place, as the contract's ``tax_override``."""
    best: tuple[int, TaxOverride] | None = None
    for override in candidates:
        score = _specificity(override, place)
        in_force = not (override.effective_from and override.effective_from > as_of)
        if score and in_force and (best is None or score > best[0]):
            best = (score, override)
    if best is None:
        return None
    override = best[1]
    key = tax_key(override)
    named = key[len(TAX_RATE_PREFIX) :]
    rates = []
    for i, rate in enumerate(override.rates):
        try:
            parse_rate(rate.rate, key, maximum=_MAX_OVERRIDE_RATE)
        except CalcInputError as exc:
            warnings.append(
                f"Dealership tax override {key} rate {i + 1} ({rate.rate}) {exc.message}; it was not "
                "used and the published rates apply. Fix it on the Admin screen."
            )
            return None
        label = rate.name or f"{named} {rate.level} rate"
        rates.append({"level": rate.level, "rate": str(rate.rate), "name": f"{label} (dealership override)"})
    if not rates:
        warnings.append(f"Dealership tax override {key} has no rates; the published rates apply.")
        return None
    total = sum((r.rate for r in override.rates), Decimal(0))
    notes.append(
        f"Tax rate: the dealership's override {key} ({_percent(total)} in all) replaces the published "
        f"rates for a buyer registering in {named} [source: {DEALERSHIP_SOURCE}]"
    )
    return {"rates": rates}


def _fee_entries(
    candidates: tuple[FeeOverride, ...],
    state: str,
    values: Mapping[str, str],
    notes: list[str],
    warnings: list[str],
) -> tuple[dict[str, str], ...]:
    """The dealership's fees for a buyer registering in ``state`` (a state's own beats a general one)."""
    chosen: dict[tuple[str, str], FeeOverride] = {}
    for fee in candidates:
        if fee.state and fee.state.upper() != state:
            continue
        slot = (fee.code, fee.name or "")
        if slot not in chosen or (fee.state and not chosen[slot].state):
            chosen[slot] = fee
    entries: list[dict[str, str]] = []
    for fee in chosen.values():
        key = fee_key(fee)
        name = fee.name or fee.code
        try:
            amount = parse_money(str(fee.amount), key)
        except CalcInputError as exc:
            warnings.append(f"Dealership fee {key} ({fee.amount}) {exc.message}; it was not used.")
            continue
        typed = values.get(f"fees.{fee.code}", "") if fee.code in TYPED_FEES else ""
        if _given(typed):
            notes.append(
                f"The {name} fee typed on the desk (${typed.strip()}) is used instead of the dealership's "
                f"${amount} ({key}) [source: desk]"
            )
            continue
        entries.append({"code": fee.code, "amount": str(amount)})
        notes.append(f"Dealership {name} fee ${amount} ({key}) [source: {DEALERSHIP_SOURCE}]")
    return tuple(entries)


def _problem_warnings(problems: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        f"Dealership setting {problem}: it was not used (published rates and state fees apply there). "
        "Fix it on the Admin screen."
        for problem in problems
    )


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def _with_notes(quote: dict[str, Any], applied: Applied) -> dict[str, Any]:
    """The quote with the desk's notes on the dealership's settings before the engine's own steps."""
    if not applied.notes and not applied.warnings:
        return quote
    return {
        **quote,
        "explain": [*applied.notes, *quote.get("explain", [])],
        "warnings": [*quote.get("warnings", []), *applied.warnings],
    }


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
    """A blank worksheet for the signed-in dealership: its state, its doc fee, APR and term defaults, and
    its tax and fee overrides (applied per customer when a request is built)."""
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
    sheet.overrides = overrides(settings)
    return sheet

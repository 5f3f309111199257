"""Deal paperwork: the figures printed are the quote's figures, and what people typed is escaped."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from app.desk import DeskWorksheet
from app.documents import DocumentKind, build_document, documents_for, load_deal_papers
from app.documents import inputs as form_inputs
from app.documents.forms import payment_schedule, reg_m_total_of_payments
from app.errors import PermissionDeniedError, ValidationError
from app.policy import Principal
from app.services.deals import DealService
from app.store.database import Actor, Store
from app.store.models import Customer, Dealership, Vehicle
from calc import quote_deal

HOSTILE_NAME = ("<b>Zoë</b>", "O'Brien & <script>alert(1)</script>")


def _contract_input(deal_type: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "deal_type": deal_type,
        "vehicle": {"price": "31450.00", "msrp": "33900.00", "condition": "new"},
        "customer": {"state": "TX", "zip": "78704"},
        "dealer_state": "TX",
        "cash_down": "2500.00",
        "doc_fee": "150.00",
        "trade_ins": [{"allowance": "6000.00", "payoff": "4200.00"}],
        "rebates": [{"amount": "1000.00", "source": "manufacturer"}],
    }
    if deal_type == "finance":
        data["finance"] = {"apr": "0.0649", "term_months": 60}
    if deal_type == "lease":
        data["lease"] = {"term_months": 36, "money_factor": "0.00210", "residual_percent": "0.58"}
        data["trade_ins"] = []
    return data


def _deal(store: Store, seller: Principal, deal_type: str) -> tuple[str, dict[str, Any]]:
    with store.session(Actor(seller.tenant_id, None, "dev")) as session:
        session.add(
            Dealership(name="Lone Star <Motors>", address_line1="1 Main St", city="Austin", state="TX")
        )
        customer = Customer(first_name=HOSTILE_NAME[0], last_name=HOSTILE_NAME[1], city="Austin", state="TX")
        vehicle = Vehicle(
            vin="5YJ3E1EA7KF317000", stock_number="N200", condition="new", price=Decimal("31450.00"),
            model_year=2026, make="Tesla", model="Model 3",
        )  # fmt: skip
        session.add_all([customer, vehicle])
    data = _contract_input(deal_type)
    quote = quote_deal(data)
    deals = DealService(store, seller)
    deal = deals.create(customer.id, vehicle_id=vehicle.id, deal_type=deal_type)
    deals.save_scenario(deal.id, name="Desk 1", deal_type=deal_type, inputs=data, quote=quote)
    return deal.id, quote


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_finance_worksheet_discloses_the_quotes_truth_in_lending_figures(
    store: Store, salesperson: Principal
) -> None:
    deal_id, quote = _deal(store, salesperson, "finance")
    html = build_document(load_deal_papers(store, salesperson, deal_id), DocumentKind.FINANCE_WORKSHEET)
    text = _text(html)
    fin = quote["finance"]
    assert f"{fin['apr_percent']} %" in text
    for key in ("finance_charge", "amount_financed", "total_of_payments", "total_sale_price"):
        assert f"${Decimal(fin[key]):,.2f}" in text, key
    assert f"${Decimal(fin['monthly_payment']):,.2f}" in text
    tax = quote["taxes"]["components"][0]
    assert f"${Decimal(tax['amount']):,.2f}" in text
    assert "ANNUAL PERCENTAGE RATE" in text and "Lone Star <Motors>" in text


def test_payment_schedule_adds_up_to_the_total_of_payments(store: Store, salesperson: Principal) -> None:
    _, quote = _deal(store, salesperson, "finance")
    schedule = payment_schedule(quote["finance"])
    assert sum(count for count, _ in schedule) == quote["finance"]["term_months"]
    assert sum(count * amount for count, amount in schedule) == Decimal(quote["finance"]["total_of_payments"])


def test_lease_worksheet_itemises_the_amount_due_at_signing(store: Store, salesperson: Principal) -> None:
    deal_id, quote = _deal(store, salesperson, "lease")
    text = _text(build_document(load_deal_papers(store, salesperson, deal_id), "lease_worksheet"))
    lease = quote["lease"]
    for key in ("due_at_signing", "monthly_payment", "gross_cap_cost", "adjusted_cap_cost",
                "residual_value", "rent_charge", "depreciation"):  # fmt: skip
        assert f"${Decimal(lease[key]):,.2f}" in text, key
    for item in lease["due_at_signing_items"]:
        assert f"${Decimal(item['amount']):,.2f}" in text, item["label"]
    # Regulation M: due at signing plus the payments after the first, which signing already includes.
    term = lease["term_months"]
    expected = Decimal(lease["due_at_signing"]) + Decimal(lease["monthly_payment"]) * (term - 1)
    assert reg_m_total_of_payments(lease) == expected
    assert f"${expected:,.2f}" in text


def test_buyers_order_totals_the_cash_deal_as_quoted(store: Store, salesperson: Principal) -> None:
    deal_id, quote = _deal(store, salesperson, "cash")
    text = _text(build_document(load_deal_papers(store, salesperson, deal_id), "buyers_order"))
    assert f"${Decimal(quote['cash']['total_due']):,.2f}" in text
    assert "$31,450.00" in text and "-$6,000.00" in text and "$4,200.00" in text and "-$1,000.00" in text
    assert "VIN 5YJ3E1EA7KF317000" in text


def test_customer_names_are_escaped_not_interpreted(store: Store, salesperson: Principal) -> None:
    deal_id, _ = _deal(store, salesperson, "finance")
    papers = load_deal_papers(store, salesperson, deal_id)
    for kind in documents_for("finance"):
        html = build_document(papers, kind)
        assert "<script>" not in html and "<b>Zoë</b>" not in html
        assert "&lt;b&gt;Zoë&lt;/b&gt; O&#x27;Brien &amp; &lt;script&gt;" in html
        assert "Lone Star &lt;Motors&gt;" in html


def test_a_worksheet_for_the_wrong_deal_type_is_refused(store: Store, salesperson: Principal) -> None:
    deal_id, _ = _deal(store, salesperson, "cash")
    papers = load_deal_papers(store, salesperson, deal_id)
    with pytest.raises(ValidationError) as caught:
        build_document(papers, "finance_worksheet")
    assert caught.value.field == "kind"
    with pytest.raises(ValidationError):
        build_document(papers, "invoice")


def test_a_scenario_that_cannot_be_quoted_names_the_missing_quote(
    store: Store, salesperson: Principal
) -> None:
    deal_id, _ = _deal(store, salesperson, "finance")
    DealService(store, salesperson).save_scenario(
        deal_id, name="Rough", deal_type="finance", inputs={"cash_down": "100"}, quote=None
    )
    with pytest.raises(ValidationError) as caught:
        load_deal_papers(store, salesperson, deal_id)
    assert caught.value.field == "last_quote"


def test_only_people_who_may_see_the_deal_get_its_papers(
    store: Store, salesperson: Principal, make_person: Any
) -> None:
    deal_id, _ = _deal(store, salesperson, "finance")
    other_seller = make_person(salesperson.tenant_id, "salesperson")
    with pytest.raises(PermissionDeniedError):
        load_deal_papers(store, other_seller, deal_id)


def test_finance_terms_missing_from_a_scenario_come_from_the_dealers_defaults_and_say_so(
    store: Store, salesperson: Principal
) -> None:
    deal_id, _ = _deal(store, salesperson, "finance")
    with store.session(Actor(salesperson.tenant_id, None, "dev")) as session:
        dealer = session.scalars(select(Dealership)).one()
        dealer.settings = {"default_apr": "0.0799", "default_term_months": 48}
    bare = _contract_input("finance")
    del bare["finance"]
    DealService(store, salesperson).save_scenario(
        deal_id, name="Imported", deal_type="finance", inputs=bare, quote=None
    )
    papers = load_deal_papers(store, salesperson, deal_id)
    assert papers.quote["finance"]["apr_percent"] == "7.99"
    assert papers.quote["finance"]["term_months"] == 48
    text = _text(build_document(papers, DocumentKind.FINANCE_WORKSHEET))
    assert "default APR (0.0799) and term (48 months) were used" in text
    assert "7.99 %" in text


def test_a_scenario_saved_from_the_desk_form_prints_its_trade_and_rebates(
    store: Store, salesperson: Principal
) -> None:
    deal_id, _ = _deal(store, salesperson, "finance")
    desk = DeskWorksheet(dealer_state="TX")
    for name, text in {
        "vehicle.price": "27990",
        "customer.state": "TX",
        "customer.zip": "78704",
        "trade_ins[0].allowance": "5500",
        "trade_ins[0].payoff": "7250",
        "rebates.dealer": "750",
        "cash_down": "1000",
    }.items():
        desk.set(name, text)
    quote = desk.compute(with_grid=False).quotes["finance"]
    DealService(store, salesperson).save_scenario(
        deal_id, name="Desk 2", deal_type="finance", inputs=desk.request("finance"), quote=quote
    )
    papers = load_deal_papers(store, salesperson, deal_id)
    assert papers.scenario_name == "Desk 2" and papers.notes == ()
    text = _text(build_document(papers, DocumentKind.BUYERS_ORDER))
    assert "$27,990.00" in text and "-$5,500.00" in text and "$7,250.00" in text and "-$750.00" in text
    assert f"${Decimal(quote['finance']['amount_financed']):,.2f}" in text


def test_inputs_are_read_in_the_desk_forms_flat_shape_and_the_contracts_nested_shape() -> None:
    flat = {"vehicle.price": "20000", "trade_ins[0].allowance": "3000", "rebates.manufacturer": "500"}
    nested = {
        "vehicle": {"price": "20000"},
        "trade_ins": [{"allowance": "3000"}],
        "rebates": [{"amount": "500", "source": "manufacturer"}],
    }
    for shape in (flat, nested):
        assert form_inputs.amount(shape, "vehicle.price") == Decimal("20000")
        assert form_inputs.trade_allowance(shape) == Decimal("3000")
        assert form_inputs.trade_payoff(shape) == Decimal("0")
        assert form_inputs.rebates(shape) == Decimal("500")

"""The three documents, as HTML, from one deal's papers.

Every disclosed figure is the saved quote's own string (contract §1 output), so the paper says what the
desk showed; the few derived figures (the final payment of the schedule, Regulation M's total of
payments) are exact Decimal sums of quoted figures and say how they were derived.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from html import escape
from typing import Any

from app.documents import inputs as form
from app.documents.layout import dealer_header, money, page, parties, row, signatures, table, to_decimal
from app.documents.source import DealPapers
from app.errors import ValidationError


class DocumentKind(StrEnum):
    BUYERS_ORDER = "buyers_order"
    FINANCE_WORKSHEET = "finance_worksheet"
    LEASE_WORKSHEET = "lease_worksheet"

    @property
    def heading(self) -> str:
        return {
            DocumentKind.BUYERS_ORDER: "Buyer's Order",
            DocumentKind.FINANCE_WORKSHEET: "Finance Worksheet",
            DocumentKind.LEASE_WORKSHEET: "Lease Worksheet",
        }[self]


def documents_for(deal_type: str) -> list[DocumentKind]:
    """What can be printed for a deal of this type: the buyer's order, plus its worksheet."""
    kinds = [DocumentKind.BUYERS_ORDER]
    if deal_type == "finance":
        kinds.append(DocumentKind.FINANCE_WORKSHEET)
    elif deal_type == "lease":
        kinds.append(DocumentKind.LEASE_WORKSHEET)
    return kinds


def _section(quote: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = quote.get(name)
    if not isinstance(section, Mapping):
        raise ValidationError(f"quote.{name}", f"the saved quote has no {name} figures")
    return section


def _price(papers: DealPapers) -> Decimal:
    given = form.value(papers.inputs, "vehicle.price")
    if given not in (None, ""):
        return to_decimal(given)
    if papers.vehicle is not None:
        return papers.vehicle.price
    raise ValidationError("vehicle.price", "the scenario has no selling price")


def _tax_rows(quote: Mapping[str, Any]) -> list[str]:
    taxes = _section(quote, "taxes")
    rows = []
    for component in taxes.get("components") or []:
        timing = component.get("timing")
        suffix = " (in each payment)" if timing == "monthly" else ""
        rows.append(
            row(f"{component.get('name') or component.get('level')}{suffix}", money(component["amount"]))
        )
    if not rows:
        rows.append(row("Sales tax", money(taxes.get("total"))))
    return rows


def _fee_rows(papers: DealPapers) -> list[str]:
    rows = []
    doc_fee = form.amount(papers.inputs, "doc_fee")
    if doc_fee:
        rows.append(row("Documentary fee", money(doc_fee)))
    fees = papers.quote.get("fees")
    if isinstance(fees, Mapping):
        for item in fees.get("items") or []:
            rows.append(row(f"{str(item.get('code', 'other')).capitalize()} fee", money(item["amount"])))
    return rows


def _itemisation(papers: DealPapers) -> list[str]:
    """Price, credits, taxes, fees and products: the lines every document itemises."""
    q = papers.quote
    rows = [row("Cash price of vehicle", money(_price(papers)))]
    rebates = form.rebates(papers.inputs)
    if rebates:
        rows.append(row("Less rebates and discounts", money(-rebates)))
    allowance = form.trade_allowance(papers.inputs)
    payoff = form.trade_payoff(papers.inputs)
    if allowance or payoff:
        rows.append(row("Less trade-in allowance", money(-allowance)))
        rows.append(row("Plus payoff owed on trade-in", money(payoff)))
    rows.extend(_tax_rows(q))
    rows.extend(_fee_rows(papers))
    products = to_decimal(q.get("products_total"))
    if products:
        rows.append(row("Service contract, GAP and other products", money(products)))
    return rows


def buyers_order(papers: DealPapers) -> str:
    q = papers.quote
    deal_type = papers.deal_type
    rows = _itemisation(papers)
    if deal_type == "cash":
        rows.append(row("Total due", money(_section(q, "cash")["total_due"]), bold=True))
    elif deal_type == "finance":
        fin = _section(q, "finance")
        rows.append(row("Less cash down payment", money(-to_decimal(fin.get("down_payment")))))
        rows.append(row("Unpaid balance (amount financed)", money(fin["amount_financed"]), bold=True))
        rows.append(row(f"Monthly payment, {fin.get('term_months')} months", money(fin["monthly_payment"])))
    else:
        lease = _section(q, "lease")
        rows.append(row("Amount due at lease signing", money(lease["due_at_signing"]), bold=True))
        rows.append(
            row(f"Monthly payment, {lease.get('term_months')} months", money(lease["monthly_payment"]))
        )
    body = (
        dealer_header(papers, DocumentKind.BUYERS_ORDER.heading)
        + parties(papers)
        + f"<h2>Purchase ({escape(deal_type)})</h2>"
        + table(rows)
        + _notes(papers)
        + signatures("Buyer", "Co-buyer", "Dealer")
    )
    return page(f"{DocumentKind.BUYERS_ORDER.heading} {papers.deal_number}", body)


def _notes(papers: DealPapers) -> str:
    quote = papers.quote
    warnings = [*papers.notes, *(str(w) for w in quote.get("warnings") or [])]
    jurisdiction = quote.get("jurisdiction")
    lines = []
    if isinstance(jurisdiction, Mapping):
        place = ", ".join(
            str(p)
            for p in (jurisdiction.get("city"), jurisdiction.get("county"), jurisdiction.get("state"))
            if p
        )
        lines.append(f"Taxes for {place} (rules {jurisdiction.get('rules_version', '?')}).")
    lines.extend(warnings)
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<ul class="small">{items}</ul>' if items else ""


def _fed_cell(title: str, caption: str, figure: str) -> str:
    return (
        f'<td width="20%"><span class="fedtitle">{escape(title)}</span><br>'
        f'<span class="caption">{escape(caption)}</span>'
        f'<br><br><span class="big">{escape(figure)}</span></td>'
    )


def payment_schedule(finance: Mapping[str, Any]) -> list[tuple[int, Decimal]]:
    """(number of payments, amount) rows: level payments, then the final one where rounding moved it.

    The calc rounds the level payment to the cent and settles the difference in the last payment,
    so the last payment is the total of payments less the others.
    """
    count = int(finance["term_months"])
    payment = to_decimal(finance["monthly_payment"])
    total = to_decimal(finance["total_of_payments"])
    final = total - payment * (count - 1)
    if count <= 1:
        return [(1, total)]
    if final == payment:
        return [(count, payment)]
    return [(count - 1, payment), (1, final)]


def finance_worksheet(papers: DealPapers) -> str:
    fin = _section(papers.quote, "finance")
    down = money(fin.get("down_payment"))
    federal_box = (
        '<table class="fedbox" width="100%" cellspacing="0" cellpadding="6"><tr>'
        + _fed_cell("ANNUAL PERCENTAGE RATE", "The cost of your credit as a yearly rate.",
                    f"{fin['apr_percent']} %")
        + _fed_cell("FINANCE CHARGE", "The dollar amount the credit will cost you.",
                    money(fin["finance_charge"]))
        + _fed_cell("Amount Financed", "The amount of credit provided to you or on your behalf.",
                    money(fin["amount_financed"]))
        + _fed_cell("Total of Payments",
                    "The amount you will have paid after you have made all payments as scheduled.",
                    money(fin["total_of_payments"]))
        + _fed_cell("Total Sale Price",
                    f"The total cost of your purchase on credit, including your down payment of {down}.",
                    money(fin["total_sale_price"]))
        + "</tr></table>"
    )  # fmt: skip
    schedule_rows = []
    for index, (count, amount) in enumerate(payment_schedule(fin)):
        when = "Monthly, beginning one month after delivery" if index == 0 else "With the last month"
        schedule_rows.append(
            f'<tr><td class="num">{count}</td><td class="num">{escape(money(amount))}</td>'
            f"<td>{escape(when)}</td></tr>"
        )
    itemised = _itemisation(papers)
    itemised.append(row("Less cash down payment", money(-to_decimal(fin.get("down_payment")))))
    itemised.append(row("Amount financed", money(fin["amount_financed"]), bold=True))
    body = (
        dealer_header(papers, DocumentKind.FINANCE_WORKSHEET.heading)
        + parties(papers)
        + "<h2>Federal Truth-in-Lending Disclosures</h2>"
        + federal_box
        + "<h2>Your payment schedule will be</h2>"
        + table(schedule_rows, header=("Number of payments", "Amount of payments", "When payments are due"))
        + "<h2>Itemization of the Amount Financed</h2>"
        + table(itemised)
        + _notes(papers)
        + '<p class="small">Estimate for discussion; the retail installment contract governs. '
        "APR per Regulation Z (12 CFR 1026.18, Appendix J).</p>" + signatures("Buyer", "Co-buyer")
    )
    return page(f"{DocumentKind.FINANCE_WORKSHEET.heading} {papers.deal_number}", body)


def reg_m_total_of_payments(lease: Mapping[str, Any]) -> Decimal:
    """Regulation M's total: due at signing (less a refundable deposit) plus the remaining payments.

    The first monthly payment is already part of the amount due at signing, so it is not counted twice.
    """
    term = int(lease["term_months"])
    monthly = to_decimal(lease["monthly_payment"])
    items = lease.get("due_at_signing_items") or []
    deposit = sum(
        (to_decimal(i["amount"]) for i in items if "security deposit" in str(i.get("label", ""))),
        Decimal("0"),
    )
    first_included = any(str(i.get("label", "")) == "first monthly payment" for i in items)
    remaining = term - 1 if first_included else term
    return to_decimal(lease["due_at_signing"]) - deposit + monthly * remaining


def lease_worksheet(papers: DealPapers) -> str:
    lease = _section(papers.quote, "lease")
    term = lease.get("term_months")
    signing_rows = [
        row(str(item.get("label", "")).capitalize(), money(item["amount"]))
        for item in lease.get("due_at_signing_items") or []
    ]
    signing_rows.append(row("Total amount due at lease signing", money(lease["due_at_signing"]), bold=True))
    summary = [
        row("Amount due at lease signing", money(lease["due_at_signing"]), bold=True),
        row(f"Monthly payments: {term} payments of", money(lease["monthly_payment"]), bold=True),
        row("Other charges (disposition fee, excess wear and mileage)", "None quoted"),
        row("Total of payments (the amount you will have paid by the end of the lease)",
            money(reg_m_total_of_payments(lease)), bold=True),
    ]  # fmt: skip
    build_up = [
        row("Gross capitalized cost", money(lease["gross_cap_cost"])),
        row("Capitalized cost reduction", money(-to_decimal(lease["cap_cost_reduction"]))),
        row("Adjusted capitalized cost", money(lease["adjusted_cap_cost"]), bold=True),
        row("Residual value", money(lease["residual_value"])),
        row("Depreciation and any amortized amounts", money(lease["depreciation"])),
        row("Rent charge", money(lease["rent_charge"])),
        row("Total of base monthly payments",
            money(to_decimal(lease["depreciation"]) + to_decimal(lease["rent_charge"]))),
        row("Lease payments (months)", str(term)),
        row("Base monthly payment", money(lease["base_monthly_payment"])),
        row("Monthly sales/use tax", money(lease["monthly_tax"])),
        row("Total monthly payment", money(lease["monthly_payment"]), bold=True),
        row("Total of monthly payments", money(lease["total_of_payments"])),
        row("Money factor", str(lease.get("money_factor") or "")),
    ]  # fmt: skip
    body = (
        dealer_header(papers, DocumentKind.LEASE_WORKSHEET.heading)
        + parties(papers)
        + "<h2>Federal Consumer Leasing Act Disclosures</h2>"
        + table(summary)
        + "<h2>Itemization of amount due at lease signing</h2>"
        + table(signing_rows)
        + "<h2>Your monthly payment is determined as shown below</h2>"
        + table(build_up)
        + "<h2>Taxes and fees</h2>"
        + table(_tax_rows(papers.quote) + _fee_rows(papers))
        + _notes(papers)
        + '<p class="small">Estimate for discussion; the lease agreement governs '
        "(Regulation M, 12 CFR 1013.4).</p>" + signatures("Lessee", "Co-lessee")
    )
    return page(f"{DocumentKind.LEASE_WORKSHEET.heading} {papers.deal_number}", body)


_BUILDERS: dict[DocumentKind, Callable[[DealPapers], str]] = {
    DocumentKind.BUYERS_ORDER: buyers_order,
    DocumentKind.FINANCE_WORKSHEET: finance_worksheet,
    DocumentKind.LEASE_WORKSHEET: lease_worksheet,
}


def build_document(papers: DealPapers, kind: DocumentKind | str) -> str:
    """The document as HTML; a worksheet that does not fit the deal type is refused, naming ``kind``."""
    try:
        chosen = DocumentKind(kind)
    except ValueError:
        raise ValidationError("kind", f"unknown document {kind!r}") from None
    if chosen not in documents_for(papers.deal_type):
        raise ValidationError("kind", f"a {papers.deal_type} deal has no {chosen.heading.lower()}")
    return _BUILDERS[chosen](papers)

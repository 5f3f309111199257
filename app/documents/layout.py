"""HTML building blocks shared by the documents; every piece of data passes through ``escape``.

The markup is the subset Qt's rich-text engine lays out (tables, headings, inline styles), because
the same HTML is printed and written to PDF by ``QTextDocument``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from html import escape

from app.documents.source import DealPapers

STYLE = """
body { font-family: sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 16pt; margin: 0; }
h2 { font-size: 12pt; margin-top: 14px; margin-bottom: 4px; }
td, th { padding: 3px 6px; }
th { text-align: left; background: #e8e8e8; }
td.num { text-align: right; }
.fedbox td { border: 1px solid #111; vertical-align: top; }
.fedtitle { font-size: 9pt; font-weight: bold; }
.caption { font-size: 7pt; }
.big { font-size: 12pt; font-weight: bold; white-space: nowrap; }
.small { font-size: 8pt; color: #444; }
"""


def to_decimal(value: object) -> Decimal:
    """A contract money/rate string (or number) as Decimal; blanks count as zero."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def money(value: object) -> str:
    """``$1,234.50`` from a contract money string, kept to the cent the quote gave."""
    amount = to_decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def row(label: str, value: str, *, numeric: bool = True, bold: bool = False) -> str:
    cell = escape(value)
    if bold:
        cell = f"<b>{cell}</b>"
    css = ' class="num"' if numeric else ""
    return f"<tr><td>{escape(label)}</td><td{css}>{cell}</td></tr>"


def table(rows: Iterable[str], *, width: str = "100%", header: Sequence[str] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    head_row = f"<tr>{head}</tr>" if head else ""
    return f'<table width="{width}" cellspacing="0" cellpadding="3">{head_row}{"".join(rows)}</table>'


def dealer_header(papers: DealPapers, title: str) -> str:
    address = "<br>".join(escape(line) for line in papers.dealer.address)
    return (
        '<table width="100%" cellspacing="0"><tr>'
        f'<td><h1>{escape(papers.dealer.name)}</h1><span class="small">{address}</span></td>'
        f'<td class="num"><h1>{escape(title)}</h1>'
        f"Deal {escape(papers.deal_number)}<br>Date {papers.prepared_on.isoformat()}<br>"
        f"Scenario: {escape(papers.scenario_name)}</td>"
        "</tr></table><hr>"
    )


def parties(papers: DealPapers) -> str:
    c = papers.customer
    city_line = " ".join(part for part in (f"{c.city}," if c.city else None, c.state, c.zip) if part)
    buyer_lines = [c.full_name, c.address_line1, c.address_line2, city_line, c.phone, c.email]
    buyer = "<br>".join(escape(line) for line in buyer_lines if line)
    v = papers.vehicle
    if v is None:
        vehicle = "No vehicle selected"
    else:
        title = " ".join(str(part) for part in (v.model_year, v.make, v.model, v.trim) if part)
        miles = f"{v.mileage:,} miles" if v.mileage is not None else None
        vehicle_lines = [
            title,
            f"VIN {v.vin}",
            f"Stock {v.stock_number}",
            f"{v.condition.capitalize()}" + (f", {v.color}" if v.color else ""),
            miles,
        ]
        vehicle = "<br>".join(escape(line) for line in vehicle_lines if line)
    return (
        '<table width="100%" cellspacing="0"><tr>'
        f'<td width="50%"><h2>Buyer</h2>{buyer}</td>'
        f'<td width="50%"><h2>Vehicle</h2>{vehicle}</td>'
        "</tr></table>"
    )


def page(title: str, body: str) -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


def signatures(*who: str) -> str:
    cells = "".join(
        f'<td width="{100 // max(len(who), 1)}%"><br><br>______________________________<br>'
        f"{escape(name)}</td>"
        for name in who
    )
    return f'<table width="100%" cellspacing="0"><tr>{cells}</tr></table>'

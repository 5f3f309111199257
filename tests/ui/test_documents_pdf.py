"""Deal documents written to PDF by Qt's own writer, then read back as text where poppler is present."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.documents import DocumentKind, build_document, load_deal_papers
from app.runtime import AppContext
from app.services.deals import DealService
from app.store.database import Actor
from app.store.models import Customer, Vehicle
from calc import quote_deal
from ui.documents import export_pdf


def _finance_deal(ctx: AppContext) -> tuple[str, dict[str, object]]:
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test")) as session:
        customer = session.scalars(select(Customer).where(Customer.state == "TX")).first()
        vehicle = session.scalars(select(Vehicle).where(Vehicle.status == "in_stock")).first()
    assert customer is not None and vehicle is not None
    data = {
        "deal_type": "finance",
        "vehicle": {"price": str(vehicle.price), "condition": vehicle.condition},
        "customer": {"state": "TX", "zip": customer.zip},
        "dealer_state": "TX",
        "cash_down": "2000.00",
        "finance": {"apr": "0.0725", "term_months": 66},
    }
    quote = quote_deal(data)
    deals = DealService(ctx.store, ctx.principal)
    deal = deals.create(customer.id, vehicle_id=vehicle.id)
    deals.save_scenario(deal.id, name="Desk 1", deal_type="finance", inputs=data, quote=quote)
    return deal.id, quote


def test_finance_worksheet_is_written_as_a_real_pdf(
    qapp: QApplication, demo: AppContext, tmp_path: Path
) -> None:
    deal_id, quote = _finance_deal(demo)
    html = build_document(
        load_deal_papers(demo.store, demo.principal, deal_id), DocumentKind.FINANCE_WORKSHEET
    )
    written = export_pdf(html, tmp_path / "out" / "worksheet.pdf", title="Finance worksheet")
    data = written.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 5_000
    assert b"%%EOF" in data[-64:]
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text is not checked")
    extracted = subprocess.run(
        ["pdftotext", str(written), "-"], check=True, capture_output=True, text=True
    ).stdout
    text = " ".join(extracted.split())  # the box wraps its headings; compare words, not line breaks
    finance = quote["finance"]
    assert isinstance(finance, dict)
    assert "ANNUAL PERCENTAGE RATE" in text
    assert f"{finance['apr_percent']} %" in text
    assert f"${Decimal(finance['finance_charge']):,.2f}" in text


def test_every_document_of_a_lease_deal_exports(qapp: QApplication, demo: AppContext, tmp_path: Path) -> None:
    with demo.store.session(Actor(demo.principal.tenant_id, None, "test")) as session:
        customer = session.scalars(select(Customer)).first()
        vehicle = session.scalars(select(Vehicle).where(Vehicle.status == "in_stock")).first()
    assert customer is not None and vehicle is not None
    data = {
        "deal_type": "lease",
        "vehicle": {"price": str(vehicle.price), "condition": "new"},
        "customer": {"state": "TX", "zip": "78704"},
        "dealer_state": "TX",
        "lease": {"term_months": 36, "money_factor": "0.0021", "residual_percent": "0.55"},
    }
    deals = DealService(demo.store, demo.principal)
    deal = deals.create(customer.id, vehicle_id=vehicle.id, deal_type="lease")
    deals.save_scenario(deal.id, name="Lease", deal_type="lease", inputs=data, quote=quote_deal(data))
    papers = load_deal_papers(demo.store, demo.principal, deal.id)
    for kind in (DocumentKind.BUYERS_ORDER, DocumentKind.LEASE_WORKSHEET):
        path = export_pdf(build_document(papers, kind), tmp_path / f"{kind}.pdf")
        assert path.read_bytes().startswith(b"%PDF") and path.stat().st_size > 3_000

"""Deal paperwork: a buyer's order, a finance worksheet with the Truth-in-Lending box, a lease worksheet.

Each document is built as escaped HTML (no Qt here) from one deal, its customer, vehicle and the saved
quote of its selected scenario; ``ui.documents`` turns that HTML into a PDF or sends it to a printer.

- :func:`load_deal_papers` gathers what a document needs (permission-checked through the services).
- :func:`build_document` renders one :class:`DocumentKind` as HTML.
"""

from __future__ import annotations

from app.documents.forms import DocumentKind, build_document, documents_for
from app.documents.source import DealPapers, load_deal_papers

__all__ = ["DealPapers", "DocumentKind", "build_document", "documents_for", "load_deal_papers"]

"""Deals: the pipeline by status, a deal's detail and paperwork, the approvals queue, conflict review.

Every move goes through ``DealService`` (and ``ConflictService``), which decide who may do what; this
screen enables buttons by the same permissions so people are not offered what would be refused.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabBar,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.documents import DocumentKind, build_document, documents_for, load_deal_papers
from app.errors import AppError, ValidationError
from app.policy import Permission
from app.runtime import AppContext
from app.services.deal_pipeline import DealPipeline
from app.services.deal_states import DealStatus
from app.services.deals import DealService
from app.store.models import Deal
from ui.debounce import Debounce
from ui.documents import export_pdf, print_html
from ui.pages.conflict_review import ConflictReview
from ui.pages.deal_approvals import ApprovalsQueue
from ui.pages.deal_views import KeyedTable, deal_summary_html, move_with_reason
from ui.pages.desk import Field, named
from ui.pages.keyboard import chain, open_with_enter, search_leads_to

STATUS_ORDER: tuple[DealStatus | None, ...] = (None, *DealStatus)


class DealsWorkspace(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("page-deals")
        self.ctx = ctx
        self.deals = DealService(ctx.store, ctx.principal)
        self.pipeline = DealPipeline(ctx.store, ctx.principal)
        self.deal: Deal | None = None

        self.search = named(QLineEdit(), "deals-search")
        self.search.setPlaceholderText("Search deal number, customer, stock number or VIN")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search deals")
        self._debounce = Debounce(self, self.refresh)
        self.search.textChanged.connect(self._debounce.start)

        self.tabs = named(QTabWidget(), "deals-tabs")
        self.tabs.addTab(self._pipeline_tab(), "Pipeline")
        self.approvals: ApprovalsQueue | None = None
        if ctx.principal.can(Permission.DEALS_APPROVE):
            self.approvals = ApprovalsQueue(ctx)
            self.approvals.changed.connect(self.refresh)
            self.tabs.addTab(self.approvals, "Approvals")
        self.conflicts: ConflictReview | None = None
        if ctx.principal.can(Permission.SYNC_RESOLVE_CONFLICTS):
            self.conflicts = ConflictReview(ctx)
            self.conflicts.changed.connect(self.refresh)
            self.tabs.addTab(self.conflicts, "Conflicts")

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Deals</h2>"))
        layout.addWidget(self.search)
        layout.addWidget(self.tabs)
        # Keyboard: Down/Enter from the search into the shown tab's list; Enter on a deal moves to
        # what can be done with it (its detail on the pipeline, Approve in the queue).
        search_leads_to(self.search, self._shown_list, self._debounce.flush)
        open_with_enter(self.table, lambda _row: self.detail.setFocus(Qt.FocusReason.TabFocusReason))
        chain(
            self.search,
            self.tabs,
            self.status_tabs,
            self.table,
            self.detail,
            self.close_button,
            self.lost_reason.edit,
            self.lost_button,
            self.order_button,
            self.worksheet_button,
            self.print_button,
        )
        if self.approvals is not None:
            approvals = self.approvals
            open_with_enter(approvals.table, lambda _row: approvals.focus_actions())
        if self.conflicts is not None:
            keep = self.conflicts.keep_button
            keep.setAutoDefault(True)
            open_with_enter(self.conflicts.table, lambda _row: keep.setFocus(Qt.FocusReason.TabFocusReason))

    def _shown_list(self) -> QAbstractItemView:
        current = self.tabs.currentWidget()
        if self.approvals is not None and current is self.approvals:
            return self.approvals.table
        if self.conflicts is not None and current is self.conflicts:
            return self.conflicts.table
        return self.table

    # --- layout -----------------------------------------------------------------------------------

    def _pipeline_tab(self) -> QWidget:
        self.status_tabs = named(QTabBar(), "status-tabs")
        for status in STATUS_ORDER:
            index = self.status_tabs.addTab("All" if status is None else status.value.capitalize())
            self.status_tabs.setTabData(index, status.value if status else None)
        self.status_tabs.currentChanged.connect(lambda _index: self.refresh())
        self.table = KeyedTable(
            "pipeline-table", ("Deal", "Customer", "Vehicle", "Status", "Type", "Salesperson", "Created")
        )
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.detail = named(QTextBrowser(), "deal-detail")

        self.close_button = named(QPushButton("&Close deal"), "close-deal")
        self.close_button.clicked.connect(self.close_deal)
        self.lost_reason = Field("lost_reason")
        self.lost_reason.edit.setPlaceholderText("Why the deal was lost (required)")
        self.lost_button = named(QPushButton("Mark l&ost"), "mark-lost")
        self.lost_button.clicked.connect(self.mark_lost)
        self.lost_reason.edit.returnPressed.connect(self.mark_lost)  # Enter after typing the reason
        self.order_button = named(QPushButton("&Buyer's order PDF…"), "export-buyers-order")
        self.order_button.clicked.connect(lambda: self._export_clicked(DocumentKind.BUYERS_ORDER))
        self.worksheet_button = named(QPushButton("&Worksheet PDF…"), "export-worksheet")
        self.worksheet_button.clicked.connect(self._export_worksheet_clicked)
        self.print_button = named(QPushButton("&Print buyer's order…"), "print-buyers-order")
        self.print_button.clicked.connect(self._print_clicked)
        self.message = named(QLabel(), "deals-message")
        self.message.setWordWrap(True)

        moves = QHBoxLayout()
        moves.addWidget(self.close_button)
        moves.addWidget(self.lost_reason, 1)
        moves.addWidget(self.lost_button)
        papers = QHBoxLayout()
        papers.addWidget(self.order_button)
        papers.addWidget(self.worksheet_button)
        papers.addWidget(self.print_button)
        papers.addStretch(1)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.detail, 1)
        side_layout.addLayout(moves)
        side_layout.addLayout(papers)
        side_layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        tab = QWidget()
        tab_layout = QVBoxLayout(tab)
        tab_layout.addWidget(self.status_tabs)
        tab_layout.addWidget(split, 1)
        return tab

    # --- data -------------------------------------------------------------------------------------

    def current_status(self) -> str | None:
        data = self.status_tabs.tabData(self.status_tabs.currentIndex())
        return str(data) if data else None

    def refresh(self) -> None:
        text = self.search.text()
        counts = self.pipeline.counts()
        self.status_tabs.blockSignals(True)
        for index, status in enumerate(STATUS_ORDER):
            count = sum(counts.values()) if status is None else counts[status]
            label = "All" if status is None else status.value.capitalize()
            self.status_tabs.setTabText(index, f"{label} ({count})")
        self.status_tabs.blockSignals(False)
        rows = self.pipeline.rows(status=self.current_status(), text=text)
        self.table.set_rows(
            [
                (
                    row.deal.id,
                    (
                        row.deal.deal_number,
                        row.customer_name,
                        row.vehicle_label,
                        row.deal.status,
                        row.deal.deal_type,
                        row.salesperson,
                        f"{row.deal.created_at:%Y-%m-%d %H:%M}",
                    ),
                )
                for row in rows
            ]
        )
        self._show_selected()
        if self.approvals is not None:
            waiting = self.approvals.refresh(text)
            self.tabs.setTabText(self.tabs.indexOf(self.approvals), f"Approvals ({waiting})")
        if self.conflicts is not None:
            open_conflicts = self.conflicts.refresh()
            self.tabs.setTabText(self.tabs.indexOf(self.conflicts), f"Conflicts ({open_conflicts})")

    def _show_selected(self) -> None:
        deal_id = self.table.selected_id()
        self.deal = None
        if deal_id is not None:
            try:
                self.deal = self.deals.get(deal_id)
            except AppError as exc:
                self.message.setText(str(exc))
        if self.deal is None:
            self.detail.setHtml("<p>Pick a deal to see its customer, vehicle, scenarios and history.</p>")
        else:
            self.detail.setHtml(deal_summary_html(self.ctx, self.deal))
        self._enable()

    def _enable(self) -> None:
        deal = self.deal
        can = self.ctx.principal.can
        status = deal.status if deal else None
        self.close_button.setEnabled(status == DealStatus.APPROVED and can(Permission.DEALS_CLOSE))
        open_deal = status in (DealStatus.DRAFT, DealStatus.SUBMITTED, DealStatus.APPROVED)
        self.lost_button.setEnabled(open_deal and can(Permission.DEALS_EDIT))
        self.lost_reason.setEnabled(self.lost_button.isEnabled())
        kinds = documents_for(deal.deal_type) if deal else []
        self.order_button.setEnabled(deal is not None)
        self.print_button.setEnabled(deal is not None)
        worksheet = next((k for k in kinds if k != DocumentKind.BUYERS_ORDER), None)
        self.worksheet_button.setEnabled(worksheet is not None)
        self.worksheet_button.setText(f"{worksheet.heading} PDF…" if worksheet else "Worksheet PDF…")

    # --- moves ------------------------------------------------------------------------------------

    def close_deal(self) -> None:
        if self.deal is None:
            return
        try:
            deal = self.deals.close(self.deal.id)
        except AppError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"Deal {deal.deal_number} closed; vehicle marked sold")
        self.refresh()

    def mark_lost(self) -> None:
        if self.deal is None:
            return
        deal_id = self.deal.id
        deal = move_with_reason(
            lambda reason: self.deals.mark_lost(deal_id, reason), self.lost_reason, self.message
        )
        if deal is None:
            return
        self.message.setText(f"Deal {deal.deal_number} marked lost")
        self.refresh()

    # --- paperwork --------------------------------------------------------------------------------

    def document_html(self, kind: DocumentKind) -> str:
        if self.deal is None:
            raise ValidationError("deal", "pick a deal first")
        return build_document(load_deal_papers(self.ctx.store, self.ctx.principal, self.deal.id), kind)

    def export_document(self, kind: DocumentKind, path: str | Path) -> Path | None:
        """Write the selected deal's document as a PDF; on a refusal the message says why."""
        try:
            html = self.document_html(kind)
            written = export_pdf(
                html, path, title=f"{kind.heading} {self.deal.deal_number if self.deal else ''}"
            )
        except (AppError, OSError) as exc:
            self.message.setText(str(exc))
            return None
        self.message.setText(f"Saved {written}")
        return written

    def _default_path(self, kind: DocumentKind) -> str:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        number = self.deal.deal_number if self.deal else "deal"
        return str(Path(folder or Path.home()) / f"{number}-{kind.value}.pdf")

    def _export_clicked(self, kind: DocumentKind) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, f"Save {kind.heading}", self._default_path(kind), "PDF files (*.pdf)"
        )
        if path:
            self.export_document(kind, path)

    def _export_worksheet_clicked(self) -> None:
        if self.deal is None:
            return
        for kind in documents_for(self.deal.deal_type):
            if kind != DocumentKind.BUYERS_ORDER:
                self._export_clicked(kind)

    def _print_clicked(self) -> None:
        try:
            html = self.document_html(DocumentKind.BUYERS_ORDER)
        except AppError as exc:
            self.message.setText(str(exc))
            return
        if print_html(html, self, title=DocumentKind.BUYERS_ORDER.heading):
            self.message.setText("Sent to the printer")


def deals_page(ctx: AppContext) -> QWidget:
    return DealsWorkspace(ctx)

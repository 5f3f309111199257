"""The managers' approvals queue: submitted deals, approved or returned with a reason."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from app.errors import AppError
from app.runtime import AppContext
from app.services.deal_pipeline import DealPipeline
from app.services.deal_states import DealStatus
from app.services.deals import DealService
from ui.pages.deal_views import KeyedTable, deal_summary_html, move_with_reason
from ui.pages.desk import Field, named


class ApprovalsQueue(QWidget):
    changed = Signal()  # a deal left the queue (approved or returned)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("approvals-queue")
        self.ctx = ctx
        self.deals = DealService(ctx.store, ctx.principal)
        self.pipeline = DealPipeline(ctx.store, ctx.principal)
        self.table = KeyedTable(
            "approvals-table", ("Deal", "Customer", "Vehicle", "Type", "Salesperson", "Submitted")
        )
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.summary = named(QTextBrowser(), "approval-summary")
        self.approve_button = named(QPushButton("&Approve"), "approve-deal")
        self.approve_button.clicked.connect(self.approve)
        self.reason = Field("return_reason")
        self.reason.edit.setPlaceholderText("Why it goes back to the salesperson (required)")
        self.return_button = named(QPushButton("&Return to salesperson"), "return-deal")
        self.return_button.clicked.connect(self.send_back)
        self.reason.edit.returnPressed.connect(self.send_back)  # Enter after typing the reason sends it back
        for button in (self.approve_button, self.return_button):
            button.setAutoDefault(True)  # Enter presses the focused button, not only Space
        self.message = named(QLabel(), "approvals-message")
        actions = QHBoxLayout()
        actions.addWidget(self.approve_button)
        actions.addWidget(self.reason, 1)
        actions.addWidget(self.return_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.summary, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        self._enable()

    def focus_actions(self) -> None:
        """Enter on a deal: go to Approve (or, if it cannot be approved, to the reason to send it back)."""
        target = self.approve_button if self.approve_button.isEnabled() else self.reason.edit
        target.setFocus(Qt.FocusReason.TabFocusReason)

    def refresh(self, text: str = "") -> int:
        rows = self.pipeline.rows(status=DealStatus.SUBMITTED, text=text)
        self.table.set_rows(
            [
                (
                    row.deal.id,
                    (
                        row.deal.deal_number,
                        row.customer_name,
                        row.vehicle_label,
                        row.deal.deal_type,
                        row.salesperson,
                        f"{row.deal.submitted_at:%Y-%m-%d %H:%M}" if row.deal.submitted_at else "",
                    ),
                )
                for row in rows
            ]
        )
        self._show_selected()
        return len(rows)

    def _enable(self) -> None:
        chosen = self.table.selected_id() is not None
        self.approve_button.setEnabled(chosen)
        self.return_button.setEnabled(chosen)

    def _show_selected(self) -> None:
        self._enable()
        deal_id = self.table.selected_id()
        if deal_id is None:
            self.summary.setHtml("<p>Pick a submitted deal to review it.</p>")
            return
        try:
            self.summary.setHtml(deal_summary_html(self.ctx, self.deals.get(deal_id)))
        except AppError as exc:
            self.summary.setPlainText(str(exc))

    def approve(self) -> None:
        deal_id = self.table.selected_id()
        if deal_id is None:
            return
        try:
            deal = self.deals.approve(deal_id)
        except AppError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"Deal {deal.deal_number} approved")
        self.changed.emit()

    def send_back(self) -> None:
        deal_id = self.table.selected_id()
        if deal_id is None:
            return
        deal = move_with_reason(
            lambda reason: self.deals.return_to_draft(deal_id, reason), self.reason, self.message
        )
        if deal is None:
            return
        self.message.setText(f"Deal {deal.deal_number} returned to the salesperson")
        self.changed.emit()

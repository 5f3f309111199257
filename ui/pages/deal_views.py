"""Shared pieces of the deals screens: a read-only table of rows keyed by id, and a deal's summary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem

from app.errors import AppError, ValidationError
from app.runtime import AppContext
from app.services.customers import CustomerService
from app.services.deal_pipeline import DealPipeline, vehicle_label
from app.services.deals import DealService
from app.services.inventory import InventoryService
from app.store.models import Deal
from ui.pages.desk import Field, money

ID_ROLE = Qt.ItemDataRole.UserRole


class KeyedTable(QTableWidget):
    """Rows of text with the id of what each row shows; selection survives a reload."""

    def __init__(self, name: str, headers: Sequence[str]) -> None:
        super().__init__(0, len(headers))
        self.setObjectName(name)
        self.setHorizontalHeaderLabels(list(headers))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)  # arrows move between rows; Tab leaves the list
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def set_rows(self, rows: Sequence[tuple[str, Sequence[str]]]) -> None:
        keep = self.selected_id()
        self.blockSignals(True)
        self.setRowCount(len(rows))
        for index, (key, cells) in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, key)
                self.setItem(index, column, item)
        self.clearSelection()
        self.blockSignals(False)
        if keep is not None:
            self.select_id(keep)

    def _key(self, row: int) -> str | None:
        item = self.item(row, 0)
        return str(item.data(ID_ROLE)) if item is not None else None

    def ids(self) -> list[str]:
        return [key for row in range(self.rowCount()) if (key := self._key(row)) is not None]

    def selected_id(self) -> str | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not rows:
            return None
        return self._key(rows[0].row())

    def select_id(self, key: str) -> bool:
        for row in range(self.rowCount()):
            if self._key(row) == key:
                self.selectRow(row)
                return True
        return False


def deal_summary_html(ctx: AppContext, deal: Deal) -> str:
    """Customer, vehicle, scenarios and status history of one deal, as escaped rich text."""
    parts = [f"<h3>Deal {escape(deal.deal_number)} — {escape(deal.status)} ({escape(deal.deal_type)})</h3>"]
    try:
        customer = CustomerService(ctx.store, ctx.principal).get(deal.customer_id)
        contact = ", ".join(escape(x) for x in (customer.phone, customer.email) if x)
        credit = f"credit {customer.credit_score}" if customer.credit_score else "no credit score"
        parts.append(f"<p><b>Customer</b><br>{escape(customer.full_name)}<br>{contact}<br>{credit}</p>")
    except AppError as exc:
        parts.append(f"<p><b>Customer</b><br>{escape(str(exc))}</p>")
    if deal.vehicle_id:
        try:
            vehicle = InventoryService(ctx.store, ctx.principal).get(deal.vehicle_id)
            parts.append(
                f"<p><b>Vehicle</b><br>{escape(vehicle_label(vehicle))}<br>VIN {escape(vehicle.vin)}"
                f"<br>{escape(money(vehicle.price))} · {escape(vehicle.status)}</p>"
            )
        except AppError as exc:
            parts.append(f"<p><b>Vehicle</b><br>{escape(str(exc))}</p>")
    scenarios = DealService(ctx.store, ctx.principal).scenarios(deal.id)
    if scenarios:
        items = "".join(
            f"<li>{'★ ' if s.id == deal.selected_scenario_id else ''}{escape(s.name)} · {escape(s.deal_type)}"
            + (f" · {escape(money(s.monthly_payment))}/mo" if s.monthly_payment is not None else "")
            + "</li>"
            for s in scenarios
        )
        parts.append(f"<p><b>Scenarios</b></p><ul>{items}</ul>")
    history = DealPipeline(ctx.store, ctx.principal).history(deal.id)
    if history:
        rows = "".join(
            f"<tr><td>{change.at:%Y-%m-%d %H:%M}</td><td>{escape(change.by)}</td>"
            f"<td>{escape(change.before or 'new')} → {escape(change.after)}</td>"
            f"<td>{escape(change.reason or '')}</td></tr>"
            for change in history
        )
        parts.append(f"<p><b>Status history</b></p><table cellpadding='2'>{rows}</table>")
    else:
        stamps = [
            (label, when)
            for label, when in (
                ("created", deal.created_at),
                ("submitted", deal.submitted_at),
                ("approved", deal.approved_at),
                ("closed", deal.closed_at),
            )
            if when is not None
        ]
        lines = "<br>".join(f"{label} {when:%Y-%m-%d %H:%M}" for label, when in stamps)
        parts.append(f"<p><b>Status history</b><br>{lines}</p>")
    if deal.status_reason:
        parts.append(f"<p><b>Reason</b>: {escape(deal.status_reason)}</p>")
    return "".join(parts)


def move_with_reason(move: Callable[[str], Deal], reason: Field, message: QLabel) -> Deal | None:
    """Run a deal move that needs a reason (return to draft, lost): a missing reason shows under its field,
    any other refusal in ``message``; on success the reason field is cleared."""
    try:
        deal = move(reason.edit.text())
    except ValidationError as exc:
        if exc.field == "reason":
            reason.show_error(exc.message)
        else:
            message.setText(str(exc))
        return None
    except AppError as exc:
        message.setText(str(exc))
        return None
    reason.show_error(None)
    reason.edit.clear()
    return deal

"""Customers: a filterable list; the selected customer's profile to edit; their deals and activities.

The profile sends only the fields that were changed to ``CustomerService``; when it refuses one
(a ZIP that does not exist, a phone with nine digits), the message shows under that field and nothing
is saved.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError, ValidationError
from app.policy import Permission
from app.runtime import AppContext
from app.services.customer_history import CustomerHistoryService
from app.services.customers import CustomerService
from app.store.models import Activity, Customer, Deal
from ui.debounce import Debounce
from ui.pages.desk import Field, named
from ui.pages.keyboard import chain, open_with_enter, save_shortcut, search_leads_to
from ui.table_model import Column, RowsTableModel

# (field, label) in the order the profile shows them.
PROFILE: tuple[tuple[str, str], ...] = (
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("address_line1", "Address"),
    ("address_line2", "Apt / suite"),
    ("city", "City"),
    ("state", "State"),
    ("zip", "ZIP"),
    ("county", "County"),
    ("credit_score", "Credit score"),
    ("annual_income", "Annual income"),
)
# Address errors name the part of the address (``line1``); the profile names its fields.
_ADDRESS_FIELD = {"line1": "address_line1", "line2": "address_line2"}
ALL_STATES = "All states"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def table(model: RowsTableModel[Any], name: str) -> QTableView:
    view = named(QTableView(), name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)  # arrows move between rows; Tab leaves the list
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class CustomersPage(QWidget):
    saved = Signal(object)  # the Customer as stored

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("page-customers")
        self.service = CustomerService(ctx.store, ctx.principal)
        self.history_service = CustomerHistoryService(ctx.store, ctx.principal)
        self.can_edit = ctx.principal.can(Permission.CUSTOMERS_EDIT)
        self.current: Customer | None = None

        self.search = named(QLineEdit(), "customer-search")
        self.search.setPlaceholderText("Search name, phone, email or ZIP")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search customers")
        self.state_filter = named(QComboBox(), "customer-state-filter")
        self.state_filter.setAccessibleName("Filter by state")
        self.state_filter.addItem(ALL_STATES)
        self.model: RowsTableModel[Customer] = RowsTableModel(
            [
                Column("Name", lambda c: c.full_name),
                Column("Phone", lambda c: c.phone),
                Column("Email", lambda c: c.email),
                Column("City", lambda c: c.city),
                Column("State", lambda c: c.state),
                Column("Credit", lambda c: c.credit_score, numeric=True),
            ]
        )
        self.table = table(self.model, "customer-list")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.count = QLabel()

        self.fields: dict[str, Field] = {}
        form = QFormLayout()
        for name, label in PROFILE:
            field = Field(name)
            field.edit.setAccessibleName(label)
            field.edit.setReadOnly(not self.can_edit)
            field.edit.textEdited.connect(lambda _t, f=field: f.show_error(None))
            self.fields[name] = field
            form.addRow(label, field)
        self.save_button = named(QPushButton("&Save changes"), "customer-save")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.new_button = named(QPushButton("&New customer"), "customer-new")
        self.new_button.setVisible(self.can_edit)
        self.new_button.clicked.connect(self.start_new)
        self.message = named(QLabel(), "customer-message")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        profile = named(QGroupBox("Profile"), "customer-profile")
        profile_layout = QVBoxLayout(profile)
        profile_layout.addLayout(form)
        profile_layout.addLayout(buttons)
        profile_layout.addWidget(self.message)

        self.deals_model: RowsTableModel[Deal] = RowsTableModel(
            [
                Column("Deal", lambda d: d.deal_number),
                Column("Status", lambda d: d.status),
                Column("Type", lambda d: d.deal_type),
                Column("Front gross", lambda d: d.front_gross, numeric=True),
                Column("Created", lambda d: d.created_at.strftime("%Y-%m-%d")),
            ]
        )
        self.activities_model: RowsTableModel[Activity] = RowsTableModel(
            [
                Column("Kind", lambda a: a.kind),
                Column("Subject", lambda a: a.subject),
                Column("Due", lambda a: a.due_at.strftime("%Y-%m-%d %H:%M") if a.due_at else None),
                Column("Done", lambda a: a.done_at.strftime("%Y-%m-%d") if a.done_at else None),
            ]
        )
        self.history = named(QTabWidget(), "customer-history")
        self.history.addTab(table(self.deals_model, "customer-deals"), "Deals")
        self.history.addTab(table(self.activities_model, "customer-activities"), "Activities")
        self.hidden_deals = QLabel()

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.state_filter)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<h2>Customers</h2>"))
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table)
        left_layout.addWidget(self.count, alignment=Qt.AlignmentFlag.AlignRight)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(profile)
        right_layout.addWidget(self.history, 1)
        right_layout.addWidget(self.hidden_deals)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._debounce = Debounce(self, self.refresh)
        self.search.textChanged.connect(self._debounce.start)
        self.state_filter.currentIndexChanged.connect(self.refresh)
        self._set_profile_enabled(False)
        # Keyboard: search, Down/Enter into the list, Enter opens the profile, Ctrl+S saves it.
        search_leads_to(self.search, self.table, self._debounce.flush)
        open_with_enter(self.table, self._open_row)
        if self.can_edit:
            save_shortcut(self, self.save)
        chain(
            self.search,
            self.state_filter,
            self.table,
            *(f.edit for f in self.fields.values()),
            self.new_button,
            self.save_button,
            self.history,
        )

    def _open_row(self, row: int) -> None:
        customer = self.model.row(row)
        if self.current is None or customer.id != self.current.id:
            self.show_customer(customer)
        self.fields["first_name"].edit.setFocus(Qt.FocusReason.TabFocusReason)
        self.fields["first_name"].edit.selectAll()

    # --- list -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        state = self.state_filter.currentText()
        try:
            rows = self.service.search(self.search.text(), state=None if state == ALL_STATES else state)
        except AppError as error:
            self.count.setText(str(error))
            return
        if self.state_filter.count() == 1:
            self._fill_states()
        keep = self.current.id if self.current is not None else None
        self.model.set_rows(rows)
        self.count.setText(f"{len(rows)} shown")
        if keep is not None:
            self.select(keep)

    def open_record(self, customer_id: str) -> None:
        """Show one customer (a global search hit): the list narrowed to their name, their profile open."""
        customer = self.service.get(customer_id)
        self.current = customer
        self.search.blockSignals(True)  # one refresh below, not one per signal
        self.search.setText(customer.full_name)
        self.search.blockSignals(False)
        self.state_filter.blockSignals(True)
        self.state_filter.setCurrentIndex(0)
        self.state_filter.blockSignals(False)
        self._debounce.cancel()
        self.refresh()
        self.show_customer(customer)

    def _fill_states(self) -> None:
        states = sorted({c.state for c in self.service.search(limit=5000) if c.state})
        self.state_filter.blockSignals(True)  # filling the list is not the user choosing a state
        self.state_filter.addItems(states)
        self.state_filter.blockSignals(False)

    def select(self, customer_id: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row(row).id == customer_id:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes: list[QModelIndex] = selected.indexes()
        if indexes:
            customer = self.model.row(indexes[0].row())
            if self.current is None or customer.id != self.current.id:
                self.show_customer(customer)

    # --- profile --------------------------------------------------------------------------------

    def show_customer(self, customer: Customer) -> None:
        self.current = customer
        for name, field in self.fields.items():
            field.edit.setText(_text(getattr(customer, name)))
            field.show_error(None)
        self.message.setText("")
        self._set_profile_enabled(True)
        self._show_history(customer.id)

    def start_new(self) -> None:
        self.current = None
        self.table.clearSelection()
        for field in self.fields.values():
            field.edit.clear()
            field.show_error(None)
        self.deals_model.set_rows([])
        self.activities_model.set_rows([])
        self.hidden_deals.setText("")
        self.message.setText("New customer: fill in at least the first and last name.")
        self._set_profile_enabled(True)
        self.fields["first_name"].edit.setFocus()

    def _show_history(self, customer_id: str) -> None:
        history = self.history_service.history(customer_id)
        self.deals_model.set_rows(history.deals)
        self.activities_model.set_rows(history.activities)
        hidden = history.hidden_deals
        self.hidden_deals.setText(f"{hidden} more deal(s) belong to other salespeople." if hidden else "")

    def _set_profile_enabled(self, enabled: bool) -> None:
        for field in self.fields.values():
            field.edit.setEnabled(enabled)
        self.save_button.setEnabled(enabled and self.can_edit)

    def changes(self) -> dict[str, str]:
        """The fields whose text differs from what is stored (all filled ones for a new customer)."""
        if self.current is None:
            return {name: f.edit.text() for name, f in self.fields.items() if f.edit.text().strip()}
        return {
            name: field.edit.text()
            for name, field in self.fields.items()
            if field.edit.text().strip() != _text(getattr(self.current, name)).strip()
        }

    def save(self) -> None:
        for field in self.fields.values():
            field.show_error(None)
        changes = self.changes()
        if not changes:
            self.message.setText("Nothing changed.")
            return
        try:
            if self.current is None:
                customer = self.service.create(changes)
            else:
                customer = self.service.update(self.current.id, changes)
        except ValidationError as error:
            self._show_error(error.field, error.message)
            return
        except AppError as error:
            self.message.setText(f"Not saved: {error}")
            return
        self.show_customer(customer)
        self.message.setText("Saved.")
        self.refresh()
        self.saved.emit(customer)

    def _show_error(self, field_name: str, message: str) -> None:
        name = _ADDRESS_FIELD.get(field_name, field_name)
        field = self.fields.get(name)
        if field is None:
            self.message.setText(f"Not saved: {field_name}: {message}")
            return
        field.show_error(message)
        field.edit.setFocus()
        self.message.setText(f"Not saved: check {dict(PROFILE)[name].lower()}.")


def customers_page(ctx: AppContext) -> CustomersPage:
    return CustomersPage(ctx)

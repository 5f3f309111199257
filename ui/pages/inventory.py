"""Inventory: the lot filtered by status, new/used, age, price and body; vehicle detail; adding by VIN.

The add dialog decodes the VIN as it is typed (offline, ``app.vin``), so the salesperson sees
"2003 Honda Accord EX-V6" before saving, or what is wrong with the VIN and the likely fix.
The dealer's cost is shown only to people with ``costs.view`` (the service blanks it for others).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError, ConflictError, ValidationError
from app.policy import Permission
from app.runtime import AppContext
from app.services import fields
from app.services.inventory import (
    CONDITIONS,
    VEHICLE_STATUSES,
    InventoryFilter,
    InventoryService,
    days_in_stock,
)
from app.store.models import Vehicle
from app.vin import InvalidVinError, decode_vin, validate_vin
from ui.debounce import Debounce
from ui.pages.customers import table
from ui.pages.desk import Field, named
from ui.pages.keyboard import chain, open_with_enter, save_shortcut, search_leads_to
from ui.table_model import Column, RowsTableModel, display

VIN_LENGTH = 17


def _describe(vehicle: Vehicle) -> str:
    return " ".join(str(p) for p in (vehicle.model_year, vehicle.make, vehicle.model, vehicle.trim) if p)


class AddVehicleDialog(QDialog):
    """Add a vehicle by VIN: decoded as you type; entered fields win over decoded ones."""

    def __init__(self, service: InventoryService, show_cost: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("add-vehicle")
        self.setWindowTitle("Add vehicle by VIN")
        self.service = service
        self.vehicle: Vehicle | None = None
        self.fields: dict[str, Field] = {}
        form = QFormLayout()
        labels = [("vin", "VIN"), ("stock_number", "Stock number"), ("price", "Price")]
        labels += [("mileage", "Mileage"), ("color", "Color")]
        if show_cost:
            labels.append(("cost", "Cost"))
        for name, label in labels:
            field = Field(name)
            field.edit.setAccessibleName(label)
            field.edit.textEdited.connect(lambda _t, f=field: f.show_error(None))
            self.fields[name] = field
            form.addRow(label, field)
            if name == "vin":
                self.decoded = named(QLabel(f"0 of {VIN_LENGTH} characters"), "vin-decoded")
                self.decoded.setWordWrap(True)
                self.use_suggestion = named(QPushButton(), "vin-use-suggestion")
                self.use_suggestion.setVisible(False)
                self.use_suggestion.clicked.connect(self._apply_suggestion)
                self.accept_check_digit = named(
                    QCheckBox("The VIN is right as typed (pre-1981 or imported vehicle)"),
                    "vin-accept-check-digit",
                )
                self.accept_check_digit.setVisible(False)
                self.accept_check_digit.toggled.connect(
                    lambda _on: self._decode(self.fields["vin"].edit.text())
                )
                form.addRow("", self.decoded)
                form.addRow("", self.use_suggestion)
                form.addRow("", self.accept_check_digit)
            if name == "stock_number":
                self.condition = named(QComboBox(), "field:condition")
                self.condition.addItems(sorted(CONDITIONS))
                self.condition.setCurrentText("used")
                self.condition.setAccessibleName("New or used")
                form.addRow("New or used", self.condition)
        self.fields["vin"].edit.setMaxLength(20)
        self.fields["vin"].edit.textChanged.connect(self._decode)
        self.message = named(QLabel(), "add-vehicle-message")
        self.message.setWordWrap(True)
        self.save_button = named(QPushButton("&Add to inventory"), "add-vehicle-save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel")  # Escape does the same
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._suggestion: str | None = None

    def _decode(self, typed: str) -> None:
        self._suggestion = None
        self.use_suggestion.setVisible(False)
        text = typed.strip()
        wrong_check_digit = False
        try:
            vin = validate_vin(text, allow_bad_check_digit=self.accept_check_digit.isChecked())
        except InvalidVinError as error:
            if error.problem in ("empty", "length") and len(text) < VIN_LENGTH:
                # Still typing: say how far along, not that it is wrong.
                self._say(f"{len(text)} of {VIN_LENGTH} characters", problem=False)
                self.accept_check_digit.setVisible(False)
                return
            self._say(error.reason, problem=True)
            wrong_check_digit = error.problem == "check_digit"
            self.accept_check_digit.setVisible(wrong_check_digit)
            if error.suggestion:
                self._suggestion = error.suggestion
                self.use_suggestion.setText(f"Use {error.suggestion}")
                self.use_suggestion.setVisible(True)
            return
        self.accept_check_digit.setVisible(self.accept_check_digit.isChecked())
        decoded = decode_vin(vin)
        source = "NHTSA data" if decoded.source == "vpic" else "manufacturer code only; fill in the model"
        extra = ", ".join(p for p in (decoded.body, decoded.fuel, decoded.country) if p)
        self._say(
            f"{decoded.description or decoded.manufacturer or 'Unknown make'}"
            + (f" — {extra}" if extra else "")
            + f" ({source})",
            problem=False,
        )

    def _say(self, text: str, *, problem: bool) -> None:
        self.decoded.setText(text)
        self.decoded.setStyleSheet("color: #c62828;" if problem else "")

    def _apply_suggestion(self) -> None:
        if self._suggestion:
            self.fields["vin"].edit.setText(self._suggestion)
            self.fields["vin"].show_error(None)

    def form(self) -> dict[str, str]:
        values = {
            name: f.edit.text() for name, f in self.fields.items() if name != "vin" and f.edit.text().strip()
        }
        values["condition"] = self.condition.currentText()
        for required in ("stock_number", "price"):
            values.setdefault(required, "")
        return values

    def save(self) -> None:
        for field in self.fields.values():
            field.show_error(None)
        self.message.setText("")
        try:
            self.vehicle = self.service.add_by_vin(
                self.fields["vin"].edit.text(),
                self.form(),
                allow_bad_check_digit=self.accept_check_digit.isChecked(),
            )
        except (ValidationError, ConflictError) as error:
            wrong = self.fields.get(error.field)
            if wrong is None:
                self.message.setText(f"Not added: {error}")
            else:
                wrong.show_error(error.message)
                wrong.edit.setFocus()
                self.message.setText("Not added: see the highlighted field.")
            return
        except AppError as error:
            self.message.setText(f"Not added: {error}")
            return
        self.accept()


class VehicleEditor(QWidget):
    """Price, status, mileage and color (and cost, for those who see it) of the vehicle shown."""

    saved = Signal(object)  # Vehicle

    def __init__(self, service: InventoryService, show_cost: bool) -> None:
        super().__init__()
        self.setObjectName("vehicle-editor")
        self.service = service
        self.vehicle: Vehicle | None = None
        self.status = named(QComboBox(), "edit:status")
        self.status.setAccessibleName("Status")
        self.status.addItems(sorted(VEHICLE_STATUSES))
        self.fields: dict[str, Field] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Status", self.status)
        names = [("price", "Price"), ("mileage", "Mileage"), ("color", "Color")]
        if show_cost:
            names.append(("cost", "Cost"))
        for name, label in names:
            field = Field(name)
            field.edit.setAccessibleName(label)
            field.edit.textEdited.connect(lambda _t, f=field: f.show_error(None))
            self.fields[name] = field
            form.addRow(label, field)
        self.save_button = named(QPushButton("Save &vehicle"), "vehicle-save")
        self.save_button.clicked.connect(self.save)
        self.message = named(QLabel(), "vehicle-message")
        self.message.setWordWrap(True)
        form.addRow("", self.save_button)
        form.addRow("", self.message)
        self.setEnabled(False)

    def show_vehicle(self, vehicle: Vehicle) -> None:
        self.vehicle = vehicle
        self.status.setCurrentText(vehicle.status)
        for name, field in self.fields.items():
            value = getattr(vehicle, name)
            field.edit.setText("" if value is None else str(value))
            field.show_error(None)
        self.message.setText("")
        self.setEnabled(True)

    def changes(self) -> dict[str, str]:
        assert self.vehicle is not None
        changed = {
            name: field.edit.text()
            for name, field in self.fields.items()
            if field.edit.text().strip() != ("" if (v := getattr(self.vehicle, name)) is None else str(v))
        }
        if self.status.currentText() != self.vehicle.status:
            changed["status"] = self.status.currentText()
        return changed

    def save(self) -> None:
        if self.vehicle is None:
            return
        for field in self.fields.values():
            field.show_error(None)
        changes = self.changes()
        if not changes:
            self.message.setText("Nothing changed.")
            return
        try:
            vehicle = self.service.update(self.vehicle.id, changes)
        except (ValidationError, ConflictError) as error:
            wrong = self.fields.get(error.field)
            if wrong is None:
                self.message.setText(f"Not saved: {error}")
            else:
                wrong.show_error(error.message)
                wrong.edit.setFocus()
                self.message.setText("Not saved: see the highlighted field.")
            return
        except AppError as error:
            self.message.setText(f"Not saved: {error}")
            return
        self.message.setText("Saved.")
        self.saved.emit(vehicle)


class InventoryPage(QWidget):
    vehicle_added = Signal(object)  # Vehicle

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("page-inventory")
        self.service = InventoryService(ctx.store, ctx.principal)
        self.show_cost = ctx.principal.can(Permission.COSTS_VIEW)
        self.current: Vehicle | None = None
        self.add_dialog: AddVehicleDialog | None = None

        self.search = named(QLineEdit(), "inventory-search")
        self.search.setPlaceholderText("Search stock number, VIN, make or model")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search inventory")
        # Each filter's first entry (data None) means "do not filter on this".
        self.status = named(QComboBox(), "inventory-status")
        self.status.addItem("All statuses", None)
        for status in sorted(VEHICLE_STATUSES):
            self.status.addItem(status, status)
        self.status.setCurrentText("in_stock")
        self.condition = named(QComboBox(), "inventory-condition")
        self.condition.addItem("New and used", None)
        for condition in sorted(CONDITIONS):
            self.condition.addItem(condition, condition)
        self.body = named(QComboBox(), "inventory-body")
        self.body.addItem("All bodies", None)
        self.min_age = named(QSpinBox(), "inventory-min-age")
        self.min_age.setRange(0, 3650)
        self.min_age.setSuffix(" days+")
        self.min_age.setAccessibleName("Minimum days in stock")
        self.min_price = Field("min_price")
        self.min_price.edit.setPlaceholderText("Min price")
        self.max_price = Field("max_price")
        self.max_price.edit.setPlaceholderText("Max price")
        for combo, label in ((self.status, "Status"), (self.condition, "New or used"), (self.body, "Body")):
            combo.setAccessibleName(label)
            combo.currentIndexChanged.connect(self.refresh)
        self.add_button = named(QPushButton("&Add vehicle…"), "inventory-add")
        self.add_button.setVisible(ctx.principal.can(Permission.INVENTORY_EDIT))
        self.add_button.clicked.connect(self.open_add_dialog)

        columns: list[Column[Vehicle]] = [
            Column("Stock", lambda v: v.stock_number),
            Column("Year", lambda v: v.model_year, numeric=True),
            Column("Make", lambda v: v.make),
            Column("Model", lambda v: v.model),
            Column("Body", lambda v: v.body),
            Column("Cond.", lambda v: v.condition),
            Column("Miles", lambda v: f"{v.mileage:,}" if v.mileage is not None else None, numeric=True),
            Column("Price", lambda v: v.price, numeric=True),
        ]
        if self.show_cost:
            columns.append(Column("Cost", lambda v: v.cost, numeric=True))
        columns += [
            Column("Days", lambda v: days_in_stock(v), numeric=True),
            Column("Status", lambda v: v.status),
        ]
        self.model: RowsTableModel[Vehicle] = RowsTableModel(columns)
        self.table = table(self.model, "inventory-list")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.count = QLabel()
        self.detail = named(QLabel("Select a vehicle to see its details."), "vehicle-detail")
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        for widget in (self.status, self.condition, self.body, self.min_age, self.min_price, self.max_price):
            filters.addWidget(widget, alignment=Qt.AlignmentFlag.AlignTop)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<h2>Inventory</h2>"))
        heading.addStretch(1)
        heading.addWidget(self.add_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table)
        left_layout.addWidget(self.count, alignment=Qt.AlignmentFlag.AlignRight)
        self.editor: VehicleEditor | None = None
        detail_box = named(QGroupBox("Vehicle"), "vehicle-detail-box")
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.addWidget(self.detail)
        if ctx.principal.can(Permission.INVENTORY_EDIT):
            self.editor = VehicleEditor(self.service, self.show_cost)
            self.editor.saved.connect(self._edited)
            detail_layout.addWidget(self.editor)
        detail_layout.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(detail_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self._debounce = Debounce(self, self.refresh)
        for edit in (self.search, self.min_price.edit, self.max_price.edit):
            edit.textChanged.connect(self._debounce.start)
        self.min_age.valueChanged.connect(self._debounce.start)
        # Keyboard: Down/Enter from the search into the list, Enter opens the vehicle's editor.
        search_leads_to(self.search, self.table, self._debounce.flush)
        open_with_enter(self.table, self._open_row)
        order: list[QWidget] = [self.search, self.status, self.condition, self.body, self.min_age]
        order += [self.min_price.edit, self.max_price.edit, self.table]
        if self.editor is not None:
            save_shortcut(self, self.editor.save)
            order += [
                self.editor.status,
                *(f.edit for f in self.editor.fields.values()),
                self.editor.save_button,
            ]
        chain(*order, self.add_button)

    def _open_row(self, row: int) -> None:
        self.show_vehicle(self.model.row(row))
        if self.editor is not None:
            self.editor.fields["price"].edit.setFocus(Qt.FocusReason.TabFocusReason)
            self.editor.fields["price"].edit.selectAll()

    def criteria(self) -> InventoryFilter | None:
        """The filter as set, or None after showing which price box holds something that is not an amount."""
        prices: dict[str, Decimal | None] = {}
        for field in (self.min_price, self.max_price):
            field.show_error(None)
            try:
                prices[field.name] = fields.money(field.edit.text(), field.name, required=False)
            except ValidationError as error:
                field.show_error(error.message)
                return None
        low, high = prices["min_price"], prices["max_price"]
        if low is not None and high is not None and low > high:
            self.max_price.show_error("must not be below the min price")
            return None
        return InventoryFilter(
            text=self.search.text(),
            status=self.status.currentData(),
            condition=self.condition.currentData(),
            body=self.body.currentData(),
            min_age_days=self.min_age.value() or None,
            min_price=low,
            max_price=high,
        )

    def refresh(self) -> None:
        criteria = self.criteria()
        if criteria is None:
            return
        try:
            rows = self.service.find(criteria)
        except AppError as error:
            self.count.setText(str(error))
            return
        if self.body.count() == 1:
            self._fill_bodies()
        keep = self.current.id if self.current is not None else None
        self.model.set_rows(rows)
        self.count.setText(f"{len(rows)} shown")
        if keep is None or not self.select(keep):
            self.current = None
            self.detail.setText("Select a vehicle to see its details.")
            if self.editor is not None:
                self.editor.setEnabled(False)

    def _fill_bodies(self) -> None:
        bodies = sorted(
            {v.body for v in self.service.find(InventoryFilter(status=None), limit=100_000) if v.body}
        )
        self.body.blockSignals(True)  # filling the list is not the user choosing a body
        for body in bodies:
            self.body.addItem(body, body)
        self.body.blockSignals(False)

    def select(self, vehicle_id: str) -> bool:
        for row in range(self.model.rowCount()):
            if self.model.row(row).id == vehicle_id:
                self.table.selectRow(row)
                self.show_vehicle(self.model.row(row))
                return True
        return False

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.show_vehicle(self.model.row(indexes[0].row()))

    def show_vehicle(self, vehicle: Vehicle) -> None:
        self.current = vehicle
        days = days_in_stock(vehicle)
        rows = [
            ("Stock", vehicle.stock_number),
            ("VIN", vehicle.vin),
            ("Status", vehicle.status),
            ("Condition", vehicle.condition),
            ("Days in stock", "not received yet" if days is None else f"{days}"),
            ("Received", vehicle.received_on.isoformat() if vehicle.received_on else None),
            ("Price", display(vehicle.price)),
            ("MSRP", display(vehicle.msrp) if vehicle.msrp is not None else None),
        ]
        if self.show_cost:
            rows.append(("Cost", display(vehicle.cost) if vehicle.cost is not None else "not entered"))
        rows += [
            ("Mileage", f"{vehicle.mileage:,}" if vehicle.mileage is not None else None),
            ("Color", vehicle.color),
            ("Body", vehicle.body),
            ("Fuel", vehicle.fuel),
        ]
        body = "".join(
            f"<tr><td><b>{escape(label)}</b></td><td>{escape(str(value))}</td></tr>"
            for label, value in rows
            if value is not None
        )
        self.detail.setText(f"<h3>{escape(_describe(vehicle))}</h3><table cellpadding='2'>{body}</table>")
        if self.editor is not None:
            self.editor.show_vehicle(vehicle)

    def _edited(self, vehicle: Vehicle) -> None:
        self.current = vehicle
        message = self.editor.message.text() if self.editor is not None else ""
        self.refresh()  # the vehicle may now be filtered out (sold): the detail then clears
        if self.editor is not None and self.current is not None:
            self.editor.message.setText(message)

    def open_add_dialog(self) -> AddVehicleDialog:
        self.add_dialog = AddVehicleDialog(self.service, self.show_cost, self)
        self.add_dialog.accepted.connect(self._added)
        self.add_dialog.open()
        return self.add_dialog

    def _added(self) -> None:
        if self.add_dialog is None or self.add_dialog.vehicle is None:
            return
        vehicle = self.add_dialog.vehicle
        self._show_only(vehicle)
        self.vehicle_added.emit(vehicle)

    def open_record(self, vehicle_id: str) -> None:
        """Show one vehicle (a global search hit), whatever its status."""
        self._show_only(self.service.get(vehicle_id))

    def _show_only(self, vehicle: Vehicle) -> None:
        """Filters set so that ``vehicle`` is listed (by its stock number), and its detail shown."""
        self.search.blockSignals(True)
        self.search.setText(vehicle.stock_number)
        self.search.blockSignals(False)
        for combo in (self.condition, self.body):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.status.blockSignals(True)
        self.status.setCurrentText(vehicle.status)
        self.status.blockSignals(False)
        self.min_age.blockSignals(True)
        self.min_age.setValue(0)
        self.min_age.blockSignals(False)
        self.min_price.edit.clear()
        self.max_price.edit.clear()
        self._debounce.cancel()
        self.current = vehicle
        self.refresh()


def inventory_page(ctx: AppContext) -> InventoryPage:
    return InventoryPage(ctx)

"""Admin tab for the dealership's settings, edited as key/value rows.

Signed in, "Publish" first checks every row (a bad one is marked, its key and message shown, nothing
sent), then asks for confirmation in the tab itself (the settings reach every desk), then sends them
to the server and shows what the server now holds. In the demo, "Save" keeps them on this computer.
Which keys exist is the service's business (:mod:`app.services.settings` locally,
:mod:`app.services.settings_server` on the server); the help line says which.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError, ValidationError
from app.services.administration import AdministrationService, Mode
from app.services.settings import SettingEntry
from app.services.settings_server import KNOWN_KEYS_HELP
from ui.pages.admin_work import Background
from ui.pages.desk import named

LOCAL_HELP = (
    "Keys: doc_fee (dollars), default_apr (fraction, 0.0699 = 6.99%), default_term_months, lender, "
    "tax_rate.<STATE or STATE/COUNTY> (fraction), fee.<name> (dollars)."
)
SERVER_HELP = (
    f"Keys: {KNOWN_KEYS_HELP}. Tax rates are fractions (0.0825 = 8.25%), fees and doc_fee dollars. "
    "Fee codes: title, registration, plate, inspection, tire; any other name is sent as a named fee."
)
CONFIRM_TEXT = "Publish these settings to the dealership server? Every desk receives them on its next sync."
_ERROR_BRUSH = QBrush(QColor("#f8d7da"))


class SettingsTab(QWidget):
    saved = Signal()

    def __init__(self, service: AdministrationService) -> None:
        super().__init__()
        self.service = service
        self.server = service.mode is Mode.SERVER
        self.editable = False
        self.table = named(QTableWidget(0, 2), "admin-settings")
        self.table.setAccessibleName("Dealership settings")
        self.table.setHorizontalHeaderLabels(["Setting", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        # Arrows move between cells and F2 or typing edits; Tab goes on to the buttons.
        self.table.setTabKeyNavigation(False)
        self.table.itemChanged.connect(self._edited)
        self.note = named(QLabel(), "admin-settings-note")
        self.note.setWordWrap(True)
        self.error = named(QLabel(), "admin-settings-error")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.message = named(QLabel(), "admin-settings-message")
        self.message.setWordWrap(True)
        self.work = Background(self, self.message, threaded=self.server)
        help_text = QLabel(SERVER_HELP if self.server else LOCAL_HELP)
        help_text.setWordWrap(True)
        self.add_button = named(QPushButton("Add ro&w"), "admin-settings-add")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = named(QPushButton("&Remove row"), "admin-settings-remove")
        self.remove_button.clicked.connect(self.remove_row)
        self.reload_button = named(QPushButton("Re&load"), "admin-settings-reload")
        self.reload_button.clicked.connect(self.refresh)
        self.save_button = named(
            QPushButton("&Publish settings…" if self.server else "&Save settings"), "admin-settings-save"
        )
        self.save_button.clicked.connect(self.save)
        # Asked in place, not in a modal box: the answer is one keystroke away, the rows stay in view.
        self.confirm = named(QFrame(), "admin-settings-confirm")
        self.confirm.setFrameShape(QFrame.Shape.StyledPanel)
        self.confirm_text = QLabel(CONFIRM_TEXT)
        self.confirm_text.setWordWrap(True)
        self.confirm_button = named(QPushButton("Publish &now"), "admin-settings-confirm-publish")
        self.confirm_button.clicked.connect(self.publish)
        self.cancel_button = named(QPushButton("&Cancel"), "admin-settings-confirm-cancel")
        self.cancel_button.clicked.connect(self.cancel_publish)
        for button in (self.confirm_button, self.cancel_button):
            button.setAutoDefault(True)  # Enter presses the focused answer, as in a dialog
        confirm_layout = QHBoxLayout(self.confirm)
        confirm_layout.addWidget(self.confirm_text, 1)
        confirm_layout.addWidget(self.confirm_button)
        confirm_layout.addWidget(self.cancel_button)
        self.confirm.setVisible(False)
        QShortcut(QKeySequence("Escape"), self.confirm, self.cancel_publish)
        self.buttons = QWidget()
        buttons = QHBoxLayout(self.buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.add_button, self.remove_button, self.reload_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(help_text)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        layout.addWidget(self.confirm)
        layout.addWidget(self.message)
        QWidget.setTabOrder(self.table, self.add_button)
        QWidget.setTabOrder(self.add_button, self.remove_button)
        QWidget.setTabOrder(self.remove_button, self.reload_button)
        QWidget.setTabOrder(self.reload_button, self.save_button)
        QWidget.setTabOrder(self.save_button, self.confirm_button)
        QWidget.setTabOrder(self.confirm_button, self.cancel_button)

    def refresh(self, _needle: str = "") -> None:
        listing = self.service.settings()
        self.editable = listing.editable
        self.note.setText(listing.note)
        self.table.setEditTriggers(
            QTableWidget.EditTrigger.AllEditTriggers
            if self.editable
            else QTableWidget.EditTrigger.NoEditTriggers
        )
        self.buttons.setVisible(self.editable)
        self.confirm.setVisible(False)
        self._fill([(e.key, e.value) for e in listing.rows])
        self._clear_error()

    def _fill(self, pairs: list[tuple[str, str]]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for key, value in pairs:
            self._append(key, value)
        self.table.blockSignals(False)

    def _append(self, key: str, value: str) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(key))
        self.table.setItem(row, 1, QTableWidgetItem(value))
        return row

    def add_row(self) -> None:
        row = self._append("", "")
        self.table.setCurrentCell(row, 0)
        self.table.setFocus()
        key_item = self.table.item(row, 0)
        if key_item is not None:
            self.table.editItem(key_item)

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def pairs(self) -> list[tuple[str, str]]:
        result = []
        for row in range(self.table.rowCount()):
            key_item, value_item = self.table.item(row, 0), self.table.item(row, 1)
            key = key_item.text().strip() if key_item else ""
            value = value_item.text() if value_item else ""
            if key or value.strip():
                result.append((key, value))
        return result

    def set_value(self, key: str, value: str) -> None:
        """Put ``value`` in the row of ``key`` (adding the row if there is none), as typing would."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.text().strip() == key:
                self.table.setItem(row, 1, QTableWidgetItem(value))
                return
        self._append(key, value)

    def _checked(self) -> dict[str, str] | None:
        """The rows as settings, or None after marking the first bad row."""
        self._clear_error()
        pairs = self.pairs()
        keys = [key for key, _ in pairs]
        duplicate = next((key for key in keys if keys.count(key) > 1), None)
        try:
            if duplicate is not None:
                raise ValidationError(duplicate or "key", "is listed twice")
            if "" in keys:
                raise ValidationError("key", "a row has a value but no setting name")
            entries = dict(pairs)
            self.service.check_settings(entries)
        except ValidationError as error:
            self._show_error(error.field, error.message)
            return None
        except AppError as error:
            self.message.setText(f"Not saved: {error}")
            return None
        return entries

    def save(self) -> None:
        """Check the rows; signed in, ask before publishing; in the demo, save at once."""
        self.confirm.setVisible(False)
        if self._checked() is None:
            return
        if self.server:
            self.message.setText("")
            self.confirm.setVisible(True)
            self.confirm_button.setFocus()
            return
        self.publish()

    def cancel_publish(self) -> None:
        if self.confirm.isVisible():
            self.confirm.setVisible(False)
            self.message.setText("Not published.")
            self.save_button.setFocus()

    def publish(self) -> None:
        self.confirm.setVisible(False)
        entries = self._checked()
        if entries is None:
            return
        self.work.run(lambda: self.service.publish_settings(entries), self._published)

    def _published(self, outcome: list[SettingEntry] | AppError) -> None:
        if isinstance(outcome, ValidationError):
            self._show_error(outcome.field, outcome.message)
            return
        if isinstance(outcome, AppError):
            self.message.setText(f"Not saved: {outcome}")
            return
        saved = outcome
        self._fill([(e.key, e.value) for e in saved])
        self.message.setText(
            f"Published: the server now holds {len(saved)} settings." if self.server else "Saved."
        )
        self.saved.emit()

    def _show_error(self, key: str, message: str) -> None:
        self.error.setText(f"{key}: {message}")
        self.error.setVisible(True)
        self.message.setText("Not saved.")
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            name = item.text().strip() if item is not None else ""
            # "key" is the service's name for a row with no setting name.
            if name == key or (key == "key" and not name):
                for column in (0, 1):
                    cell = self.table.item(row, column)
                    if cell is not None:
                        cell.setBackground(_ERROR_BRUSH)
                self.table.setCurrentCell(row, 1)
                break

    def error_rows(self) -> list[int]:
        return [
            row
            for row in range(self.table.rowCount())
            if (item := self.table.item(row, 0)) is not None and item.background() == _ERROR_BRUSH
        ]

    def _clear_error(self) -> None:
        self.error.setVisible(False)
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            for column in (0, 1):
                cell = self.table.item(row, column)
                if cell is not None:
                    cell.setBackground(QBrush())
        self.table.blockSignals(False)

    def _edited(self, _item: QTableWidgetItem) -> None:
        self.message.setText("")

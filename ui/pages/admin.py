"""Administration: users and roles (managed on the sync server), dealership settings, the audit log.

Each tab appears only with its permission: ``admin.users``, ``admin.roles``, ``admin.settings``,
``audit.view``. Settings are edited as key/value pairs and saved through ``SettingsService``, which
names the key of any value it refuses; that row is marked and nothing is saved.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import AppError, ValidationError
from app.policy import ALL_PERMISSIONS, Permission
from app.runtime import AppContext
from app.services.accounts import AccountsService, RoleRow, UserRow
from app.services.audit_log import AuditFilters, AuditLogService, AuditQuery
from app.services.settings import Publish, SettingsService
from app.store.models import AuditEvent
from ui.pages.customers import table
from ui.pages.desk import named
from ui.table_model import Column, RowsTableModel

ANY = "Any"
SERVER_NOTE = (
    "Demo dealership: there is no sync server, so accounts and roles are read-only here. "
    "In a real dealership they are managed on the sync server."
)
ONLINE_NOTE = "Accounts and roles are managed on the sync server; this is the copy last synced to this desk."
SETTINGS_HELP = (
    "Keys: doc_fee (dollars), default_apr (fraction, 0.0699 = 6.99%), default_term_months, lender, "
    "tax_rate.<STATE or STATE/COUNTY> (fraction), fee.<name> (dollars)."
)
_ERROR_BRUSH = QBrush(QColor("#f8d7da"))


class UsersTab(QWidget):
    def __init__(self, service: AccountsService, note: str) -> None:
        super().__init__()
        self.service = service
        self.rows: list[UserRow] = []
        self.model: RowsTableModel[UserRow] = RowsTableModel(
            [
                Column("Name", lambda u: u.display_name),
                Column("Email", lambda u: u.email),
                Column("Roles", lambda u: ", ".join(u.roles)),
                Column("Active", lambda u: "yes" if u.active else "no"),
            ]
        )
        self.table = table(self.model, "admin-users")
        self.note = named(QLabel(note), "admin-accounts-note")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table)

    def refresh(self, needle: str) -> None:
        self.rows = self.service.users()
        text = needle.strip().lower()
        shown = [
            u
            for u in self.rows
            if not text or text in f"{u.display_name} {u.email} {' '.join(u.roles)}".lower()
        ]
        self.model.set_rows(shown)


class RolesTab(QWidget):
    def __init__(self, service: AccountsService, note: str) -> None:
        super().__init__()
        self.service = service
        self.roles: list[RoleRow] = []
        self.role_list = named(QListWidget(), "admin-roles")
        self.permission_list = named(QListWidget(), "admin-role-permissions")
        self.role_list.currentRowChanged.connect(self._show_role)
        self.note = QLabel(note)
        self.note.setWordWrap(True)
        splitter = QSplitter()
        splitter.addWidget(self.role_list)
        splitter.addWidget(self.permission_list)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(splitter)

    def refresh(self, needle: str) -> None:
        text = needle.strip().lower()
        self.roles = [r for r in self.service.roles() if not text or text in r.name.lower()]
        self.role_list.clear()
        for role in self.roles:
            self.role_list.addItem(
                f"{role.name}{'' if role.builtin else ' (custom)'} — {len(role.permissions)}"
            )
        if self.roles:
            self.role_list.setCurrentRow(0)
        else:
            self.permission_list.clear()

    def _show_role(self, row: int) -> None:
        self.permission_list.clear()
        if not 0 <= row < len(self.roles):
            return
        granted = self.roles[row].permissions
        for permission in sorted(ALL_PERMISSIONS):
            item = QListWidgetItem(permission)
            # Shown as ticks that cannot be changed: the desk does not edit roles.
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if permission in granted else Qt.CheckState.Unchecked)
            self.permission_list.addItem(item)

    def granted(self) -> list[str]:
        return [
            self.permission_list.item(i).text()
            for i in range(self.permission_list.count())
            if self.permission_list.item(i).checkState() == Qt.CheckState.Checked
        ]


SETTINGS_ON_SERVER_NOTE = (
    "The dealership's settings belong to the sync server; this desk shows the copy last synced and "
    "cannot change them until it is connected to the server's admin service."
)


class SettingsTab(QWidget):
    saved = Signal()

    def __init__(self, service: SettingsService, editable: bool) -> None:
        super().__init__()
        self.service = service
        self.editable = editable
        self.table = named(QTableWidget(0, 2), "admin-settings")
        self.table.setHorizontalHeaderLabels(["Setting", "Value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.itemChanged.connect(self._edited)
        self.error = named(QLabel(), "admin-settings-error")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.message = named(QLabel(), "admin-settings-message")
        help_text = QLabel(SETTINGS_HELP)
        help_text.setWordWrap(True)
        self.add_button = named(QPushButton("Add &row"), "admin-settings-add")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = named(QPushButton("&Remove row"), "admin-settings-remove")
        self.remove_button.clicked.connect(self.remove_row)
        self.reload_button = QPushButton("Re&load")
        self.reload_button.clicked.connect(self.refresh)
        self.save_button = named(QPushButton("&Save settings"), "admin-settings-save")
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.reload_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addWidget(self.table)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        if not editable:
            self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            for button in (self.add_button, self.remove_button, self.save_button):
                button.setVisible(False)
            self.message.setText(SETTINGS_ON_SERVER_NOTE)

    def refresh(self, _needle: str = "") -> None:
        self._fill([(e.key, e.value) for e in self.service.entries()])
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

    def save(self) -> None:
        self._clear_error()
        pairs = self.pairs()
        keys = [key for key, _ in pairs]
        duplicate = next((key for key in keys if keys.count(key) > 1), None)
        try:
            if duplicate is not None:
                raise ValidationError(duplicate or "key", "is listed twice")
            if "" in keys:
                raise ValidationError("key", "a row has a value but no setting name")
            saved = self.service.save(dict(pairs))
        except ValidationError as error:
            self._show_error(error.field, error.message)
            return
        except AppError as error:
            self.message.setText(f"Not saved: {error}")
            return
        self._fill([(e.key, e.value) for e in saved])
        self.message.setText("Saved.")
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


class AuditTab(QWidget):
    def __init__(self, service: AuditLogService) -> None:
        super().__init__()
        self.service = service
        self.page_number = 1
        self.page_size = 50
        self.total = 0
        self.actors: dict[str, str] = {}
        self.entity = named(QComboBox(), "audit-entity")
        self.action = named(QComboBox(), "audit-action")
        self.actor = named(QComboBox(), "audit-actor")
        for combo, label in ((self.entity, "Entity"), (self.action, "Action"), (self.actor, "Who")):
            combo.setAccessibleName(label)
            combo.addItem(ANY, None)
            combo.currentIndexChanged.connect(self._filter_changed)
        self.model: RowsTableModel[AuditEvent] = RowsTableModel(
            [
                Column("When (UTC)", lambda e: e.at.strftime("%Y-%m-%d %H:%M:%S")),
                Column("Who", lambda e: self.actors.get(e.actor_id or "", e.actor_id or "system")),
                Column("Action", lambda e: e.action),
                Column("Entity", lambda e: e.entity),
                Column("Record", lambda e: e.entity_id),
                Column("Device", lambda e: e.device_id),
            ]
        )
        self.table = table(self.model, "audit-events")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.detail = named(QPlainTextEdit(), "audit-detail")
        self.detail.setReadOnly(True)
        self.detail.setMaximumHeight(160)
        self.previous = named(QPushButton("◀ &Previous"), "audit-previous")
        self.previous.clicked.connect(lambda: self.go(self.page_number - 1))
        self.next = named(QPushButton("&Next ▶"), "audit-next")
        self.next.clicked.connect(lambda: self.go(self.page_number + 1))
        self.position = named(QLabel(), "audit-position")
        filters = QHBoxLayout()
        for label, combo in (("Entity", self.entity), ("Action", self.action), ("Who", self.actor)):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo, 1)
        paging = QHBoxLayout()
        paging.addWidget(self.previous)
        paging.addWidget(self.position, 1, alignment=Qt.AlignmentFlag.AlignCenter)
        paging.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(paging)
        layout.addWidget(self.detail)

    def refresh(self, _needle: str = "") -> None:
        self._fill_filters(self.service.filters())
        self.go(self.page_number)

    def _fill_filters(self, choices: AuditFilters) -> None:
        self.actors = choices.actors
        fills: list[tuple[QComboBox, list[tuple[str, str]]]] = [
            (self.entity, [(e, e) for e in choices.entities]),
            (self.action, [(a, a) for a in choices.actions]),
            (self.actor, sorted(((name, uid) for uid, name in choices.actors.items()), key=lambda p: p[0])),
        ]
        for combo, options in fills:
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ANY, None)
            for label, data in options:
                combo.addItem(label, data)
            index = combo.findData(chosen) if chosen is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def query(self, page: int) -> AuditQuery:
        return AuditQuery(
            entity=self.entity.currentData(),
            action=self.action.currentData(),
            actor_id=self.actor.currentData(),
            page=page,
            page_size=self.page_size,
        )

    def go(self, page: int) -> None:
        result = self.service.page(self.query(max(1, page)))
        if result.page > result.pages:  # fewer events than before (a filter changed): go to the last page
            result = self.service.page(self.query(result.pages))
        self.page_number = result.page
        self.total = result.total
        self.model.set_rows(result.events)
        self.previous.setEnabled(result.has_previous)
        self.next.setEnabled(result.has_next)
        self.position.setText(f"Page {result.page} of {result.pages} — {result.total} events")
        self.detail.clear()

    def _filter_changed(self) -> None:
        self.go(1)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        event = self.model.row(indexes[0].row())
        change: dict[str, Any] = {"before": event.before, "after": event.after}
        self.detail.setPlainText(json.dumps(change, indent=2, sort_keys=True, default=str))


class AdminPage(QWidget):
    def __init__(self, ctx: AppContext, publish_settings: Publish | None = None) -> None:
        """``publish_settings`` sends settings to the sync server's admin API; the demo needs none."""
        super().__init__()
        self.setObjectName("page-admin")
        can = ctx.principal.can
        self.search = named(QLineEdit(), "admin-search")
        self.search.setPlaceholderText("Filter users and roles")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter users and roles")
        self.tabs = named(QTabWidget(), "admin-tabs")
        accounts = AccountsService(ctx.store, ctx.principal)
        note = SERVER_NOTE if ctx.demo is not None else ONLINE_NOTE
        self.users = UsersTab(accounts, note) if can(Permission.ADMIN_USERS) else None
        self.roles = RolesTab(accounts, note) if can(Permission.ADMIN_ROLES) else None
        self.settings: SettingsTab | None = None
        if can(Permission.ADMIN_SETTINGS):
            service = SettingsService(ctx.store, ctx.principal, publish_settings)
            # Signed in without a way to reach the server, a local edit would only be refused on push.
            self.settings = SettingsTab(
                service, editable=ctx.demo is not None or publish_settings is not None
            )
        self.audit = (
            AuditTab(AuditLogService(ctx.store, ctx.principal)) if can(Permission.AUDIT_VIEW) else None
        )
        for tab, title in (
            (self.users, "&Users"),
            (self.roles, "R&oles"),
            (self.settings, "Dealership se&ttings"),
            (self.audit, "&Audit log"),
        ):
            if tab is not None:
                self.tabs.addTab(tab, title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Administration</h2>"))
        layout.addWidget(self.search)
        if self.tabs.count():
            layout.addWidget(self.tabs, 1)
        else:
            layout.addWidget(QLabel("Your role has no administration rights."), 1)
        self.search.textChanged.connect(self._filter)

    def refresh(self) -> None:
        needle = self.search.text()
        for tab in (self.users, self.roles, self.settings, self.audit):
            if tab is not None:
                tab.refresh(needle)

    def _filter(self, needle: str) -> None:
        for tab in (self.users, self.roles):
            if tab is not None:
                tab.refresh(needle)


def admin_page(ctx: AppContext) -> AdminPage:
    return AdminPage(ctx)

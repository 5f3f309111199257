"""Administration: users and roles, dealership settings, the audit log.

Each tab appears only with its permission: ``admin.users``, ``admin.roles``, ``admin.settings``,
``audit.view``. Signed in, users, roles and settings are changed through the dealership server's admin
API; in the demo, on this computer; see :mod:`app.services.administration` for which and why. The
tabs themselves live in :mod:`ui.pages.admin_accounts` and :mod:`ui.pages.admin_settings`.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.policy import Permission
from app.runtime import AppContext
from app.services.administration import AdministrationService, administration_for
from app.services.audit_log import AuditFilters, AuditLogService, AuditQuery
from app.store.models import AuditEvent
from ui.pages.admin_accounts import RolesTab, UsersTab
from ui.pages.admin_settings import SettingsTab
from ui.pages.customers import table
from ui.pages.desk import named
from ui.pages.keyboard import open_with_enter
from ui.table_model import Column, RowsTableModel

ANY = "Any"


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
        open_with_enter(self.table, lambda _row: self.detail.setFocus())  # Enter: read the change
        self.detail.setReadOnly(True)
        self.detail.setMaximumHeight(10 * self.detail.fontMetrics().lineSpacing())  # lines, not pixels
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
    def __init__(self, ctx: AppContext, service: AdministrationService | None = None) -> None:
        """``service`` defaults to the running app's (the server's admin API when signed in)."""
        super().__init__()
        self.setObjectName("page-admin")
        can = ctx.principal.can
        self.service = service or administration_for(ctx)
        self.search = named(QLineEdit(), "admin-search")
        self.search.setPlaceholderText("Filter users and roles")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter users and roles")
        self.tabs = named(QTabWidget(), "admin-tabs")
        self.users = UsersTab(self.service) if can(Permission.ADMIN_USERS) else None
        self.roles = RolesTab(self.service) if can(Permission.ADMIN_ROLES) else None
        self.settings = SettingsTab(self.service) if can(Permission.ADMIN_SETTINGS) else None
        engine = ctx.sync
        if self.settings is not None and engine is not None:
            # Published settings come back to this desk by pull: ask for it now, not at the next interval.
            self.settings.saved.connect(engine.nudge)
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
            QWidget.setTabOrder(self.search, self.tabs)
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
                tab.show_matching(needle)


def admin_page(ctx: AppContext) -> AdminPage:
    return AdminPage(ctx)

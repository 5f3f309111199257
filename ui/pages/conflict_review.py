"""Sync conflicts waiting for review: what each side wrote, and keeping the server's value."""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.errors import AppError
from app.runtime import AppContext
from app.services.conflicts import ConflictService
from ui.pages.deal_views import KeyedTable
from ui.pages.desk import named


def shown(value: object) -> str:
    """A conflict value as a person reads it: text as is, anything else as JSON, nothing as a dash."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


class ConflictReview(QWidget):
    changed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("conflict-review")
        self.service = ConflictService(ctx.store, ctx.principal)
        self.table = KeyedTable(
            "conflicts-table", ("Table", "Field", "Local value", "Server value", "Kind", "When")
        )
        self.table.itemSelectionChanged.connect(self._enable)
        self.keep_button = named(QPushButton("&Keep server value"), "keep-server-value")
        self.keep_button.clicked.connect(self.keep_server_value)
        self.message = named(QLabel(), "conflicts-message")
        actions = QHBoxLayout()
        actions.addWidget(self.keep_button)
        actions.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Changes that lost a race with another device. The server's value is in effect.")
        )
        layout.addWidget(self.table)
        layout.addLayout(actions)
        self._enable()

    def refresh(self) -> int:
        conflicts = self.service.open()
        self.table.set_rows(
            [
                (
                    c.id,
                    (
                        c.table_name,
                        c.field or "(whole row)",
                        shown(c.local_value),
                        shown(c.server_value),
                        c.kind + (f": {c.reason}" if c.reason else ""),
                        f"{c.created_at:%Y-%m-%d %H:%M}",
                    ),
                )
                for c in conflicts
            ]
        )
        self._enable()
        return len(conflicts)

    def _enable(self) -> None:
        self.keep_button.setEnabled(self.table.selected_id() is not None)

    def keep_server_value(self) -> None:
        conflict_id = self.table.selected_id()
        if conflict_id is None:
            return
        try:
            resolved = self.service.keep_server_value(conflict_id)
        except AppError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"Kept the server's {resolved.field or 'row'} on {resolved.table_name}")
        self.changed.emit()

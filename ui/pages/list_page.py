"""A searchable list screen: a search field over a table, refreshed from a service call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.table_model import Column, RowsTableModel

Row = TypeVar("Row")


class ListPage(QWidget, Generic[Row]):
    def __init__(
        self,
        title: str,
        columns: Sequence[Column[Row]],
        load: Callable[[str], Sequence[Row]],
        placeholder: str,
    ) -> None:
        super().__init__()
        self.setObjectName(f"page-{title.lower()}")
        self._load = load
        self.model: RowsTableModel[Row] = RowsTableModel(columns)
        self.search = QLineEdit()
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(f"Search {title.lower()}")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count = QLabel()
        heading = QLabel(f"<h2>{title}</h2>")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        layout.addWidget(self.count, alignment=Qt.AlignmentFlag.AlignRight)
        # Search as you type, but wait for a pause so each keystroke does not query the store.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._debounce.start)

    def refresh(self) -> None:
        rows = self._load(self.search.text())
        self.model.set_rows(rows)
        self.count.setText(f"{len(rows)} shown")

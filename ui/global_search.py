"""The one search box: type a name, phone, email, stock number, VIN or deal number and pick a hit.

Searching waits for a short pause in typing (one query per pause, not per key). The hits appear in
a list laid over the window under the box; it never takes the keyboard: Up/Down move through it,
Enter picks, Escape closes. ``hit_chosen`` carries the ``SearchHit``; the main window decides which
screen opens it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QWidget

from app.runtime import AppContext
from app.services.search import SearchHit, SearchService
from ui.debounce import Debounce

_KIND_LABEL = {"customer": "Customer", "vehicle": "Vehicle", "deal": "Deal"}


class GlobalSearch(QWidget):
    hit_chosen = Signal(object)  # SearchHit
    searched = Signal()  # after the hits for the current text are shown

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("global-search")
        self._service = SearchService(ctx.store, ctx.principal)
        self.edit = QLineEdit()
        self.edit.setObjectName("global-search-text")
        self.edit.setPlaceholderText("Find a customer, stock number, VIN or deal")
        self.edit.setAccessibleName("Global search")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(36 * self.edit.fontMetrics().averageCharWidth())  # characters, not pixels
        # A child of the window, not a popup window of its own: a popup grabs the keyboard, and typing
        # must carry on in the box while the list is open.
        self.popup = QListWidget(self)
        self.popup.setObjectName("global-search-hits")
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setFrameShape(QFrame.Shape.Box)
        self.popup.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.popup.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.popup.hide()
        self.popup.itemClicked.connect(self._choose_item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self._debounce = Debounce(self, self.run_search)
        self.edit.textChanged.connect(self._debounce.start)
        self.edit.installEventFilter(self)
        self.hits: list[SearchHit] = []
        # Ctrl+K from anywhere in the window, as in most search-first apps.
        self.shortcut = QShortcut(QKeySequence("Ctrl+K"), self, self.focus)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.edit.setToolTip("Search everything (Ctrl+K)")

    def focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def run_search(self) -> None:
        self.hits = self._service.find(self.edit.text())
        self.popup.clear()
        for hit in self.hits:
            item = QListWidgetItem(f"{_KIND_LABEL[hit.kind]}: {hit.title} — {hit.detail}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            self.popup.addItem(item)
        if self.hits:
            self.popup.setCurrentRow(0)
            self._place_popup()
            self.popup.show()
        else:
            self.popup.hide()
        self.searched.emit()

    def _place_popup(self) -> None:
        window = self.window()
        if self.popup.parent() is not window:
            self.popup.setParent(window)  # the box may have been put in a window since it was made
        below = self.edit.mapTo(window, QPoint(0, self.edit.height()))
        rows = min(len(self.hits), 12)
        height = rows * max(self.popup.sizeHintForRow(0), 18) + 2 * self.popup.frameWidth()
        width = min(max(self.edit.width(), 420), window.width())
        x = max(0, min(below.x(), window.width() - width))
        y = below.y()
        if y + height > window.height():  # a box near the bottom (status bar) opens its list upwards
            y = max(0, below.y() - self.edit.height() - height)
        self.popup.setGeometry(x, y, width, height)
        self.popup.raise_()

    def choose(self, row: int) -> None:
        if not 0 <= row < len(self.hits):
            return
        hit = self.hits[row]
        self.popup.hide()
        self.hit_chosen.emit(hit)

    def _choose_item(self, item: QListWidgetItem) -> None:
        self.choose(self.popup.row(item))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.edit and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.popup.isVisible():
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.popup.count() - 1, self.popup.currentRow() + step))
                self.popup.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._debounce.flush()  # Enter straight after typing: search first, then pick
                self.choose(self.popup.currentRow())
                return True
            if key == Qt.Key.Key_Escape and self.popup.isVisible():
                self.popup.hide()
                return True
        if watched is self.edit and event.type() == QEvent.Type.FocusOut:
            # Give a click on the list time to land before the list goes away.
            QTimer.singleShot(150, self._hide_unless_focused)
        return super().eventFilter(watched, event)

    def _hide_unless_focused(self) -> None:
        if not self.edit.hasFocus():
            self.popup.hide()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        self.popup.hide()
        super().hideEvent(event)

"""Keyboard paths shared by the screens: from a search box into its list, Enter to open a row, Ctrl+S.

Every action must be reachable without the mouse. The screens use these few helpers so the same keys
do the same thing everywhere:

- in a list's search box, Down or Enter moves into the list (picking the first row if none is);
- in a list, Enter (or Return) opens the current row, usually by moving into its editor;
- Ctrl+S saves the screen's form while focus is anywhere inside that screen;
- :func:`chain` sets the Tab order where the layout's creation order would jump about.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QWidget


def chain(*widgets: QWidget) -> None:
    """Tab goes through ``widgets`` in this order (they must already share a window)."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


def focus_list(view: QAbstractItemView) -> None:
    """Move into ``view``, on its current row or else the first one."""
    model = view.model()
    if model is None or model.rowCount() == 0:
        return
    view.setFocus(Qt.FocusReason.TabFocusReason)
    current = view.currentIndex()
    # Setting the current index also selects its row (the lists select whole rows, one at a time).
    view.setCurrentIndex(current if current.isValid() else model.index(0, 0))


ViewOrPick = QAbstractItemView | Callable[[], QAbstractItemView]


class _SearchKeys(QObject):
    def __init__(self, search: QLineEdit, view: ViewOrPick, before: Callable[[], None] | None) -> None:
        super().__init__(search)
        self.view = view
        self.before = before

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if not (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)):
            return False
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if plain and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.before is not None:
                self.before()  # a debounced search would otherwise show the old rows
            focus_list(self.view if isinstance(self.view, QAbstractItemView) else self.view())
            return True
        return False


def search_leads_to(search: QLineEdit, view: ViewOrPick, before: Callable[[], None] | None = None) -> None:
    """Down or Enter in ``search`` runs ``before`` (e.g. the pending search) and moves into ``view``.

    ``view`` may be a function choosing the list at that moment (a screen with a list per tab).
    """
    search.installEventFilter(_SearchKeys(search, view, before))


def open_with_enter(view: QAbstractItemView, open_row: Callable[[int], None]) -> None:
    """Enter/Return on a row (or a double click) calls ``open_row`` with the row number."""

    def opened(index: QModelIndex) -> None:
        if index.isValid():
            open_row(index.row())

    view.activated.connect(opened)


def save_shortcut(page: QWidget, save: Callable[[], None], keys: str = "Ctrl+S") -> QShortcut:
    """``keys`` (Ctrl+S) calls ``save`` while focus is anywhere inside ``page``."""
    shortcut = QShortcut(QKeySequence(keys), page)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(save)
    return shortcut

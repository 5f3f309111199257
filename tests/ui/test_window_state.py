"""The window remembers where the user left the assistant dock: side, size, shown or hidden, floating."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget
from pytestqt.qtbot import QtBot

from app.runtime import AppContext
from ui.main_window import LAYOUT_KEY, MainWindow

Opener = Callable[[], MainWindow]
WIDE = 560  # px: wider than the dock opens


@pytest.fixture
def open_window(qtbot: QtBot, demo: AppContext, tmp_path: Path) -> Opener:
    """Open the main window as the app does, on settings kept in a file of this test's own."""
    path = str(tmp_path / "window.ini")

    def opener() -> MainWindow:
        window = MainWindow(demo, QSettings(path, QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        # The offscreen screen is 800×600 and a restored geometry is fitted to its screen, so every
        # window here opens at one size, with room beside the desk for a wider dock.
        window.resize(1900, 1000)
        window.show()
        qtbot.waitUntil(lambda: window.assistant is not None, timeout=20_000)  # docks after first paint
        return window

    return opener


def _dock(window: MainWindow) -> QDockWidget:
    assert window.assistant is not None
    return window.assistant


def _close(window: MainWindow) -> None:
    window.close()
    window._settings.sync()  # written to the file, as on quitting


def test_dock_moved_and_resized_comes_back_there(qtbot: QtBot, open_window: Opener) -> None:
    first = open_window()
    dock = _dock(first)
    assert first.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea  # where it starts out
    qtbot.waitUntil(lambda: dock.width() >= dock.minimumSizeHint().width())  # laid out
    assert dock.width() < WIDE
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)  # the user drags it to the left
    first.resizeDocks([dock], [WIDE], Qt.Orientation.Horizontal)  # and widens it
    qtbot.waitUntil(lambda: dock.width() == WIDE)
    _close(first)

    again = open_window()
    restored = _dock(again)
    assert again.dockWidgetArea(restored) == Qt.DockWidgetArea.LeftDockWidgetArea
    qtbot.waitUntil(lambda: restored.width() == WIDE)
    assert restored.isVisible()


def test_hidden_dock_stays_hidden_and_ctrl_j_brings_it_back(qtbot: QtBot, open_window: Opener) -> None:
    first = open_window()
    qtbot.waitUntil(_dock(first).isVisible)
    _dock(first).toggleViewAction().trigger()  # Ctrl+J: the user hides the assistant
    assert not _dock(first).isVisible()
    _close(first)

    again = open_window()
    dock = _dock(again)
    assert not dock.isVisible()
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(dock.isVisible)


# A floating dock is its own native window, which the offscreen platform cannot raise (headless only).
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_floating_dock_floats_again(qtbot: QtBot, open_window: Opener) -> None:
    first = open_window()
    _dock(first).setFloating(True)
    _close(first)

    again = open_window()
    assert _dock(again).isFloating()


def test_window_closed_before_the_dock_came_keeps_the_saved_layout(
    qtbot: QtBot, open_window: Opener, demo: AppContext, tmp_path: Path
) -> None:
    first = open_window()
    first.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, _dock(first))
    _close(first)

    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    saved = settings.value(LAYOUT_KEY)
    quick = MainWindow(demo, settings)  # closed before it was ever shown, so before its dock existed
    qtbot.addWidget(quick)
    _close(quick)
    assert settings.value(LAYOUT_KEY) == saved

    again = open_window()
    assert again.dockWidgetArea(_dock(again)) == Qt.DockWidgetArea.BottomDockWidgetArea

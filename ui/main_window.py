"""The main window: navigation on the left, the chosen screen on the right, status at the bottom."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from app.policy import Permission
from app.runtime import AppContext
from ui.global_search import GlobalSearch
from ui.theme import toggle_theme

if TYPE_CHECKING:
    from app.services.search import SearchHit
    from sync.client.engine import SyncStatus
    from ui.chat_panel import ChatPanel

# (title, permission needed to see it, "module:factory"). Shown in this order; hidden without the
# permission. Each screen's module is imported when the screen is first shown, so start-up loads only
# the first one (the dashboard's charting library alone takes half a second to import).
SCREENS: tuple[tuple[str, str, str], ...] = (
    ("Desk", Permission.DESK_QUOTE, "ui.pages.desk:DeskPage"),
    ("Customers", Permission.CUSTOMERS_VIEW, "ui.pages.customers:customers_page"),
    ("Inventory", Permission.INVENTORY_VIEW, "ui.pages.inventory:inventory_page"),
    ("Deals", Permission.DEALS_VIEW, "ui.pages.deals_workspace:deals_page"),
    ("Dashboard", Permission.DASHBOARD_VIEW, "ui.pages.dashboard:dashboard_page"),
    # Every built-in role with an admin right can read the audit log; the tabs check their own.
    ("Admin", Permission.AUDIT_VIEW, "ui.pages.admin:admin_page"),
)


# Where the window remembers itself between runs. The layout (QMainWindow.saveState: the assistant dock's
# side, size, floating and shown or hidden) carries a version, so a future change of layout can drop an
# old one instead of misreading it.
GEOMETRY_KEY = "main-window/geometry"
LAYOUT_KEY = "main-window/layout"
LAYOUT_VERSION = 1


def _factory(target: str) -> Callable[[AppContext], QWidget]:
    module, name = target.split(":")
    factory: Callable[[AppContext], QWidget] = getattr(importlib.import_module(module), name)
    return factory


class _Preload(QObject):
    """Imports modules on a worker thread; ``done`` arrives on the GUI thread when they are in (or failed:
    the GUI thread's own import then raises the error where it is handled)."""

    done = Signal()

    def __init__(self, modules: tuple[str, ...], parent: QObject) -> None:
        super().__init__(parent)
        self._modules = modules
        # Not a daemon: a process quitting meanwhile waits for the imports instead of tearing them down.
        self._thread = threading.Thread(target=self._run, name="autolytiq-preload")

    def start(self) -> None:
        self._thread.start()

    def wait(self) -> None:
        self._thread.join()

    def _run(self) -> None:
        for name in self._modules:
            with contextlib.suppress(Exception):  # reported by the GUI thread's own import (see above)
                importlib.import_module(name)
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile: no one to tell
            self.done.emit()  # queued to the GUI thread, where this object lives


class _StatusBridge(QObject):
    """Carries sync status from the sync thread to the GUI thread (a queued signal)."""

    changed = Signal(object)


class MainWindow(QMainWindow):
    first_painted = Signal()  # once, on the turn of the event loop after the window first painted

    def __init__(self, ctx: AppContext, settings: QSettings | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._settings = settings if settings is not None else QSettings()
        self.setObjectName("main-window")
        self.setWindowTitle(f"Autolytiq — {ctx.dealership}")
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        # Wide enough for the longest screen name, in characters rather than pixels (high-DPI).
        self.nav.setMinimumWidth(16 * self.nav.fontMetrics().averageCharWidth())
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setMaximumWidth(22 * self.nav.fontMetrics().averageCharWidth())
        self.stack = QStackedWidget()
        # Screens are built the first time they are shown: the first paint waits only for the first one.
        self.pages: dict[str, QWidget] = {}
        self._factories: dict[str, str] = {}
        for index, (title, _permission, target) in enumerate(s for s in SCREENS if ctx.principal.can(s[1])):
            self._factories[title] = target
            self.nav.addItem(title)
            self.stack.addWidget(QWidget())
            action = QAction(title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.nav.setCurrentRow(i))
            self.addAction(action)
        self.nav.currentRowChanged.connect(self._show)
        splitter = QSplitter()
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.sync_status = QLabel(
            "Demo dealership — local only, not synced" if ctx.demo else "Starting sync…"
        )
        self.sync_status.setObjectName("sync-status")
        self._sync_bridge = _StatusBridge(self)
        self._sync_bridge.changed.connect(self.show_sync_status)
        if ctx.sync is not None:
            ctx.sync.subscribe(self._sync_bridge.changed.emit)  # emitted on the sync thread, queued here
            self.show_sync_status(ctx.sync.status)
        self.user_label = QLabel(ctx.display_name)
        self.statusBar().addWidget(self.sync_status, 1)
        self.statusBar().addPermanentWidget(self.user_label)
        self.global_search = GlobalSearch(ctx, self)
        search_bar = self.addToolBar("Search")
        search_bar.setObjectName("search-toolbar")
        search_bar.setMovable(False)
        search_bar.addWidget(self.global_search)
        self.global_search.hit_chosen.connect(self._open_hit)
        theme = QAction("Dark theme", self)
        theme.setShortcut(QKeySequence("Ctrl+Shift+T"))
        theme.triggered.connect(self._toggle_theme)
        self.addAction(theme)
        self.assistant: ChatPanel | None = None
        self._preload: _Preload | None = None
        self._painted = False
        self.resize(1200, 760)
        self._restore_geometry()
        if self._factories:
            self.nav.setCurrentRow(0)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            # The children paint after the window in the same pass: the signal waits for the pass to end.
            QTimer.singleShot(0, self.first_painted.emit)
            # What the first screen does not need loads once it is up and has taken input (the
            # assistant's libraries take a second or two to import).
            QTimer.singleShot(250, self._after_first_paint)
        return super().event(event)

    def _after_first_paint(self) -> None:
        if self.ctx.principal.can(Permission.ASSISTANT_USE) and self.ctx.settings.ai_provider_allowed:
            # Its libraries take a second or two to import: on a worker thread, so the window keeps
            # taking input meanwhile (it waits only for the GIL's turns); the dock is built here after.
            self._preload = _Preload(("app.assistant.service",), self)
            self._preload.done.connect(self._add_assistant)
            self._preload.start()

    def _open_hit(self, hit: SearchHit) -> None:
        title = {"customer": "Customers", "vehicle": "Inventory", "deal": "Deals"}[hit.kind]
        if title in self._factories:
            self.nav.setCurrentRow(self.screens.index(title))
            opener = getattr(self.page(title), "open_record", None)
            if callable(opener):
                opener(hit.id)

    @staticmethod
    def _toggle_theme() -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            toggle_theme(app)

    def _add_assistant(self) -> None:
        from app.assistant.service import open_assistant
        from ui.chat_panel import ChatPanel

        self.assistant = ChatPanel(open_assistant(self.ctx), self)
        # Where the remembered layout (restored in __init__, before the dock existed) put it, or on the right.
        if not self.restoreDockWidget(self.assistant):
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.assistant)
        toggle = self.assistant.toggleViewAction()
        toggle.setShortcut(QKeySequence("Ctrl+J"))
        self.addAction(toggle)

    def show_sync_status(self, status: SyncStatus) -> None:
        self.sync_status.setText(status.describe())
        offline = status.online is False or status.needs_sign_in or status.update_required
        self.sync_status.setStyleSheet("color: #b26a00; font-weight: 600;" if offline else "")
        if status.last_error and offline:
            self.sync_status.setToolTip(status.last_error)

    @property
    def screens(self) -> list[str]:
        return list(self._factories)

    def page(self, title: str) -> QWidget:
        """The screen called ``title``, built now if it has not been shown yet."""
        if title not in self.pages:
            if self._preload is not None:
                # One importer at a time: two threads importing a package's modules from opposite ends
                # can deadlock (Python then fails one import), and the screens share libraries with the
                # assistant. Only a screen first opened in the assistant's first seconds waits here.
                self._preload.wait()
            index = list(self._factories).index(title)
            page = _factory(self._factories[title])(self.ctx)
            placeholder = self.stack.widget(index)
            self.stack.insertWidget(index, page)
            if placeholder is not None:
                self.stack.removeWidget(placeholder)
                placeholder.deleteLater()
            self.pages[title] = page
        return self.pages[title]

    def _show(self, row: int) -> None:
        page = self.page(self.screens[row])
        self.stack.setCurrentIndex(row)
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()
        search = getattr(page, "search", None)
        if isinstance(search, QLineEdit):
            search.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_page(self) -> QWidget:
        page = self.stack.currentWidget()
        assert page is not None, "the window always shows a page"
        return page

    def _restore_geometry(self) -> None:
        geometry = self._settings.value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        # The dock comes after the first paint; Qt keeps its remembered place for restoreDockWidget.
        layout = self._settings.value(LAYOUT_KEY)
        if isinstance(layout, QByteArray):
            self.restoreState(layout, LAYOUT_VERSION)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        if self.assistant is not None:
            # Only with the dock in it: a window closed before the dock came keeps the layout it had.
            self._settings.setValue(LAYOUT_KEY, self.saveState(LAYOUT_VERSION))
            self.assistant.shutdown()
        super().closeEvent(event)

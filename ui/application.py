"""Starting the desktop: the QApplication, the main window, and the start-up self-test."""

from __future__ import annotations

import gc
import json
import os
import sys
import time

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from app.config import Settings, load_settings
from app.runtime import AppContext, open_demo, open_device_store
from ui.main_window import MainWindow
from ui.theme import apply_theme, saved_theme


def process_age_ms() -> float:
    """Milliseconds since the OS started this process (interpreter start-up included)."""
    if sys.platform == "linux":
        # Not psutil's create_time here: it adds the start tick count to /proc/stat's boot time, which
        # is whole seconds, so its ages are off by up to a second (by ~200 ms on the benchmark machine).
        # The kernel's start time (in clock ticks since boot) and CLOCK_BOOTTIME share one origin.
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of proc(5), "starttime"
        return (time.clock_gettime(time.CLOCK_BOOTTIME) - started) * 1000
    import psutil  # exact on Windows and macOS; imported only by the self-test

    return (time.time() - psutil.Process().create_time()) * 1000


def resume_gc() -> None:
    """Turn the garbage collector back on after start-up (``ui.cli`` turns it off while the app loads).

    What start-up built (modules, classes, mappers, the first screen) lives as long as the process, so it
    is moved out of the collector's sight (``gc.freeze``) instead of being walked on every collection.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _accepts_input(window: MainWindow) -> bool:
    field = window.current_page().findChild(QLineEdit)
    if field is None:
        return False
    before = field.text()
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QCoreApplication.sendEvent(field, QKeyEvent(kind, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a"))
    accepted = field.text() == before + "a"
    field.setText(before)
    return accepted


def make_application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QCoreApplication.setOrganizationName("Autolytiq")
    QCoreApplication.setApplicationName("Autolytiq")
    app = QApplication(sys.argv[:1])
    apply_theme(app, saved_theme())
    return app


def sign_in(settings: Settings) -> AppContext | None:
    """Open this device's store, sign in (resuming from the keyring when possible), start sync."""
    # Imported here so the demo's start-up does not load the network and sign-in stack.
    from app.connection import connect, start_signed_in
    from ui.sign_in import SignInDialog

    store = open_device_store()
    connection = connect(settings, store)
    user = connection.auth.user if connection.auth.resume() else None
    if user is None:
        resume_gc()  # start-up is over: the app now waits for the user
        dialog = SignInDialog(connection.auth, notice=connection.auth.secrets_notice)
        if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.user is None:
            connection.close()
            store.close()
            return None
        user = dialog.user
    return start_signed_in(settings, store, connection, user)


def run_desktop(*, demo: bool, self_test: bool) -> int:
    app = make_application()
    settings = load_settings()
    if demo:
        ctx: AppContext | None = open_demo()
    elif not settings.server_configured:
        print(
            "autolytiq: no sync server is configured (server_url); run `autolytiq --demo` for the demo "
            "dealership, or see the README for the configuration file.",
            file=sys.stderr,
        )
        return 2
    else:
        ctx = sign_in(settings)
    if ctx is None:
        return 1
    window = MainWindow(ctx)
    result = {"code": 0}
    window.first_painted.connect(resume_gc)
    if self_test:

        def report() -> None:
            ok = _accepts_input(window)
            print(
                json.dumps(
                    {
                        "startup_ms": round(process_age_ms(), 1),
                        "screens": window.screens,
                        "accepts_input": ok,
                    }
                ),
                flush=True,
            )
            result["code"] = 0 if ok else 1
            app.quit()

        window.first_painted.connect(report)
        # A hard stop, so a window that never paints fails the self-test instead of hanging it.
        QTimer.singleShot(30_000, lambda: (print(json.dumps({"error": "window never painted"})), app.exit(1)))
    window.show()
    code = app.exec()
    ctx.close()
    return result["code"] if self_test else code

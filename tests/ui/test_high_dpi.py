"""Every screen and the sign-in dialog at twice the scale (``QT_SCALE_FACTOR=2``): no warnings, no clipping.

The scale factor is read once, when the QApplication starts, and this test session already has one at
scale 1; so the check runs in a fresh interpreter (``python -m tests.ui.test_high_dpi``) that prints
what it found as JSON, and the test reads that.

"Clipped" here means a button or a one-line label drawn narrower or lower than the text it holds
needs (its ``minimumSizeHint``): at a higher scale that is what a pixel-sized widget does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _clipped(window: Any) -> list[str]:
    from PySide6.QtWidgets import QAbstractButton, QLabel

    found: list[str] = []
    for widget in window.findChildren(QAbstractButton) + window.findChildren(QLabel):
        if not widget.isVisible() or not widget.text():
            continue
        if isinstance(widget, QLabel) and (widget.wordWrap() or "<" in widget.text()):
            continue  # wrapped and rich text reflow instead of clipping
        need = widget.minimumSizeHint()
        if widget.width() < need.width() or widget.height() < need.height():
            found.append(
                f"{type(widget).__name__} {widget.text()!r}: {widget.width()}x{widget.height()} "
                f"< {need.width()}x{need.height()}"
            )
    return found


def _check() -> dict[str, Any]:
    """Open each screen of the demo and the sign-in dialog; what was wrong, per screen."""
    import httpx
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication, QTabWidget

    from app.auth.secrets import SecretStore
    from app.auth.session import AuthSession
    from app.runtime import open_demo
    from sync.client.auth_api import AuthApi
    from tests.desktop.conftest import MemoryKeyring
    from ui.application import make_application
    from ui.main_window import MainWindow
    from ui.sign_in import SignInDialog

    warnings: list[str] = []

    def keep(kind: QtMsgType, _context: object, message: str) -> None:
        # The offscreen platform cannot resize native windows: harmless, and ignored in every UI test.
        if kind != QtMsgType.QtDebugMsg and "propagateSizeHints" not in message:
            warnings.append(message)

    qInstallMessageHandler(keep)
    app = make_application()
    ctx = open_demo()
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    report: dict[str, Any] = {"scale": window.devicePixelRatio(), "screens": {}}
    for row, title in enumerate(window.screens):
        window.nav.setCurrentRow(row)
        app.processEvents()
        page = window.current_page()
        found = _clipped(page)
        for tabs in page.findChildren(QTabWidget):  # every tab of the screen, not only the first
            for index in range(1, tabs.count()):
                tabs.setCurrentIndex(index)
                app.processEvents()
                found += _clipped(page)
        report["screens"][title] = sorted(set(found))
    http = httpx.Client(base_url="http://127.0.0.1:9", timeout=0.5)
    dialog = SignInDialog(AuthSession(AuthApi(http), SecretStore(MemoryKeyring()), ctx.store, "hidpi"))
    dialog.show()
    app.processEvents()
    report["screens"]["Sign in"] = _clipped(dialog)
    dialog.close()
    window.close()
    app.processEvents()
    http.close()
    ctx.close()
    report["warnings"] = warnings
    QApplication.processEvents()
    return report


def test_every_screen_at_scale_factor_two_has_no_warnings_and_nothing_clipped() -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QT_SCALE_FACTOR": "2",
        "AUTOLYTIQ_DATA_DIR": tempfile.mkdtemp(prefix="autolytiq-hidpi-"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.test_high_dpi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["scale"] == 2
    assert set(report["screens"]) == {
        "Desk",
        "Customers",
        "Inventory",
        "Deals",
        "Dashboard",
        "Admin",
        "Sign in",
    }
    assert report["warnings"] == []
    assert {title: found for title, found in report["screens"].items() if found} == {}


if __name__ == "__main__":
    print(json.dumps(_check()))

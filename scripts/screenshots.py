"""Render each main screen of the demo dealership to docs/screenshots/*.png (offscreen, no display needed).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AUTOLYTIQ_DATA_DIR", tempfile.mkdtemp(prefix="autolytiq-shots-"))

from app.runtime import open_demo
from ui.application import make_application
from ui.main_window import MainWindow
from ui.pages.desk import DeskPage


def _work_a_deal(desk: object) -> None:
    """Fill the desk as a salesperson would: a Texas customer, a used car, a trade and some cash down."""
    assert isinstance(desk, DeskPage)
    box = desk.customer_box
    index = next(i for i in range(box.count()) if box.itemText(i).endswith(" TX"))
    desk.use_customer(box.itemData(index))
    desk.use_vehicle(desk.vehicle_box.itemData(3))
    desk.set_field("trade_ins[0].allowance", "9500")
    desk.set_field("trade_ins[0].payoff", "6200")
    desk.set_field("cash_down", "2500")
    desk.set_field("doc_fee", "150")
    desk.recompute()


def main() -> int:
    out = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    ctx = open_demo()
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    for row, title in enumerate(window.screens):
        window.nav.setCurrentRow(row)
        app.processEvents()
        if title == "Desk":
            _work_a_deal(window.page(title))
            app.processEvents()
        path = out / f"{title.lower()}.png"
        window.grab().save(str(path))
        print(path)
    window.close()
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

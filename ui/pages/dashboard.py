"""The manager dashboard: renders ``DashboardService.overview`` (all figures and advice are decided there)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.policy import PermissionDeniedError
from app.runtime import AppContext
from app.services.dashboard import Dashboard, DashboardService
from ui.pages.keyboard import chain, search_leads_to

BAR_BRUSH = (52, 120, 200)
GROSS_BRUSH = (46, 160, 90)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # arrows move between rows; Tab leaves the table
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class BarChart(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph ships no type information
    """A labelled bar chart; ``values`` keeps what is drawn so it can be read back."""

    def __init__(self, title: str, brush: tuple[int, int, int], unit: str = "") -> None:
        super().__init__(background=None)  # the window's own background, in light and dark themes alike
        self._brush = brush
        self.setTitle(title)
        if unit:
            self.setLabel("left", unit)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        # In text lines, not pixels: the chart keeps its proportion to the labels at any DPI or font size.
        line = self.fontMetrics().lineSpacing()
        self.setMinimumHeight(10 * line)
        self.setMaximumHeight(15 * line)
        # Read-only pictures (the tables below hold the figures): Tab passes over them.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.values: list[tuple[str, float]] = []

    def show_bars(self, values: Sequence[tuple[str, float]]) -> None:
        self.values = list(values)
        self.clear()
        if values:
            bars = pg.BarGraphItem(
                x=list(range(len(values))), height=[v for _, v in values], width=0.6, brush=self._brush
            )
            self.addItem(bars)
        self.getAxis("bottom").setTicks([[(i, label) for i, (label, _) in enumerate(values)]])
        self.setXRange(-0.6, max(len(values) - 0.4, 0.6), padding=0)
        top = max((v for _, v in values), default=0.0)
        self.setYRange(0, top * 1.1 if top > 0 else 1, padding=0)


class DashboardPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("page-dashboard")
        self._service = DashboardService(ctx.store, ctx.principal)
        self._dashboard: Dashboard | None = None

        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter salespeople by name")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Filter salespeople")
        self.search.textChanged.connect(self._render)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setVisible(False)
        self.as_of = QLabel()

        self.pipeline_chart = BarChart("Pipeline by deal status", BAR_BRUSH)
        self.pipeline_labels: dict[str, QLabel] = {}
        self._pipeline_row = QHBoxLayout()
        # Thousands of dollars: full figures would not fit the axis (the table below has them exactly).
        self.gross_chart = BarChart("Gross by salesperson (closed deals)", GROSS_BRUSH, "$ thousands")
        self.units_sold = QLabel()
        self.top_salesperson = QLabel()
        self.gross_table = _table(("Salesperson", "Units", "Front", "Back", "Gross"))
        self.aging_table = _table(("Days in stock", "Vehicles", "Asking value", "Cost"))
        self.routing_table = _table(("Rep", "On floor", "Load", "Queue", "Close rate"))
        self.suggested = QLabel()
        self.coherence = QLabel()
        self.coherence.setWordWrap(True)
        self.bottlenecks = QLabel()
        self.bottlenecks.setWordWrap(True)
        self.mentoring = QLabel()
        self.mentoring.setWordWrap(True)

        header = QHBoxLayout()
        header.addWidget(QLabel("<h2>Dashboard</h2>"))
        header.addStretch(1)
        header.addWidget(self.as_of)
        charts = QGridLayout()
        pipeline_box = QVBoxLayout()
        pipeline_box.addWidget(self.pipeline_chart)
        pipeline_box.addLayout(self._pipeline_row)
        charts.addLayout(pipeline_box, 0, 0)
        gross_box = QVBoxLayout()
        gross_box.addWidget(self.gross_chart)
        gross_box.addWidget(self.top_salesperson)
        gross_box.addWidget(self.units_sold)
        charts.addLayout(gross_box, 0, 1)
        charts.addWidget(self._group("Gross by salesperson", self.gross_table), 1, 0)
        charts.addWidget(self._group("Inventory aging", self.aging_table), 1, 1)
        advice = QVBoxLayout()
        note = QLabel("Advice from the floor model; the manager decides.")
        note.setStyleSheet("color: palette(mid);")
        for widget in (note, self.suggested, self.coherence, self.bottlenecks, self.mentoring):
            advice.addWidget(widget)
        advice.addStretch(1)
        advice_box = QGroupBox("Lead routing advice")
        advice_box.setLayout(advice)
        charts.addWidget(self._group("Lead routing", self.routing_table), 2, 0)
        charts.addWidget(advice_box, 2, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.search)
        layout.addWidget(self.error)
        charts.setRowStretch(1, 1)
        charts.setRowStretch(2, 1)
        layout.addLayout(charts, 1)
        search_leads_to(self.search, self.gross_table)
        chain(self.search, self.gross_table, self.aging_table, self.routing_table)

    @staticmethod
    def _group(title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        inner = QVBoxLayout(box)
        inner.addWidget(widget)
        return box

    def refresh(self) -> None:
        try:
            self._dashboard = self._service.overview()
        except PermissionDeniedError as error:
            self._dashboard = None
            self.error.setText(f"The dashboard needs the {error.permission} permission.")
            self.error.setVisible(True)
            return
        self.error.setVisible(False)
        self._render()

    def _render(self) -> None:
        if self._dashboard is None:
            return
        whole = self._dashboard
        board = whole.for_salesperson(self.search.text())
        self.as_of.setText(f"as of {whole.as_of.astimezone():%b %d, %H:%M}")
        self._show_pipeline(whole)
        self.gross_chart.show_bars([(g.name, float(g.gross) / 1000) for g in board.gross])
        top = board.gross[0] if board.gross else None
        self.top_salesperson.setText(
            f"Top: {top.name} {_money(top.gross)} on {top.units} units" if top else "No closed deals"
        )
        self.units_sold.setText(f"Units sold: {whole.units_sold}")
        _fill(
            self.gross_table,
            [
                (g.name, str(g.units), _money(g.front_gross), _money(g.back_gross), _money(g.gross))
                for g in board.gross
            ],
        )
        _fill(
            self.aging_table,
            [(a.label, str(a.count), _money(a.value), _money(a.cost)) for a in whole.aging],
        )
        routing = board.routing
        _fill(
            self.routing_table,
            [
                (r.name, "yes" if r.on_floor else "no", str(r.load), str(r.queue), f"{r.close_rate:.0%}")
                for r in routing.reps
            ],
        )
        whole_routing = whole.routing
        self.suggested.setText(
            f"Next lead: {whole_routing.suggested_rep}"
            if whole_routing.suggested_rep
            else "Next lead: nobody free on the floor; keep it in the house queue"
        )
        self.coherence.setText(
            f"Team coherence {whole_routing.coherence:.2f}: {whole_routing.coherence_advice}"
        )
        self.bottlenecks.setText(
            "Bottlenecks: " + "; ".join(f"{b.name} ({b.reason})" for b in whole_routing.bottlenecks)
            if whole_routing.bottlenecks
            else "Bottlenecks: none measured"
        )
        self.mentoring.setText(
            "Mentoring: " + "; ".join(f"{m.mentor} could mentor {m.mentee}" for m in whole_routing.mentoring)
            if whole_routing.mentoring
            else "Mentoring: no pairing is credible yet on the measured outcomes"
        )

    def _show_pipeline(self, board: Dashboard) -> None:
        counts = [(p.status, p.count) for p in board.pipeline]
        self.pipeline_chart.show_bars([(status.title(), float(count)) for status, count in counts])
        for status, count in counts:
            label = self.pipeline_labels.get(status)
            if label is None:
                label = QLabel()
                self.pipeline_labels[status] = label
                self._pipeline_row.addWidget(label)
            label.setText(f"{status.title()}: {count}")


def dashboard_page(ctx: AppContext) -> QWidget:
    return DashboardPage(ctx)

"""The desk: pick a customer and a vehicle, work the numbers, see cash / finance / lease side by side.

Every keystroke schedules one recompute on the next turn of the event loop (typing fast coalesces
into one), and the worksheet (``app.desk``) does the deciding; this widget only shows what it returns.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.desk import DeskResult, worksheet_for
from app.desk_advice import DeskAdvisor
from app.errors import AppError, ValidationError
from app.policy import Permission
from app.runtime import AppContext
from app.services.customers import CustomerService
from app.services.deals import DealService
from app.services.inventory import InventoryFilter, InventoryService
from app.store.models import Customer, Deal, Vehicle
from calc import CalcInputError

# (group title, [(field, label)]) — the form, top to bottom.
FORM: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Vehicle", (("vehicle.price", "Selling price"), ("vehicle.condition", "New or used"))),
    ("Trade-in", (("trade_ins[0].allowance", "Allowance"), ("trade_ins[0].payoff", "Payoff"))),
    ("Rebates", (("rebates.manufacturer", "Manufacturer rebate"), ("rebates.dealer", "Dealer discount"))),
    ("Down, fees and products", (
        ("cash_down", "Cash down"),
        ("doc_fee", "Doc fee"),
        ("products.service_contract", "Service contract"),
        ("products.gap", "GAP"),
    )),
    ("Finance", (("finance.apr_percent", "APR %"), ("finance.term_months", "Term (months)"))),
    ("Lease", (
        ("lease.term_months", "Term (months)"),
        ("lease.money_factor", "Money factor"),
        ("lease.residual_percent", "Residual (fraction)"),
        ("lease.acquisition_fee", "Acquisition fee"),
    )),
    ("Registration", (
        ("customer.state", "State"),
        ("customer.zip", "ZIP"),
        ("customer.county", "County"),
        ("customer.city", "City"),
        ("fees.title", "Title fee"),  # empty: the dealership's, else the state's default
        ("fees.registration", "Registration fee"),
        # The car's, where the state's registration fee depends on them (Missouri; Oregon); the quote's
        # warning says when one is missing. Last, off the usual Tab path; picking another car clears them.
        ("vehicle.taxable_horsepower", "Taxable horsepower"),
        ("vehicle.combined_mpg", "Combined MPG"),
    )),
)  # fmt: skip


W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give a widget an object name (tests and style sheets find it by that name)."""
    widget.setObjectName(name)
    return widget


def money(text: object) -> str:
    try:
        return f"${Decimal(str(text)):,.2f}"
    except ArithmeticError:
        return str(text)


class Field(QWidget):
    """An input with its error shown right under it."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.edit = QLineEdit()
        self.edit.setObjectName(f"field:{name}")
        self.error = QLabel()
        self.error.setObjectName(f"error:{name}")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)  # a long message wraps under a narrow field instead of being cut off
        self.error.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)

    def show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.edit.setStyleSheet("border: 1px solid #c62828;" if message else "")


class ResultCard(QGroupBox):
    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.setObjectName(f"card:{title.lower()}")
        self.headline = QLabel("—")
        self.headline.setObjectName(f"headline:{title.lower()}")
        # In points, not pixels, so the figure grows with the system's text size like everything else.
        self.headline.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.detail = QLabel()
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        # Room for the title, the headline (about two lines) and five lines of detail, whatever the font size.
        self.setMinimumHeight(10 * self.fontMetrics().lineSpacing())


class DeskPage(QWidget):
    recomputed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("page-desk")
        self.ctx = ctx
        self.customers = CustomerService(ctx.store, ctx.principal)
        self.inventory = InventoryService(ctx.store, ctx.principal)
        self.deals = DealService(ctx.store, ctx.principal)
        self.advisor = DeskAdvisor(ctx.store, ctx.principal)
        self.current_customer: Customer | None = None
        self.current_vehicle: Vehicle | None = None
        self.worksheet = worksheet_for(ctx.store, ctx.principal)
        self.result: DeskResult | None = None
        self.deal: Deal | None = None
        self.fields: dict[str, Field] = {}

        self.customer_box = named(QComboBox(), "pick-customer")
        self.vehicle_box = named(QComboBox(), "pick-vehicle")
        for box in (self.customer_box, self.vehicle_box):
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            box.setMinimumWidth(40 * box.fontMetrics().averageCharWidth())
        self.customer_box.activated.connect(self._customer_picked)
        self.vehicle_box.activated.connect(self._vehicle_picked)
        picks = QHBoxLayout()
        for text, box in (("C&ustomer", self.customer_box), ("&Vehicle", self.vehicle_box)):
            caption = QLabel(text)
            caption.setBuddy(box)  # Alt+U / Alt+V jump to the picker
            picks.addWidget(caption)
            picks.addWidget(box, 1)

        form_host = QWidget()
        form_layout = QVBoxLayout(form_host)
        for title, entries in FORM:
            group = QGroupBox(title)
            rows = QFormLayout(group)
            for name, label in entries:
                widget = Field(name)
                widget.edit.setText(self.worksheet.values[name])
                widget.edit.textEdited.connect(lambda text, n=name: self._edited(n, text))
                self.fields[name] = widget
                rows.addRow(label, widget)
            form_layout.addWidget(group)
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes straight to the fields inside
        scroll.setMinimumWidth(44 * scroll.fontMetrics().averageCharWidth())

        self.cards = {kind: ResultCard(kind.capitalize()) for kind in ("cash", "finance", "lease")}
        cards = QHBoxLayout()
        for card in self.cards.values():
            cards.addWidget(card)

        self.finance_grid = named(QTableWidget(), "grid-finance")
        self.lease_grid = named(QTableWidget(), "grid-lease")
        for grid in (self.finance_grid, self.lease_grid):
            grid.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            grid.setTabKeyNavigation(False)  # arrows read the grid; Tab moves on to the next control
        self.explain = named(QTextBrowser(), "tax-explain")
        self.four_square = named(QLabel(), "four-square")
        self.advice = named(QLabel(), "desk-advice")
        self.advice.setWordWrap(True)
        self.advice.setStyleSheet("color: #1f4e79;")
        self.four_square.setTextFormat(Qt.TextFormat.RichText)
        self.four_square.setAlignment(Qt.AlignmentFlag.AlignTop)
        tabs = QTabWidget()
        tabs.addTab(self.finance_grid, "Finance grid")
        tabs.addTab(self.lease_grid, "Lease grid")
        tabs.addTab(self.explain, "Tax and fees explained")
        tabs.addTab(self.four_square, "Four-square")

        self.target = named(QLineEdit(), "target-payment")
        self.target.setPlaceholderText("Target payment")
        self.solve_what = named(QComboBox(), "solve-for")
        self.solve_what.addItem("price", "price")
        self.solve_what.addItem("down payment", "cash_down")
        self.solve_what.addItem("term", "term_months")
        self.target.setAccessibleName("Target payment")
        self.target.returnPressed.connect(self.solve)  # Enter in the target solves
        solve_button = QPushButton("S&olve (finance)")
        solve_button.clicked.connect(self.solve)
        self.message = named(QLabel(), "desk-message")
        self.save_button = named(QPushButton("Save scenario"), "save-scenario")
        self.save_button.setToolTip("Ctrl+S")
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.clicked.connect(self.save_scenario)
        self.submit_button = named(QPushButton("Su&bmit to manager"), "submit-deal")
        self.submit_button.clicked.connect(self.submit)
        self.submit_button.setEnabled(ctx.principal.can(Permission.DEALS_SUBMIT))
        actions = QHBoxLayout()
        target_label = QLabel("&Target")
        target_label.setBuddy(self.target)
        actions.addWidget(target_label)
        actions.addWidget(self.target)
        actions.addWidget(QLabel("solve for"))
        actions.addWidget(self.solve_what)
        actions.addWidget(solve_button)
        actions.addStretch(1)
        actions.addWidget(self.message)
        actions.addWidget(self.save_button)
        actions.addWidget(self.submit_button)

        right = QVBoxLayout()
        right.addLayout(cards)
        right.addWidget(self.advice)
        right.addWidget(tabs, 1)
        right.addLayout(actions)
        body = QGridLayout()
        body.addWidget(scroll, 0, 0)
        body.addLayout(right, 0, 1)
        body.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Desk</h2>"))
        layout.addLayout(picks)
        layout.addLayout(body, 1)

        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.recompute)
        # Focused when the screen opens: a deal starts with who is buying.
        self.search = self.customer_box.lineEdit()

    # --- data in ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Fill the pickers (called when the page is shown)."""
        if self.customer_box.count() == 0:
            for customer in self.customers.search("", limit=5000):
                self.customer_box.addItem(
                    f"{customer.full_name} — {customer.city or ''} {customer.state or ''}", customer
                )
            self.customer_box.setCurrentIndex(-1)
        if self.vehicle_box.count() == 0:
            for vehicle in self.inventory.find(InventoryFilter()):
                self.vehicle_box.addItem(
                    f"{vehicle.stock_number} · {vehicle.model_year} {vehicle.make} {vehicle.model} · "
                    f"{money(vehicle.price)}",
                    vehicle,
                )
            self.vehicle_box.setCurrentIndex(-1)
        self.schedule()

    def _customer_picked(self, index: int) -> None:
        customer = self.customer_box.itemData(index)
        if isinstance(customer, Customer):
            self.use_customer(customer)

    def _vehicle_picked(self, index: int) -> None:
        vehicle = self.vehicle_box.itemData(index)
        if isinstance(vehicle, Vehicle):
            self.use_vehicle(vehicle)

    def use_customer(self, customer: Customer) -> None:
        self.current_customer = customer
        self._show_picked(self.customer_box, customer.id)
        self.deal = None
        zip5 = (customer.zip or "")[:5]
        for name, value in (
            ("customer.state", customer.state),
            ("customer.zip", zip5),
            ("customer.county", customer.county),
            ("customer.city", customer.city),
        ):
            self._put(name, value or "")
        self.schedule()

    def use_vehicle(self, vehicle: Vehicle) -> None:
        self.current_vehicle = vehicle
        self._show_picked(self.vehicle_box, vehicle.id)
        self.deal = None
        self._put("vehicle.price", str(vehicle.price))
        self._put("vehicle.condition", vehicle.condition)
        self._put("vehicle.taxable_horsepower", "")
        self._put("vehicle.combined_mpg", "")
        self.worksheet.set("vehicle.model_year", str(vehicle.model_year or ""))
        self.worksheet.set("vehicle.weight_lbs", str(vehicle.weight_lbs or ""))
        self.worksheet.set("vehicle.city_mpg", str(vehicle.city_mpg or ""))
        self.worksheet.set("vehicle.msrp", str(vehicle.msrp or ""))
        self.worksheet.set("vehicle.fuel", vehicle.fuel or "")
        self.schedule()

    @staticmethod
    def _show_picked(box: QComboBox, row_id: str) -> None:
        for index in range(box.count()):
            item = box.itemData(index)
            if getattr(item, "id", None) == row_id:
                box.setCurrentIndex(index)
                return

    def _put(self, name: str, value: str) -> None:
        self.worksheet.set(name, value)
        self.fields[name].edit.setText(value)

    def _edited(self, name: str, text: str) -> None:
        self.worksheet.set(name, text)
        self.schedule()

    def set_field(self, name: str, text: str) -> None:
        """Type into a field as a user would (used by keyboard shortcuts and tests)."""
        self.fields[name].edit.setText(text)
        self._edited(name, text)

    def schedule(self) -> None:
        self._pending.start()

    # --- results out -----------------------------------------------------------------------------

    def recompute(self) -> None:
        result = self.worksheet.compute()
        self.result = result
        for name, widget in self.fields.items():
            widget.show_error(result.errors.get(name))
        self._render_cards(result)
        self._render_grids(result)
        self._render_explain(result)
        self._render_advice(result)
        self.recomputed.emit()

    def _render_advice(self, result: DeskResult) -> None:
        if self.current_customer is None:
            self.advice.setText(
                "Pick a customer to see advice on their segment and the deal structure to try."
            )
            return
        if result.errors:
            self.advice.setText("Advice returns once the highlighted fields are fixed.")
            return
        try:
            advice = self.advisor.advise(
                self.current_customer, self.worksheet.values, result.quotes.get("finance")
            )
        except ValueError as exc:  # advice is optional: numbers the engines refuse only hide it
            self.advice.setText(f"No advice for these numbers ({exc}).")
            return
        who, structure = advice.lines()
        self.advice.setText(
            f"<b>Advice</b> (from this dealership's history; you decide): {who}<br>{structure}"
        )

    def _render_cards(self, result: DeskResult) -> None:
        cash = result.quotes.get("cash")
        card = self.cards["cash"]
        if cash:
            card.headline.setText(money(cash["cash"]["total_due"]))
            card.detail.setText(
                f"Out the door<br>Tax {money(cash['taxes']['total'])}<br>Fees {money(cash['fees']['total'])}"
            )
        else:
            card.headline.setText("—")
            card.detail.setText("")
        finance = result.quotes.get("finance")
        card = self.cards["finance"]
        if finance:
            f = finance["finance"]
            card.headline.setText(f"{money(f['monthly_payment'])}/mo")
            card.detail.setText(
                f"{f['term_months']} months at {f['apr_percent']}% APR<br>"
                f"Amount financed {money(f['amount_financed'])}<br>"
                f"Finance charge {money(f['finance_charge'])}<br>"
                f"Total of payments {money(f['total_of_payments'])}"
            )
        else:
            card.headline.setText("—")
            card.detail.setText("")
        lease = result.quotes.get("lease")
        card = self.cards["lease"]
        if lease:
            ls = lease["lease"]
            card.headline.setText(f"{money(ls['monthly_payment'])}/mo")
            card.detail.setText(
                f"Base {money(ls['base_monthly_payment'])} + tax {money(ls['monthly_tax'])}<br>"
                f"Due at signing {money(ls['due_at_signing'])}<br>Residual {money(ls['residual_value'])}"
            )
        else:
            card.headline.setText("—")
            card.detail.setText("")

    def _render_grids(self, result: DeskResult) -> None:
        grid = result.grid
        finance: dict[tuple[Decimal, int], Decimal] = {}
        lease: dict[tuple[Decimal, int], Decimal] = {}
        if grid is not None:
            # The grid's first rate / money factor is the one on the form.
            finance = {
                (c.cash_down, c.term_months): c.monthly_payment
                for c in grid.finance
                if grid.rates and c.apr == grid.rates[0]
            }
            lease = {
                (c.cash_down, c.term_months): c.monthly_payment
                for c in grid.lease
                if grid.money_factors and c.money_factor == grid.money_factors[0]
            }
        for table, payments in ((self.finance_grid, finance), (self.lease_grid, lease)):
            table.clear()
            if grid is None or not payments:
                table.setRowCount(0)
                table.setColumnCount(0)
                continue
            table.setRowCount(len(grid.down_payments))
            table.setColumnCount(len(grid.terms))
            table.setHorizontalHeaderLabels([f"{t} mo" for t in grid.terms])
            table.setVerticalHeaderLabels([f"{money(d)} down" for d in grid.down_payments])
            for (down, term), payment in payments.items():
                item = QTableWidgetItem(money(payment))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(grid.down_payments.index(down), grid.terms.index(term), item)

    def _render_explain(self, result: DeskResult) -> None:
        quote = result.quotes.get("finance") or result.quotes.get("cash")
        if quote is None:
            self.explain.setHtml("<p>Fix the highlighted fields to see the taxes.</p>")
            self.four_square.setText("")
            return
        jurisdiction = quote["jurisdiction"]
        rows = "".join(
            f"<tr><td>{escape(c['name'])}</td><td align=right>{Decimal(c['rate']) * 100:.3f}%</td>"
            f"<td align=right>{money(c['base'])}</td><td align=right>{money(c['amount'])}</td></tr>"
            for c in quote["taxes"]["components"]
        )
        fees = "".join(
            f"<tr><td>{escape(i['code'])}</td><td align=right>{money(i['amount'])}</td></tr>"
            for i in quote["fees"]["items"]
        )
        steps = "".join(f"<li>{escape(step)}</li>" for step in quote["explain"])
        warnings = "".join(f"<li style='color:#b26a00'>{escape(w)}</li>" for w in quote["warnings"])
        self.explain.setHtml(
            f"<h3>Tax {money(quote['taxes']['total'])} — {escape(quote['taxes']['method'])}</h3>"
            f"<p>Rates: {escape(jurisdiction['source'])}, rules {escape(jurisdiction['rules_version'])}</p>"
            "<table cellpadding=3><tr><th>Component</th><th>Rate</th><th>Base</th><th>Tax</th></tr>"
            f"{rows}</table>"
            f"<h3>Fees {money(quote['fees']['total'])}</h3><table cellpadding=3>{fees}</table>"
            + (f"<h3>Warnings</h3><ul>{warnings}</ul>" if warnings else "")
            + f"<h3>How it was worked out</h3><ol>{steps}</ol>"
        )
        finance = result.quotes.get("finance")
        if finance:
            v = self.worksheet.values
            equity = Decimal(v["trade_ins[0].allowance"] or 0) - Decimal(v["trade_ins[0].payoff"] or 0)
            payments = ""
            if result.grid:
                down = Decimal(v["cash_down"] or 0)
                payments = "<br>".join(
                    f"{c.term_months} mo: {money(c.monthly_payment)}"
                    for c in result.grid.finance
                    if c.cash_down == down and c.apr == result.grid.rates[0]
                )
            self.four_square.setText(
                "<table cellpadding=10 border=1><tr>"
                f"<td><b>Price</b><br>{money(v['vehicle.price'])}<br>Out the door "
                f"{money(finance['finance']['amount_financed'])} financed</td>"
                f"<td><b>Trade</b><br>Allowance {money(v['trade_ins[0].allowance'] or 0)}<br>"
                f"Payoff {money(v['trade_ins[0].payoff'] or 0)}<br>Equity {money(equity)}</td></tr><tr>"
                f"<td><b>Down</b><br>{money(v['cash_down'] or 0)}</td>"
                f"<td><b>Payments</b><br>{payments}</td></tr></table>"
            )

    # --- actions ---------------------------------------------------------------------------------

    def solve(self) -> None:
        try:
            solution = self.worksheet.solve("finance", self.target.text(), self.solve_what.currentData())
        except CalcInputError as exc:
            self.message.setText(f"Can't solve: {exc.message}")
            return
        if solution.solved_for == "price":
            self.set_field("vehicle.price", str(solution.value))
        elif solution.solved_for == "cash_down":
            self.set_field("cash_down", str(solution.value))
        else:
            self.set_field("finance.term_months", str(int(solution.value)))
        self.message.setText(f"Payment {money(solution.monthly_payment)} meets the target")

    def _ensure_deal(self) -> Deal:
        customer, vehicle = self.current_customer, self.current_vehicle
        if customer is None:
            raise ValidationError("customer_id", "pick a customer first")
        if self.deal is None:
            self.deal = self.deals.create(
                customer.id, vehicle_id=vehicle.id if vehicle else None, deal_type="finance"
            )
        return self.deal

    def save_scenario(self) -> None:
        result = self.result or self.worksheet.compute()
        if result.errors:
            self.message.setText("Fix the highlighted fields before saving")
            return
        try:
            deal = self._ensure_deal()
            count = len(self.deals.scenarios(deal.id))
            scenario = self.deals.save_scenario(
                deal.id,
                name=f"Desk {count + 1}",
                deal_type="finance",
                inputs=self.worksheet.request("finance"),  # the calc contract: re-quotable as saved
                quote=result.quotes.get("finance"),
            )
        except AppError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"Saved {scenario.name} on deal {deal.deal_number}")

    def submit(self) -> None:
        if self.deal is None:
            self.save_scenario()
        if self.deal is None:
            return
        try:
            deal = self.deals.submit(self.deal.id)
        except AppError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"Deal {deal.deal_number} submitted for approval")

"""Lender defaults published from the admin screen reach every desk of the dealership through sync.

Desks are signed in to the real sync service as real users (password, then TOTP for the
administrator) with their own store and sync engine, as the app runs them; the server is read back
through its own admin API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.desk import FIELDS, worksheet_for
from app.runtime import AppContext
from app.services.administration import AdministrationService, Mode, administration_for
from app.services.settings import flatten
from app.services.settings_server import parse_server_entries, server_entries
from app.store.database import Actor
from app.store.models import Dealership
from sync.client.admin_api import AdminApi, settings_from_json, settings_to_json
from sync.client.admin_api import ServerSettings as PublishedSettings  # the fixtures export a ServerSettings
from tests.server.fixtures import *  # noqa: F403
from tests.server.fixtures import SignedIn, TenantHandle
from tests.ui.signed_in_desk import *  # noqa: F403
from ui.pages.admin import AdminPage
from ui.pages.admin_settings import SettingsTab
from ui.pages.desk import DeskPage

LENDER = "Hill Country Credit Union"


def _synced(ctx: AppContext) -> dict[str, Any]:
    """Run a sync round now and return the dealership settings this desk then holds."""
    assert ctx.connection is not None and ctx.connection.engine is not None
    ctx.connection.engine.sync_once()
    with ctx.store.session(Actor(ctx.principal.tenant_id, None, "test"), capture_changes=False) as session:
        dealership = session.get(Dealership, ctx.principal.tenant_id)
        assert dealership is not None
        return dict(dealership.settings or {})


def _server_settings(tenant: TenantHandle) -> dict[str, Any]:
    answer = tenant.api.get("/admin/settings", headers=tenant.admin.headers)
    assert answer.status_code == 200, answer.text
    settings: dict[str, Any] = answer.json()["settings"]
    return settings


_open_pages: list[AdminPage] = []  # a tab lives only as long as its page: keep each page for its test


@pytest.fixture(autouse=True)
def _release_pages() -> Iterator[None]:
    yield
    _open_pages.clear()


def _settings_tab(qtbot: QtBot, ctx: AppContext, service: AdministrationService | None = None) -> SettingsTab:
    page = AdminPage(ctx, service)
    qtbot.addWidget(page)
    _open_pages.append(page)
    page.show()
    page.refresh()
    assert page.settings is not None
    page.tabs.setCurrentWidget(page.settings)
    return page.settings


def _publish(qtbot: QtBot, tab: SettingsTab) -> None:
    for button in (tab.save_button, tab.confirm_button):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not tab.work.busy, timeout=15_000)


def test_lender_defaults_published_by_the_admin_start_the_quote_on_another_desk(
    qtbot: QtBot, make_tenant: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant: TenantHandle = make_tenant()
    admin_desk = sign_in_desk(tenant.admin)
    tab = _settings_tab(qtbot, admin_desk)
    assert tab.editable
    tab.set_value("default_apr", "0.0549")
    tab.set_value("default_term_months", "60")
    tab.set_value("lender", f"  {LENDER} ")
    _publish(qtbot, tab)
    assert tab.message.text().startswith("Published"), tab.message.text() + tab.error.text()

    on_server = _server_settings(tenant)
    assert (on_server["default_apr"], on_server["default_term_months"], on_server["lender"]) == (
        "0.0549",
        60,
        LENDER,
    )
    shown = dict(tab.pairs())  # what the server answered, as the editor shows it
    assert (shown["default_apr"], shown["default_term_months"], shown["lender"]) == ("0.0549", "60", LENDER)

    # A second desk of the dealership, a salesperson's, receives them on its next sync.
    seller_desk = sign_in_desk(tenant.create_user(["salesperson"]))
    pulled = _synced(seller_desk)
    assert (pulled["default_apr"], pulled["default_term_months"], pulled["lender"]) == ("0.0549", 60, LENDER)

    # Its desk starts from them: the fields show them and the default quote is made with them.
    desk = DeskPage(seller_desk)
    qtbot.addWidget(desk)
    desk.show()
    desk.refresh()
    assert desk.fields["finance.apr_percent"].edit.text() == "5.49"
    assert desk.fields["finance.term_months"].edit.text() == "60"
    assert (FIELDS["finance.apr_percent"], FIELDS["finance.term_months"]) != ("5.49", "60")  # not by chance

    sheet = worksheet_for(seller_desk.store, seller_desk.principal)
    sheet.set("vehicle.price", "28500")
    sheet.set("customer.state", "TX")
    finance = sheet.compute(with_grid=False).quotes["finance"]["finance"]
    assert Decimal(finance["apr"]) == Decimal("0.0549") and finance["term_months"] == 60
    # The payment is the one the engine gives for those terms typed by hand, not the built-in defaults'.
    typed = worksheet_for(seller_desk.store, seller_desk.principal)
    typed.load({"vehicle.price": "28500", "customer.state": "TX"})
    typed.load({"finance.apr_percent": FIELDS["finance.apr_percent"], "finance.term_months": "72"})
    built_in = typed.compute(with_grid=False).quotes["finance"]["finance"]["monthly_payment"]
    typed.load({"finance.apr_percent": "5.49", "finance.term_months": "60"})
    by_hand = typed.compute(with_grid=False).quotes["finance"]["finance"]["monthly_payment"]
    assert finance["monthly_payment"] == by_hand != built_in


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("default_apr", "5.49", "0.0549"),  # a percentage typed where a fraction belongs
        ("default_apr", "0.40", "0.36"),
        ("default_apr", "0.05495", "4 decimal places"),
        ("default_term_months", "120", "between 1 and 96"),
        ("default_term_months", "60.5", "not a whole number"),
        ("lender", "   ", "required"),
    ],
)
def test_a_bad_lender_default_is_marked_and_nothing_is_published(
    qtbot: QtBot,
    make_tenant: Any,
    sign_in_desk: Callable[[SignedIn], AppContext],
    key: str,
    value: str,
    words: str,
) -> None:
    tenant: TenantHandle = make_tenant()
    tab = _settings_tab(qtbot, sign_in_desk(tenant.admin))
    before = _server_settings(tenant)
    tab.set_value("doc_fee", "199")
    tab.set_value(key, value)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.work.busy, timeout=15_000)
    assert tab.error.isVisible() and tab.error.text().startswith(f"{key}:"), tab.error.text()
    assert words in tab.error.text()
    assert not tab.confirm.isVisible()
    assert [tab.table.item(r, 0).text() for r in tab.error_rows()] == [key]  # type: ignore[union-attr]
    assert dict(tab.pairs())[key] == value  # kept for correcting
    assert _server_settings(tenant) == before


def test_signed_in_but_offline_the_read_only_view_lists_every_setting_the_server_holds(
    qtbot: QtBot, make_tenant: Any, sign_in_desk: Callable[[SignedIn], AppContext]
) -> None:
    tenant: TenantHandle = make_tenant()
    profile = tenant.api.get("/admin/settings", headers=tenant.admin.headers).json()
    profile["settings"] = {
        "doc_fee": "249.00",
        "default_apr": "0.0649",
        "default_term_months": 72,
        "lender": LENDER,
        "default_lease_miles_per_year": 12000,
        "offline_grace_hours": 48,
        "tax_overrides": [
            {
                "state": "TX",
                "county": "TRAVIS",
                "source": "comptroller 2026",
                "rates": [{"level": "state", "rate": "0.0625"}, {"level": "county", "rate": "0.02"}],
            },
            {"state": "OK", "zip": "74103", "rates": [{"level": "special", "rate": "0.0852"}]},
        ],
        "fee_overrides": [
            {"code": "title", "amount": "33.00", "state": "TX"},
            {"code": "other", "amount": "12.50", "name": "smog"},
        ],
    }
    put = tenant.api.put("/admin/settings", json=profile, headers=tenant.admin.headers)
    assert put.status_code == 200, put.text

    ctx = sign_in_desk(tenant.admin)
    online = _settings_tab(qtbot, ctx)
    assert online.editable
    from_server = online.pairs()
    _synced(ctx)

    # The server stops answering: the screen falls back to the copy this desk last synced.
    assert ctx.connection is not None
    dead = httpx.Client(base_url="http://127.0.0.1:9", timeout=0.5)
    offline = AdministrationService(
        ctx.store, ctx.principal, AdminApi(dead, ctx.connection.auth.token_source()), local=False
    )
    tab = _settings_tab(qtbot, ctx, offline)
    assert not tab.editable and tab.buttons.isHidden()
    assert "cannot be reached" in tab.note.text()
    assert tab.pairs() == from_server
    assert dict(tab.pairs()) == {
        "doc_fee": "249.00",
        "default_apr": "0.0649",
        "default_term_months": "72",
        "lender": LENDER,
        "lease_miles_per_year": "12000",
        "offline_grace_hours": "48",
        "tax_rate.TX/TRAVIS": "0.0825",
        "tax_rate.OK/74103": "0.0852",
        "fee.title/TX": "33.00",
        "fee.smog": "12.50",
    }
    dead.close()

    # Without a connection at all (unlocked offline) it is the same copy, read-only.
    unlocked = administration_for(
        AppContext(ctx.settings, ctx.store, ctx.principal, ctx.display_name, ctx.dealership)
    )
    assert unlocked.mode is Mode.READ_ONLY
    listing = unlocked.settings()
    assert not listing.editable and [(e.key, e.value) for e in listing.rows] == from_server


# ---------------------------------------------------------------- the editor's rows, without a server


def test_lender_rows_become_the_servers_fields_and_read_back_the_same() -> None:
    rows = {
        "default_apr": "0.054900",
        "default_term_months": "60",
        "lender": "  Hill  Country   Credit Union ",
    }
    settings = parse_server_entries(rows, PublishedSettings())
    assert (settings.default_apr, settings.default_term_months, settings.lender) == (
        Decimal("0.0549"),
        60,
        LENDER,
    )
    wire = settings_to_json(settings)
    assert (wire["default_apr"], wire["default_term_months"], wire["lender"]) == ("0.0549", 60, LENDER)
    assert settings_from_json(wire) == settings
    shown = {e.key: e.value for e in server_entries(settings)}
    assert shown == {"default_apr": "0.0549", "default_term_months": "60", "lender": LENDER}
    assert parse_server_entries(shown, settings) == settings


def test_a_stored_override_this_version_cannot_read_is_shown_as_stored_not_hidden() -> None:
    stored = {
        "doc_fee": "199.00",
        "lender": LENDER,
        "tax_overrides": [{"state": "TX", "rates": [{"level": "galactic", "rate": "0.07"}]}],
        "fee_overrides": [],
    }
    shown = {e.key: e.value for e in flatten(stored)}
    assert shown["doc_fee"] == "199.00" and shown["lender"] == LENDER
    assert "galactic" in shown["tax_overrides"]

"""Dealership settings: the defaults the desk starts from and the dealership's tax-rate and fee overrides.

Stored in ``Dealership.settings`` (JSON). The admin screen edits them as flat key/value text pairs;
this service is where each pair is checked and turned into the stored shape:

- ``doc_fee``: amount in dollars and cents (``"150.00"``)
- ``default_apr``: annual rate as a fraction (``"0.0699"`` is 6.99 %)
- ``default_term_months``: whole months, 12 to 96
- ``lender``: the default lender's name
- ``tax_rate.<JURISDICTION>``: a rate fraction that replaces the published one, e.g. ``tax_rate.TX`` or
  ``tax_rate.TX/TRAVIS COUNTY`` (stored under ``tax_rate_overrides``)
- ``fee.<name>``: a fixed fee amount, e.g. ``fee.title`` (stored under ``fee_overrides``)

Money and rates are stored as Decimal text so nothing is lost to binary floats. Stored keys this
editor does not know (written by a newer version) are kept as they are.

On a signed-in desk the stored settings are the server's, pulled with the dealership row, in the
server's shape (``DealershipSettings`` in its OpenAPI: tax and fee overrides as lists, lease miles,
offline grace hours, and the same ``doc_fee`` / ``default_apr`` / ``default_term_months`` / ``lender``
keys the desk reads). :func:`flatten` reads either shape, so the read-only view of a desk that cannot
reach the server shows every setting the server holds, under the keys the signed-in editor uses.

The dealership row is owned by the sync server (a pushed change to it is refused). The admin screen
therefore saves through :mod:`app.services.administration`: in the demo, which has no server, with this
service (saved locally like any other change); signed in, straight to the server's admin API in the
server's own settings shape (:mod:`app.services.settings_server`), the local copy arriving by pull.
A caller that wants the local copy updated as soon as the server took a change passes ``publish``: it
is called with the new settings inside the transaction, and a refusal rolls the local save back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFoundError, ValidationError
from app.policy import Permission, Principal
from app.services import fields
from app.services.base import Service
from app.store.database import Store
from app.store.models import Dealership
from sync.client.admin_wire import (
    FEE_CODES,
    FeeCode,
    FeeOverride,
    TaxLevel,
    TaxOverride,
    TaxRate,
    settings_from_json,
)
from sync.client.errors import ProtocolError

TAX_RATE_PREFIX = "tax_rate."
FEE_PREFIX = "fee."
_NESTED = {TAX_RATE_PREFIX: "tax_rate_overrides", FEE_PREFIX: "fee_overrides"}
_PLAIN_KEYS = ("doc_fee", "default_apr", "default_term_months", "lender")
_MAX_FEE = Decimal("100000")
_MAX_APR = Decimal("0.40")  # above every state's usury ceiling for vehicle credit
_MAX_TAX_RATE = Decimal("0.20")
# The server's settings the desk's own editor has no field for, by the editor's key.
_SERVER_PLAIN_KEYS = {
    "lease_miles_per_year": "default_lease_miles_per_year",
    "offline_grace_hours": "offline_grace_hours",
}
_SERVER_LISTS = ("tax_overrides", "fee_overrides")
_SUFFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _/.-]{0,59}$")


@dataclass(frozen=True, slots=True)
class SettingEntry:
    key: str
    value: str


def _rate(value: str, key: str, maximum: Decimal) -> str:
    rate = fields.rate(value, key, strip_percent_sign=True)
    if rate > maximum:
        # The common slip is typing a percentage: say what was probably meant.
        raise ValidationError(key, f"must be a fraction at most {maximum} (write {rate / 100} for {rate}%)")
    return str(rate)


def _money(value: str, key: str) -> str:
    amount = fields.money(value, key, maximum=_MAX_FEE)
    assert amount is not None
    return str(amount.quantize(Decimal("0.01")))


def _term(value: str, key: str) -> int:
    months = fields.integer(value, key, minimum=12, maximum=96)
    assert months is not None
    return months


def _suffix(key: str, prefix: str) -> str:
    suffix = key[len(prefix) :].strip()
    if not _SUFFIX.match(suffix):
        raise ValidationError(key, f"needs a name after {prefix!r} (letters, digits, spaces, / . - _)")
    return suffix.upper() if prefix == TAX_RATE_PREFIX else suffix.lower()


def parse_entries(entries: Mapping[str, str], keep: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings for the editor's pairs; ``keep`` supplies stored keys the editor does not show."""
    result: dict[str, Any] = {
        key: value for key, value in keep.items() if key not in _PLAIN_KEYS and key not in _NESTED.values()
    }
    tax: dict[str, str] = {}
    fees: dict[str, str] = {}
    for raw_key, raw_value in entries.items():
        key = raw_key.strip()
        value = (raw_value or "").strip()
        if key == "doc_fee":
            result[key] = _money(value, key)
        elif key == "default_apr":
            result[key] = _rate(value, key, _MAX_APR)
        elif key == "default_term_months":
            result[key] = _term(value, key)
        elif key == "lender":
            result[key] = fields.required_text(value, key, max_length=200)
        elif key.startswith(TAX_RATE_PREFIX):
            name = _suffix(key, TAX_RATE_PREFIX)
            if name in tax:
                raise ValidationError(key, "is listed twice")
            tax[name] = _rate(value, key, _MAX_TAX_RATE)
        elif key.startswith(FEE_PREFIX):
            name = _suffix(key, FEE_PREFIX)
            if name in fees:
                raise ValidationError(key, "is listed twice")
            fees[name] = _money(value, key)
        else:
            raise ValidationError(
                key or "key",
                "is not a dealership setting (use doc_fee, default_apr, default_term_months, lender, "
                "tax_rate.<STATE or STATE/COUNTY> or fee.<name>)",
            )
    if tax:
        result["tax_rate_overrides"] = tax
    if fees:
        result["fee_overrides"] = fees
    return result


def tax_key(override: TaxOverride) -> str:
    """The editor's key for one of the server's tax overrides: ``tax_rate.ST[/COUNTY[/CITY]]`` or ``/ZIP``."""
    if override.zip:
        return f"{TAX_RATE_PREFIX}{override.state}/{override.zip}"
    parts = [override.state, override.county, override.city]
    return TAX_RATE_PREFIX + "/".join(p for p in parts if p)


def fee_key(fee: FeeOverride) -> str:
    """The editor's key for one of the server's fees: ``fee.<code or name>[/ST]``."""
    name = fee.name.lower() if fee.code == "other" and fee.name else fee.code
    return FEE_PREFIX + name + (f"/{fee.state}" if fee.state else "")


def combined_rate(override: TaxOverride) -> Decimal:
    return sum((r.rate for r in override.rates), Decimal(0))


def _server_lists(settings: Mapping[str, Any]) -> list[SettingEntry]:
    """Entries for the server-shaped parts: overrides as lists, lease miles, offline grace hours."""
    entries: list[SettingEntry] = []
    for key, stored in _SERVER_PLAIN_KEYS.items():
        if settings.get(stored) is not None:
            entries.append(SettingEntry(key, str(settings[stored])))
    lists = {k: v for k, v in settings.items() if k in _SERVER_LISTS and isinstance(v, list)}
    if not lists:
        return entries
    try:
        parsed = settings_from_json(lists)
    except (ProtocolError, KeyError, TypeError, ValueError, AttributeError):
        # A row this version cannot read is still shown, as stored, rather than hidden.
        return entries + [SettingEntry(k, str(v)) for k, v in sorted(lists.items())]
    entries.extend(
        sorted((SettingEntry(tax_key(o), str(combined_rate(o))) for o in parsed.tax_overrides), key=_by_key)
    )
    entries.extend(
        sorted((SettingEntry(fee_key(f), str(f.amount)) for f in parsed.fee_overrides), key=_by_key)
    )
    return entries


def _by_key(entry: SettingEntry) -> str:
    return entry.key


def flatten(settings: Mapping[str, Any]) -> list[SettingEntry]:
    """The stored settings, in the desk's or the server's shape, as the editor's pairs in a stable order."""
    entries = [SettingEntry(key, str(settings[key])) for key in _PLAIN_KEYS if settings.get(key) is not None]
    entries.extend(_server_lists(settings))
    for prefix, stored in _NESTED.items():
        nested = settings.get(stored)
        if isinstance(nested, dict):
            entries.extend(SettingEntry(prefix + name, str(nested[name])) for name in sorted(nested))
    return entries


Publish = Callable[[dict[str, Any]], None]


class SettingsService(Service):
    def __init__(self, store: Store, principal: Principal, publish: Publish | None = None) -> None:
        super().__init__(store, principal)
        self.publish = publish

    def entries(self) -> list[SettingEntry]:
        with self.unit_of_work(Permission.ADMIN_SETTINGS) as session:
            return flatten(self._dealership(session).settings or {})

    def save(self, entries: Mapping[str, str]) -> list[SettingEntry]:
        """Replace editable settings by ``entries``: a bad pair raises naming its key; nothing saved."""
        self.principal.require(Permission.ADMIN_SETTINGS)
        # Published settings arrive back on the next pull: the local copy must not be pushed as well.
        with self.store.session(self.actor, capture_changes=self.publish is None) as session:
            dealership = self._dealership(session)
            stored = parse_entries(entries, dealership.settings or {})
            if self.publish is not None:
                self.publish(stored)  # raises if the server refuses: the transaction rolls back
            # A new dict, not an in-place edit: the JSON column only notices a replaced value.
            dealership.settings = stored
            return flatten(stored)

    def _dealership(self, session: Session) -> Dealership:
        dealership: Dealership | None = session.scalars(select(Dealership)).first()
        if dealership is None:
            raise NotFoundError("dealership", self.principal.tenant_id)
        return dealership


@dataclass(frozen=True, slots=True)
class Overrides:
    """The dealership's tax and fee overrides, read from either stored shape.

    ``problems`` names each stored override that could not be read (by its editor key where it has one);
    such an entry is left out, so a caller falls back to the published rates and state fees for it.
    """

    tax: tuple[TaxOverride, ...] = ()
    fees: tuple[FeeOverride, ...] = ()
    problems: tuple[str, ...] = ()


_LOCAL_TAX_LEVELS: tuple[TaxLevel, ...] = ("state", "county", "city")


def _local_tax(name: str, value: object) -> TaxOverride:
    """A demo-shape pair (``TX/TRAVIS COUNTY`` -> ``"0.0825"``) as the server would hold it: one combined
    rate at the level of the most specific place named (``special`` for a ZIP), as the signed-in editor
    publishes the same key (:mod:`app.services.settings_server`)."""
    parts = [p.strip().upper() for p in name.split("/")]
    if len(parts[0]) != 2 or not parts[0].isalpha() or len(parts) > 3 or not all(parts):
        raise ValueError("needs a two-letter state, then optionally /COUNTY[/CITY] or /ZIP")
    rate = Decimal(str(value))  # InvalidOperation (an ArithmeticError) names nothing: the caller does
    state, places = parts[0], parts[1:]
    if len(places) == 1 and places[0].isdigit() and len(places[0]) == 5:
        return TaxOverride(state=state, zip=places[0], rates=(TaxRate("special", rate),))
    return TaxOverride(
        state=state,
        county=places[0] if places else None,
        city=places[1] if len(places) > 1 else None,
        rates=(TaxRate(_LOCAL_TAX_LEVELS[len(places)], rate),),
    )


def _local_fee(name: str, value: object) -> FeeOverride:
    fee, _, state = name.strip().lower().partition("/")
    amount = Decimal(str(value))
    if fee in FEE_CODES and fee != "other":
        return FeeOverride(code=cast(FeeCode, fee), amount=amount, state=state.upper() or None)
    return FeeOverride(code="other", amount=amount, state=state.upper() or None, name=fee)


def overrides(settings: Mapping[str, Any]) -> Overrides:
    """The stored tax and fee overrides, server lists and demo pairs alike; unreadable ones as problems."""
    tax: list[TaxOverride] = []
    fees: list[FeeOverride] = []
    problems: list[str] = []
    for list_key in _SERVER_LISTS:
        rows = settings.get(list_key)
        if not isinstance(rows, list):
            continue
        for i, row in enumerate(rows):
            try:  # one row at a time, so one bad row does not hide the good ones
                parsed = settings_from_json({list_key: [row]})
            except (ProtocolError, KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
                problems.append(f"{list_key}[{i}] {row!r} cannot be read")
                continue
            tax.extend(parsed.tax_overrides)
            fees.extend(parsed.fee_overrides)
    readers: tuple[tuple[str, str, Callable[[str, object], Any], list[Any]], ...] = (
        ("tax_rate_overrides", TAX_RATE_PREFIX, _local_tax, tax),
        ("fee_overrides", FEE_PREFIX, _local_fee, fees),
    )
    for stored, prefix, read, into in readers:
        nested = settings.get(stored)
        if nested is None or isinstance(nested, list):
            continue
        if not isinstance(nested, dict):
            problems.append(f"{stored} {nested!r} cannot be read")
            continue
        for name, value in nested.items():
            try:
                into.append(read(str(name), value))
            except ArithmeticError:
                problems.append(f"{prefix}{name} = {value!r} cannot be read (not a number)")
            except ValueError as exc:
                problems.append(f"{prefix}{name} = {value!r} cannot be read ({exc})")
    return Overrides(tuple(tax), tuple(fees), tuple(problems))

"""Dealership settings as the sync server keeps them, edited as the admin screen's key/value pairs.

The server's settings (``DealershipSettings`` in its OpenAPI) are shaped differently from the demo's
local ones (:mod:`app.services.settings`): tax overrides are a list of jurisdictions each with its
rates, fee overrides a list of coded fees. Signed in, the editor shows and publishes these keys:

- ``doc_fee``: dollars and cents
- ``tax_rate.<ST>``, ``tax_rate.<ST>/<COUNTY>``, ``tax_rate.<ST>/<COUNTY>/<CITY>`` or
  ``tax_rate.<ST>/<ZIP>``: the combined rate fraction used instead of the published rates there
- ``fee.<code>`` or ``fee.<code>/<ST>``: a fee amount; codes title, registration, plate, inspection,
  tire are the server's own, any other name is sent as an ``other`` fee carrying that name
- ``lease_miles_per_year`` (5,000 to 30,000) and ``offline_grace_hours`` (0 to 720)
- lender defaults, which the desk starts a finance quote from: ``default_apr`` (a fraction from 0 to
  0.36 in at most 4 decimal places, ``0.0549`` is 5.49 %), ``default_term_months`` (whole months, 1 to
  96) and ``lender`` (a name of 1 to 100 characters); the same bounds the server checks

An edited override becomes one rate at the level of the most specific place named. An override the
server already had and whose key and combined rate are unchanged is sent back exactly as it was, so
detail this editor cannot show (a state/local split, a source, an effective date) is never lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from app.errors import ValidationError
from app.services import fields
from app.services.settings import (
    FEE_PREFIX,
    TAX_RATE_PREFIX,
    SettingEntry,
    combined_rate,
    fee_key,
    flatten,
    tax_key,
)
from sync.client.admin_wire import (
    FEE_CODES,
    FeeOverride,
    ServerSettings,
    TaxLevel,
    TaxOverride,
    TaxRate,
    settings_to_json,
)

_MAX_FEE = Decimal("1000000")  # the server's ceiling for any amount
_STATE = re.compile(r"^[A-Z]{2}$")
_ZIP = re.compile(r"^\d{5}$")
_PLACE = re.compile(r"^[A-Z0-9][A-Z0-9 .'-]{0,99}$")
_FEE_NAME = re.compile(r"^[a-z0-9][a-z0-9 _.-]{0,59}$")
# The server's bounds for the lender defaults (sync.server.admin.models.DealershipSettings).
MAX_DEFAULT_APR = Decimal("0.36")
APR_DECIMAL_PLACES = 4
MAX_DEFAULT_TERM_MONTHS = 96
MAX_LENDER_LENGTH = 100
KNOWN_KEYS_HELP = (
    "doc_fee, default_apr (fraction up to 0.36: 0.0549 = 5.49%), default_term_months (1 to 96), lender, "
    "tax_rate.<ST>[/<COUNTY>[/<CITY>]] or tax_rate.<ST>/<ZIP>, fee.<code>[/<ST>], lease_miles_per_year, "
    "offline_grace_hours"
)


def server_entries(settings: ServerSettings) -> list[SettingEntry]:
    """The server's settings as the editor's pairs, in a stable order (read as a synced desk reads them)."""
    return flatten(settings_to_json(settings))


def _rate(value: str, key: str) -> Decimal:
    rate = fields.rate(value, key)
    if rate >= 1:
        # The common slip is typing a percentage: say what was probably meant.
        raise ValidationError(key, f"must be a fraction below 1 (write {rate / 100} for {rate}%)")
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -8:
        raise ValidationError(key, "has more than 8 decimal places")
    return rate


def _tax_override(key: str, value: str) -> TaxOverride:
    parts = [p.strip().upper() for p in key[len(TAX_RATE_PREFIX) :].split("/")]
    state = parts[0]
    if not _STATE.match(state) or len(parts) > 3:
        raise ValidationError(key, "needs a two-letter state, then optionally /COUNTY[/CITY] or /ZIP")
    rate = _rate(value, key)
    if len(parts) == 2 and _ZIP.match(parts[1]):
        return TaxOverride(state=state, zip=parts[1], rates=(TaxRate("special", rate),))
    places = parts[1:]
    if not all(_PLACE.match(p) for p in places):
        raise ValidationError(key, "county and city names are letters, digits, spaces, . ' -")
    levels: tuple[TaxLevel, ...] = ("state", "county", "city")
    level = levels[len(places)]
    return TaxOverride(
        state=state,
        county=places[0] if places else None,
        city=places[1] if len(places) > 1 else None,
        rates=(TaxRate(level, rate),),
    )


def _fee_override(key: str, value: str) -> FeeOverride:
    name, _, state = key[len(FEE_PREFIX) :].strip().lower().partition("/")
    state = state.strip().upper()
    if not _FEE_NAME.match(name.strip()) or (state and not _STATE.match(state)):
        raise ValidationError(key, "needs a fee name after 'fee.', then optionally /ST (a two-letter state)")
    amount = fields.money(value, key, maximum=_MAX_FEE)
    if amount is None:
        raise ValidationError(key, "is required")
    amount = amount.quantize(Decimal("0.01"))
    name = name.strip()
    if name in FEE_CODES and name != "other":
        return FeeOverride(code=name, amount=amount, state=state or None)  # type: ignore[arg-type]
    return FeeOverride(code="other", amount=amount, state=state or None, name=name)


def _whole(value: str, key: str, minimum: int, maximum: int) -> int:
    number = fields.integer(value, key, minimum=minimum, maximum=maximum)
    assert number is not None
    return number


def _default_apr(value: str, key: str) -> Decimal:
    rate = _rate(value, key)
    if rate > MAX_DEFAULT_APR:
        # 5.49 typed for 5.49 % is refused by _rate; 0.49 is a fraction, but no desk starts there.
        raise ValidationError(key, f"must be a fraction from 0 to {MAX_DEFAULT_APR} (0.0549 is 5.49%)")
    rate = rate.normalize()  # 0.054900 is 0.0549: trailing zeros are not precision
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -APR_DECIMAL_PLACES:
        raise ValidationError(
            key, f"has more than {APR_DECIMAL_PLACES} decimal places (hundredths of a percent)"
        )
    return rate


def _lender(value: str, key: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationError(key, "is required")
    if len(name) > MAX_LENDER_LENGTH:
        raise ValidationError(key, f"is longer than {MAX_LENDER_LENGTH} characters")
    if any(ord(c) < 0x20 for c in name):
        raise ValidationError(key, "has control characters")
    return name


def parse_server_entries(entries: Mapping[str, str], previous: ServerSettings) -> ServerSettings:
    """The server settings for the editor's pairs: a bad pair raises naming its key, nothing is built."""
    # Keys typed are upper-cased; the server may hold "Travis": match without regard to case.
    kept_tax = {(tax_key(o).upper(), combined_rate(o)): o for o in previous.tax_overrides}
    doc_fee: Decimal | None = None
    miles: int | None = None
    grace: int | None = None
    apr: Decimal | None = None
    term: int | None = None
    lender: str | None = None
    taxes: dict[str, TaxOverride] = {}
    fees: dict[str, FeeOverride] = {}
    for raw_key, raw_value in entries.items():
        key = raw_key.strip()
        value = (raw_value or "").strip()
        if key == "doc_fee":
            amount = fields.money(value, key, maximum=_MAX_FEE)
            if amount is None:
                raise ValidationError(key, "is required")
            doc_fee = amount.quantize(Decimal("0.01"))
        elif key == "lease_miles_per_year":
            miles = _whole(value, key, 5000, 30000)
        elif key == "offline_grace_hours":
            grace = _whole(value, key, 0, 720)
        elif key.startswith(TAX_RATE_PREFIX):
            override = _tax_override(key, value)
            normal = tax_key(override)
            if normal in taxes:
                raise ValidationError(key, "is listed twice")
            taxes[normal] = kept_tax.get((normal.upper(), combined_rate(override)), override)
        elif key.startswith(FEE_PREFIX):
            fee = _fee_override(key, value)
            normal = fee_key(fee)
            if normal in fees:
                raise ValidationError(key, "is listed twice")
            fees[normal] = fee
        elif key == "default_apr":
            apr = _default_apr(value, key)
        elif key == "default_term_months":
            term = _whole(value, key, 1, MAX_DEFAULT_TERM_MONTHS)
        elif key == "lender":
            lender = _lender(value, key)
        else:
            raise ValidationError(key or "key", f"is not a dealership setting (use {KNOWN_KEYS_HELP})")
    return ServerSettings(
        doc_fee=doc_fee,
        tax_overrides=tuple(taxes.values()),
        fee_overrides=tuple(fees.values()),
        default_lease_miles_per_year=miles,
        offline_grace_hours=grace,
        default_apr=apr,
        default_term_months=term,
        lender=lender,
    )

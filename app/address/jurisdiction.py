"""Where a vehicle is taxed: state, county and city, defaulted from the ZIP and replaced by what the user
confirms. A ZIP is not a tax jurisdiction (ZIPs cross county and city lines, and a mailing city is often
not the municipality someone lives in), so the confirmed values win and the flags say which were confirmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.address.errors import AddressError
from app.address.normalize import Address
from app.address.zip_lookup import counties_in_state

_SPACES = re.compile(r"\s+")
_COUNTY_WORDS = ("COUNTY", "PARISH", "BOROUGH", "CENSUS AREA", "MUNICIPALITY", "MUNICIPIO", "CITY")


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """Input for the calc engine's jurisdiction lookup (its ``customer`` block: state, zip, county, city)."""

    state: str
    county: str | None
    city: str | None
    zip5: str
    county_confirmed: bool = False
    city_confirmed: bool = False


def tax_jurisdiction(address: Address, *, county: str | None = None, city: str | None = None) -> Jurisdiction:
    """The tax jurisdiction for a registration address.

    ``county`` / ``city``: what the user confirmed (e.g. picked on the deal); blank means not confirmed.
    A confirmed county must be one of the state's counties in the ZIP data (what
    :func:`counties_in_state` offers in a picker); it may omit the word COUNTY/PARISH/BOROUGH ("travis" ->
    "TRAVIS COUNTY"). Anything else raises :class:`AddressError` naming ``county``: a mistyped county
    would silently pick up the wrong local tax.
    """
    confirmed_county = _clean(county)
    confirmed_city = _clean(city)
    return Jurisdiction(
        state=address.state,
        county=_match_county(address.state, confirmed_county) if confirmed_county else address.county,
        city=confirmed_city or address.city,
        zip5=address.zip5,
        county_confirmed=confirmed_county is not None,
        city_confirmed=confirmed_city is not None,
    )


def _clean(text: str | None) -> str | None:
    cleaned = _SPACES.sub(" ", (text or "").replace(".", " ").upper()).strip()
    return cleaned or None


def _match_county(state: str, typed: str) -> str:
    known = counties_in_state(state)
    if typed in known:
        return typed
    for word in _COUNTY_WORDS:
        if f"{typed} {word}" in known:
            return f"{typed} {word}"
    raise AddressError("county", f"{typed!r} is not a county of {state} in the ZIP data")

"""A US postal address as typed -> one consistent, USPS-style form with its county."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.address.errors import AddressError
from app.address.states import state_code
from app.address.street import normalize_delivery_line, normalize_secondary_line
from app.address.zip_lookup import ZipInfo, lookup_zip, parse_zip

_NOT_LETTER_OR_DIGIT = re.compile(r"[^A-Z0-9 ]")
_SPACES = re.compile(r"\s+")
# Abbreviations people use in city names; USPS's preferred names spell them out ("SAINT LOUIS").
_CITY_WORDS = {"ST": "SAINT", "STE": "SAINTE", "FT": "FORT", "MT": "MOUNT", "PT": "POINT"}


@dataclass(frozen=True, slots=True)
class Address:
    """Normalised address, all upper case as USPS prints it.

    ``county`` comes from the ZIP (None where USPS data has none). ``city_matches_zip`` is False when the
    city typed is not a name USPS uses for that ZIP: kept as typed (people live in places USPS does not
    name), but worth a second look before it drives a tax jurisdiction.
    """

    line1: str
    line2: str | None
    city: str
    state: str
    zip5: str
    zip4: str | None
    county: str | None
    city_matches_zip: bool = True

    @property
    def zip(self) -> str:
        return f"{self.zip5}-{self.zip4}" if self.zip4 else self.zip5

    def lines(self) -> tuple[str, ...]:
        """The address as printed on an envelope or a contract."""
        last = f"{self.city} {self.state} {self.zip}"
        return (self.line1, self.line2, last) if self.line2 else (self.line1, last)


def normalize_address(line1: str, line2: str | None, city: str, state: str, zip: str) -> Address:
    """Normalise and check an address; raises :class:`AddressError` naming the first bad field
    (line1, city, state, zip), in form order. Nothing is guessed: an unknown ZIP is an error."""
    street = normalize_delivery_line(line1 or "")
    if not street:
        raise AddressError("line1", "the street address is missing")
    if not any(ch.isalpha() for ch in street):
        raise AddressError("line1", f"{line1.strip()!r} has no street name")
    second = normalize_secondary_line(line2) if line2 and line2.strip() else None

    typed_city = _SPACES.sub(" ", (city or "").replace(".", " ").upper()).strip()
    if not typed_city:
        raise AddressError("city", "the city is missing")
    if any(ch.isdigit() for ch in typed_city):
        raise AddressError("city", f"{city.strip()!r} is not a city name (it contains digits)")

    code = state_code(state)
    zip5, zip4 = parse_zip(zip)
    info = lookup_zip(zip5, state=code)
    canonical = _city_for_zip(typed_city, info)
    return Address(
        line1=street,
        line2=second or None,
        city=canonical or typed_city,
        state=code,
        zip5=zip5,
        zip4=zip4,
        county=info.county,
        city_matches_zip=canonical is not None,
    )


def _city_key(name: str) -> str:
    words = _NOT_LETTER_OR_DIGIT.sub(" ", name.upper().replace("-", " ")).split()
    return " ".join(_CITY_WORDS.get(w, w) for w in words)


def _city_for_zip(typed: str, info: ZipInfo) -> str | None:
    """The USPS spelling of the typed city if it is one of the ZIP's names, else None.

    An accepted alternative name ("RAMEY" for 00603) is kept; a name USPS does not deliver under
    ("MANHATTAN" for 10001) becomes the preferred city.
    """
    key = _city_key(typed)
    for name in (info.city, *info.acceptable_cities):
        if _city_key(name) == key:
            return name
    if any(_city_key(name) == key for name in info.other_names):
        return info.city
    return None

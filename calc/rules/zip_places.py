"""ZIP code to county and city, so a quote with only the buyer's ZIP still finds its local rates.

Uses the ``zipcodes`` package's offline USPS/Census data. Its first lookup loads the data (about a
second); each ZIP's answer is then remembered for the life of the process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from calc.model import Record

SOURCE: Final = "ZIP to county/city: zipcodes package (offline USPS/Census ZIP data)"


class ZipPlace(Record):
    state: Final[str]
    county: Final[str]
    city: Final[str]

    __match_args__ = ("state", "county", "city")

    def __init__(self, state: str, county: str, city: str) -> None:
        self.state = state
        self.county = county
        self.city = city


@lru_cache(maxsize=4096)
def place_for_zip(zip_code: str) -> ZipPlace | None:
    import zipcodes

    try:
        matches = zipcodes.matching(zip_code[:5])  # type: ignore[no-untyped-call]
    except (TypeError, ValueError):
        return None
    for match in matches:
        state = match.get("state")
        county = match.get("county")
        city = match.get("city")
        if isinstance(state, str) and isinstance(county, str) and county:
            return ZipPlace(state, county, city if isinstance(city, str) else "")
    return None

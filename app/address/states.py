"""US state, territory and military "state" codes as USPS uses them, and the names people type for them."""

from __future__ import annotations

import re

from app.address.errors import AddressError

STATE_NAMES: dict[str, str] = {
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
    "CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA",
    "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS", "IN": "INDIANA",
    "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA", "ME": "MAINE", "MD": "MARYLAND",
    "MA": "MASSACHUSETTS", "MI": "MICHIGAN", "MN": "MINNESOTA", "MS": "MISSISSIPPI", "MO": "MISSOURI",
    "MT": "MONTANA", "NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY",
    "NM": "NEW MEXICO", "NY": "NEW YORK", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA", "OH": "OHIO",
    "OK": "OKLAHOMA", "OR": "OREGON", "PA": "PENNSYLVANIA", "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA",
    "SD": "SOUTH DAKOTA", "TN": "TENNESSEE", "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT",
    "VA": "VIRGINIA", "WA": "WASHINGTON", "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING",
    # Territories and freely associated states with USPS codes.
    "AS": "AMERICAN SAMOA", "GU": "GUAM", "MP": "NORTHERN MARIANA ISLANDS", "PR": "PUERTO RICO",
    "VI": "VIRGIN ISLANDS", "FM": "FEDERATED STATES OF MICRONESIA", "MH": "MARSHALL ISLANDS",
    "PW": "PALAU",
    # Military mail.
    "AA": "ARMED FORCES AMERICAS", "AE": "ARMED FORCES EUROPE", "AP": "ARMED FORCES PACIFIC",
}  # fmt: skip

_ALIASES: dict[str, str] = {
    "WASHINGTON DC": "DC", "WASHINGTON D C": "DC", "D C": "DC",
    "US VIRGIN ISLANDS": "VI", "U S VIRGIN ISLANDS": "VI", "MICRONESIA": "FM",
}  # fmt: skip

_BY_NAME = {name: code for code, name in STATE_NAMES.items()} | _ALIASES
_PUNCTUATION = re.compile(r"[.,]")
_SPACES = re.compile(r"\s+")


def state_code(text: str) -> str:
    """The two-letter USPS code for a code or full name in any case ("tx", "Texas", "N.Y." -> "NY")."""
    cleaned = _SPACES.sub(" ", _PUNCTUATION.sub(" ", text or "").upper()).strip()
    if not cleaned:
        raise AddressError("state", "the state is missing")
    squeezed = cleaned.replace(" ", "")
    if squeezed in STATE_NAMES:
        return squeezed
    if cleaned in _BY_NAME:
        return _BY_NAME[cleaned]
    raise AddressError("state", f"{text.strip()!r} is not a US state, territory or military code")

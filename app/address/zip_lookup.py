"""ZIP -> city, state, county offline, from the ``zipcodes`` package (USPS ZIP list compiled into the wheel).

The package scans its whole list on every query (~0.5 ms) and loads it on first use (~1 s), so we load it
once into a dict keyed by ZIP; later lookups cost a dict access. Everything is upper case, as USPS writes
it (the package's own spelling varies: "Danville city" and "Danville City" both occur).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.address.errors import AddressError
from app.address.states import state_code

_ZIP = re.compile(r"^(\d{5})(?:[- ]?(\d{4}))?$")


@dataclass(frozen=True, slots=True)
class ZipInfo:
    """One ZIP Code. ``city`` is the USPS preferred name; ``acceptable_cities`` are other names USPS
    delivers under; ``other_names`` are local names USPS does not use for mail (kept to recognise input).
    ``county`` is the county the ZIP mostly lies in (None for some PO box, military and territory ZIPs);
    a ZIP can cross county and city lines, so it is a default, not a tax jurisdiction.
    ``kind`` is STANDARD, PO BOX, UNIQUE (one organisation) or MILITARY."""

    zip5: str
    city: str
    state: str
    county: str | None
    acceptable_cities: tuple[str, ...]
    timezone: str | None
    kind: str
    active: bool
    other_names: tuple[str, ...] = ()


class _Index:
    """Raw rows keyed by ZIP, loaded once; a row becomes a :class:`ZipInfo` only when asked for (building
    all 42k up front would double the first-use cost)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, dict[str, Any]] | None = None
        self._zips_by_state: dict[str, list[str]] = {}

    def rows(self) -> dict[str, dict[str, Any]]:
        if self._rows is None:
            with self._lock:
                if self._rows is None:
                    self._load()
        assert self._rows is not None
        return self._rows

    def get(self, zip5: str) -> ZipInfo | None:
        return _info(zip5) if zip5 in self.rows() else None

    def by_state(self, state: str) -> tuple[ZipInfo, ...]:
        self.rows()
        return tuple(_info(z) for z in self._zips_by_state.get(state, ()))

    def _load(self) -> None:
        import zipcodes

        # The package's Python wrapper is unannotated; its compiled core ships a typed stub.
        listed: list[dict[str, Any]] = zipcodes.list_all()  # type: ignore[no-untyped-call]
        rows = {str(row["zip_code"]): row for row in listed}
        by_state: dict[str, list[str]] = defaultdict(list)
        for zip5 in sorted(rows):
            by_state[str(rows[zip5]["state"])].append(zip5)
        self._zips_by_state = dict(by_state)
        self._rows = rows


def _upper(value: object) -> str:
    # Periods dropped as elsewhere in USPS style ("ST. LOUIS CITY" -> "ST LOUIS CITY").
    return " ".join(str(value or "").replace(".", " ").upper().split())


@cache
def _info(zip5: str) -> ZipInfo:
    row = _index.rows()[zip5]
    return ZipInfo(
        zip5=str(row["zip_code"]),
        city=_upper(row["city"]),
        state=str(row["state"]),
        county=_upper(row["county"]) or None,
        acceptable_cities=tuple(_upper(c) for c in row["acceptable_cities"]),
        timezone=str(row["timezone"]) or None,
        kind=str(row["zip_code_type"]),
        active=bool(row["active"]),
        other_names=tuple(_upper(c) for c in row["unacceptable_cities"]),
    )


_index = _Index()


def preload() -> None:
    """Load the ZIP list now (about a second) instead of on the first lookup; safe from any thread."""
    _index.rows()


def parse_zip(text: str) -> tuple[str, str | None]:
    """("78701", "1234") from "78701-1234", "78701 1234" or "787011234"; ("78701", None) from "78701"."""
    if text is not None and not isinstance(text, str):
        # A ZIP stored as a number has lost its leading zeros (02134 -> 2134); refuse rather than guess.
        raise AddressError("zip", f"the ZIP code must be text, not {type(text).__name__}")
    cleaned = (text or "").strip()
    if not cleaned:
        raise AddressError("zip", "the ZIP code is missing")
    match = _ZIP.match(cleaned)
    if match is None:
        raise AddressError("zip", f"{cleaned!r} is not a ZIP code: use 5 digits, or ZIP+4 as 12345-6789")
    return match.group(1), match.group(2)


def lookup_zip(zip: str, state: str | None = None) -> ZipInfo:
    """The ZIP's city, state and county. Unknown, retired or malformed ZIPs raise :class:`AddressError`
    naming ``zip``; if ``state`` is given and the ZIP lies elsewhere, the error names ``state``."""
    zip5, _ = parse_zip(zip)
    info = _index.get(zip5)
    if info is None:
        raise AddressError("zip", f"ZIP {zip5} does not exist")
    if not info.active:
        raise AddressError("zip", f"ZIP {zip5} ({info.city}, {info.state}) is no longer in service")
    if state is not None:
        code = state_code(state)
        if code != info.state:
            raise AddressError("state", f"ZIP {zip5} is in {info.state} ({info.city}), not {code}")
    return info


def zips_in_state(state: str) -> tuple[ZipInfo, ...]:
    """Active street-delivery ZIPs of a state that have a county, in ZIP order (for pickers and demo data)."""
    code = state_code(state)
    return tuple(z for z in _index.by_state(code) if z.active and z.kind == "STANDARD" and z.county)


def counties_in_state(state: str) -> tuple[str, ...]:
    """County names the ZIP data knows for a state, sorted; not guaranteed complete."""
    code = state_code(state)
    return tuple(sorted({z.county for z in _index.by_state(code) if z.county}))

"""Manufacturer and country from the WMI alone, via ``vininfo``'s hand-kept tables.

Used when the vPIC snapshot has no pattern for a VIN (vehicles newer than the snapshot, non-US-market
VINs, buses and other types vPIC leaves out). The tables are approximate (e.g. WMI 1M8 is listed as
Mercury but is a coach builder), so the result is labelled ``source="wmi"`` and the UI offers manual entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class WmiGuess:
    manufacturer: str | None
    country: str | None


@cache
def guess_from_wmi(wmi3: str) -> WmiGuess:
    """Look up the first three VIN characters (the country needs only the first two)."""
    from vininfo import Vin
    from vininfo.common import UnsupportedBrand

    # vininfo wants a whole VIN but reads only the WMI for these fields; pad with a neutral VDS/VIS.
    parsed = Vin(f"{wmi3}000000A0000000")
    assembler = parsed.assembler
    manufacturer = None if isinstance(assembler, UnsupportedBrand) else str(assembler.manufacturer)
    country = parsed.country
    return WmiGuess(manufacturer=manufacturer, country=str(country) if country else None)

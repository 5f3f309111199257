"""Model year from VIN position 10 (49 CFR 565.15(a)), which repeats every 30 years.

Position 10 alone cannot tell 1995 from 2025. For passenger cars, MPVs and trucks up to 10,000 lb GVWR
the regulation settles it with position 7: a digit there means the 1980-2009 cycle, a letter the
2010-2039 cycle. Other vehicle types (motorcycles, buses, heavy trucks, trailers) have no such rule, so
the most recent year that is not after next year is the best guess.
"""

from __future__ import annotations

from datetime import date

# Codes in cycle order: A=1980 ... Y=2000, 1=2001 ... 9=2009, then again A=2010 ... 9=2039.
# U, Z and 0 are never year codes (nor are I, O, Q).
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_FIRST_CYCLE_START = 1980
_CYCLE = 30

MODEL_YEAR_INDEX = 9  # position 10
_CYCLE_MARKER_INDEX = 6  # position 7


def model_year_candidates(vin: str) -> tuple[int, ...]:
    """Every year position 10 could mean within 1980-2039, oldest first; empty if it is not a year code."""
    position = _YEAR_CODES.find(vin[MODEL_YEAR_INDEX])
    if position < 0:
        return ()
    first = _FIRST_CYCLE_START + position
    return (first, first + _CYCLE)


def decode_model_year(vin: str, *, light_vehicle: bool, current_year: int | None = None) -> int | None:
    """The model year of an already validated VIN, or None when position 10 is not a year code
    (common on VINs built for other markets).

    ``light_vehicle``: whether the position-7 rule applies (car, MPV or light truck).
    ``current_year``: the calendar year "not after next year" counts from (default: this year); a model
    year goes on sale in the autumn before it.
    """
    candidates = model_year_candidates(vin)
    if not candidates:
        return None
    latest_possible = (current_year or date.today().year) + 1
    older, newer = candidates
    if light_vehicle:
        chosen = older if vin[_CYCLE_MARKER_INDEX].isdigit() else newer
        # Before 2010 position 7 was free, so an old VIN can carry a letter there; a model year that
        # cannot have been built yet means it belongs to the earlier cycle.
        return chosen if chosen <= latest_possible else older
    return newer if newer <= latest_possible else older

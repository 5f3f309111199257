"""VIN -> vehicle description, offline: model year by rule, the rest from the vPIC snapshot or the WMI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from app.vin import vpic
from app.vin.model_year import decode_model_year, model_year_candidates
from app.vin.validation import has_valid_check_digit, normalize_vin_text, require_length_and_alphabet
from app.vin.wmi_fallback import guess_from_wmi

Fuel = Literal["electric", "plug_in_hybrid", "hybrid", "hydrogen"]

# vPIC records electrification, not fuel: a vehicle with no electrification entry may burn petrol, diesel
# or anything else, so fuel stays None (unknown) rather than guessing "gasoline".
_FUEL_BY_ELECTRIFICATION: dict[str, Fuel] = {
    "BEV (Battery Electric Vehicle)": "electric",
    "PHEV (Plug-in Hybrid Electric Vehicle)": "plug_in_hybrid",
    "FCEV (Fuel Cell Electric Vehicle)": "hydrogen",
    "Mild HEV (Hybrid Electric Vehicle)": "hybrid",
    "Strong HEV (Hybrid Electric Vehicle)": "hybrid",
    "HEV (Hybrid Electric Vehicle) - Level Unknown": "hybrid",
}


@dataclass(frozen=True, slots=True)
class VinDecode:
    """What the VIN tells us; None means "not known offline" and the user fills it in.

    ``source`` is ``"vpic"`` when NHTSA's pattern data matched (make/model trustworthy) and ``"wmi"`` when
    only the manufacturer code was recognised (manufacturer/country approximate, model unknown).
    ``trim`` joins vPIC's series and trim (e.g. "EX Premium"). ``fuel`` is one of "electric",
    "plug_in_hybrid", "hybrid", "hydrogen" or None. ``check_digit_ok`` False means the VIN was accepted
    despite a wrong check digit (pre-1981 or import).
    """

    vin: str
    model_year: int | None
    wmi: str
    manufacturer: str | None
    make: str | None
    model: str | None
    trim: str | None
    body: str | None
    fuel: Fuel | None
    electrification: str | None
    country: str | None
    source: Literal["vpic", "wmi"]
    check_digit_ok: bool
    vehicle_type: str | None = None

    @property
    def description(self) -> str:
        """One line for lists: "2020 Kia Niro EX Premium"; only the parts that are known."""
        parts = [str(self.model_year) if self.model_year else None, self.make, self.model, self.trim]
        return " ".join(p for p in parts if p)


def decode_vin(vin: str, *, current_year: int | None = None) -> VinDecode:
    """Decode a VIN offline. Raises :class:`InvalidVinError` only for a wrong length or illegal characters;
    a wrong check digit is reported in ``check_digit_ok`` (validation decides whether to accept it).

    ``current_year`` pins "today" for the model-year guess on non-light vehicles (tests, old records).
    """
    text = normalize_vin_text(vin)
    require_length_and_alphabet(text)
    return _decode(text, current_year or date.today().year)


@lru_cache(maxsize=4096)
def _decode(vin: str, current_year: int) -> VinDecode:
    wmi = vpic.wmi_of(vin)
    record = vpic.wmi_record(wmi)
    # The snapshot lists the WMIs of every car and light-truck maker it covers, so an unknown WMI is more
    # likely a bus, motorcycle or heavy truck, where the position-7 rule does not apply.
    light = record.light_vehicle if record else False
    model_year = decode_model_year(vin, light_vehicle=light, current_year=current_year)
    guess = guess_from_wmi(vin[:3])
    check_ok = has_valid_check_digit(vin)

    found = _match_vpic(vin, model_year, light)
    if found is not None:
        return VinDecode(
            vin=vin,
            model_year=found.model_year,
            wmi=wmi,
            manufacturer=found.manufacturer or (record.manufacturer if record else guess.manufacturer),
            make=found.make or (record.make if record else None),
            model=found.model,
            trim=_join_trim(found.series, found.trim),
            body=found.body_class,
            fuel=_FUEL_BY_ELECTRIFICATION.get(found.electrification or ""),
            electrification=found.electrification,
            # vininfo's short names ("South Korea") read better than vPIC's ISO long forms.
            country=guess.country or found.country,
            source="vpic",
            check_digit_ok=check_ok,
            vehicle_type=found.vehicle_type,
        )
    return VinDecode(
        vin=vin,
        model_year=model_year,
        wmi=wmi,
        manufacturer=record.manufacturer if record else guess.manufacturer,
        # vininfo's names are brands (Honda, Acura...), so they double as the make when vPIC has none.
        make=(record.make if record else None) or guess.manufacturer,
        model=None,
        trim=None,
        body=None,
        fuel=None,
        electrification=None,
        country=guess.country,
        source="wmi",
        check_digit_ok=check_ok,
        vehicle_type=record.vehicle_type if record else None,
    )


def _match_vpic(vin: str, model_year: int | None, light: bool) -> vpic.VpicMatch | None:
    if model_year is None:
        return None
    years = [model_year]
    if not light:
        # No position-7 rule: if the recent reading finds nothing, the VIN may be 30 years older.
        years += [y for y in reversed(model_year_candidates(vin)) if y < model_year]
    for year in years:
        found = vpic.match(vin, year)
        if found is not None:
            return found
    return None


def _join_trim(series: str | None, trim: str | None) -> str | None:
    parts = [p for p in (series, trim) if p]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    return " ".join(parts) or None

"""Read-only access to the NHTSA vPIC snapshot that ships inside the ``vin`` package (pinned 0.6.2).

The package opens one SQLite connection (immutable, shared across threads) at import; we reuse it and
serialise access with a lock, because a sqlite3 connection must not run two statements at once.
Importing is deferred to first use so that starting the app does not pay for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class VpicMatch:
    """What the snapshot's patterns say about one VIN for one model year; empty strings become None."""

    model_year: int
    manufacturer: str | None
    make: str | None
    model: str | None
    series: str | None
    trim: str | None
    body_class: str | None
    electrification: str | None
    vehicle_type: str | None
    country: str | None


@dataclass(frozen=True, slots=True)
class WmiRecord:
    """The snapshot's row for a World Manufacturer Identifier."""

    manufacturer: str
    make: str | None
    vehicle_type: str
    light_vehicle: bool


@cache
def _db() -> Any:
    from vin.database import vehicle_db

    return vehicle_db


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def wmi_of(vin: str) -> str:
    """vPIC's WMI key: 3 characters, or 6 for small manufacturers ('9' in position 3, 565.15(b))."""
    return f"{vin[:3]}{vin[11:14]}" if vin[2] == "9" else vin[:3]


_WMI_SQL = """
select manufacturer.name as manufacturer, make.name as make, vehicle_type.name as vehicle_type,
       wmi.vehicle_type_id as vehicle_type_id, wmi.truck_type_id as truck_type_id
from wmi
    join manufacturer on manufacturer.id = wmi.manufacturer_id
    join vehicle_type on vehicle_type.id = wmi.vehicle_type_id
    left join make on make.id = wmi.make_id
where wmi.code = ?
"""
# vPIC vehicle_type ids for passenger car and MPV; 3 is truck, light unless truck_type says heavy (2).
_CAR_OR_MPV = frozenset({2, 7})
_TRUCK = 3
_LIGHT_TRUCK_TYPES = frozenset({None, 1})


@cache
def wmi_record(wmi: str) -> WmiRecord | None:
    """The snapshot's manufacturer, single make (if the WMI builds only one) and vehicle class."""
    with _lock:
        rows = _db().query(_WMI_SQL, (wmi,))
    if not rows:
        return None
    row = rows[0]
    type_id = row["vehicle_type_id"]
    light = type_id in _CAR_OR_MPV or (type_id == _TRUCK and row["truck_type_id"] in _LIGHT_TRUCK_TYPES)
    return WmiRecord(
        manufacturer=str(row["manufacturer"]),
        make=_text(row["make"]),
        vehicle_type=str(row["vehicle_type"]),
        light_vehicle=light,
    )


def match(vin: str, model_year: int) -> VpicMatch | None:
    """Decode ``vin`` against the patterns valid for ``model_year``; None if nothing matches."""
    descriptor = f"{vin[3:8]}|{vin[9:]}"  # vPIC's key: VDS and VIS, skipping the check digit
    with _lock:
        details = _db().decode_vin(wmi_of(vin), descriptor, model_year)
    if not details:
        return None
    return VpicMatch(
        model_year=model_year,
        manufacturer=_text(details.get("manufacturer")),
        make=_text(details.get("make")),
        model=_text(details.get("model")),
        series=_text(details.get("series")),
        trim=_text(details.get("trim")),
        body_class=_text(details.get("body_class")),
        electrification=_text(details.get("electrification_level")),
        vehicle_type=_text(details.get("vehicle_type")),
        country=_text(details.get("country")),
    )


def snapshot_version() -> dict[str, str]:
    """Version and dates of the bundled vPIC snapshot (to show "vehicle data as of ...")."""
    with _lock:
        info = _db().get_vpic_version()
    return {str(k): str(v) for k, v in dict(info).items()}

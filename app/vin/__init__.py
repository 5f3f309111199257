"""Offline VIN handling: validation (49 CFR 565 check digit) and decoding (NHTSA vPIC snapshot, WMIs)."""

from app.vin.decode import VinDecode, decode_vin
from app.vin.errors import InvalidVinError
from app.vin.model_year import decode_model_year
from app.vin.validation import check_digit, validate_vin, with_check_digit
from app.vin.vpic import snapshot_version

__all__ = [
    "InvalidVinError",
    "VinDecode",
    "check_digit",
    "decode_model_year",
    "decode_vin",
    "snapshot_version",
    "validate_vin",
    "with_check_digit",
]

"""US addresses offline: USPS-style normalisation, ZIP -> city/state/county, and the tax jurisdiction.

All text comes out upper case, as USPS prints it.
"""

from app.address.errors import AddressError
from app.address.jurisdiction import Jurisdiction, tax_jurisdiction
from app.address.normalize import Address, normalize_address
from app.address.states import state_code
from app.address.zip_lookup import ZipInfo, counties_in_state, lookup_zip, parse_zip, preload, zips_in_state

__all__ = [
    "Address",
    "AddressError",
    "Jurisdiction",
    "ZipInfo",
    "counties_in_state",
    "lookup_zip",
    "normalize_address",
    "parse_zip",
    "preload",
    "state_code",
    "tax_jurisdiction",
    "zips_in_state",
]

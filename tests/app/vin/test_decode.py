"""Offline decoding against the bundled NHTSA vPIC snapshot, and the WMI fallback."""

from __future__ import annotations

import pytest

from app.vin import InvalidVinError, decode_vin, snapshot_version, with_check_digit


@pytest.mark.parametrize(
    ("vin", "year", "make", "model"),
    [
        ("1HGCM82633A004352", 2003, "Honda", "Accord"),
        ("KNDCE3LG2L5073161", 2020, "Kia", "Niro"),
        ("JH4KA7561PC008269", 1993, "Acura", "Legend"),
        ("5FNYF5H59HB011946", 2017, "Honda", "Pilot"),
    ],
)
def test_real_vins_decode_to_year_make_model(vin: str, year: int, make: str, model: str) -> None:
    decoded = decode_vin(vin)
    assert (decoded.model_year, decoded.make, decoded.model) == (year, make, model)
    assert decoded.source == "vpic"
    assert decoded.check_digit_ok
    assert decoded.vin == vin


def test_trim_body_and_fuel_where_vpic_knows_them() -> None:
    niro = decode_vin("KNDCE3LG2L5073161")
    assert niro.trim == "EX Premium"
    assert niro.fuel == "electric"
    assert niro.body is not None and "Sport Utility" in niro.body
    assert niro.country == "South Korea"
    assert niro.description == "2020 Kia Niro EX Premium"

    accord = decode_vin("1HGCM82633A004352")
    assert accord.trim == "EX-V6"
    assert accord.body == "Coupe"
    assert accord.fuel is None  # vPIC records electrification only: petrol vs diesel is unknown, not guessed
    assert accord.manufacturer == "American Honda Motor Co., Inc."


def test_hybrid_fuel() -> None:
    prius = decode_vin(with_check_digit("JTDKN3DU?A0000001"))
    assert (prius.model_year, prius.make, prius.model, prius.fuel) == (2010, "Toyota", "Prius", "hybrid")


def test_regulation_example_decodes_make_without_model() -> None:
    buick = decode_vin("1G4AH59H45G118341")
    assert (buick.model_year, buick.make, buick.source) == (2005, "Buick", "vpic")
    assert buick.model is None


def test_bad_check_digit_still_decodes_and_says_so() -> None:
    tesla = decode_vin("5YJ3E1EA7KF317000")
    assert not tesla.check_digit_ok
    assert (tesla.model_year, tesla.make, tesla.model, tesla.fuel) == (2019, "Tesla", "Model 3", "electric")
    assert decode_vin("5YJ3E1EA2KF317000").check_digit_ok


def test_lowercase_input_decodes_to_normalised_vin() -> None:
    assert decode_vin(" 1hgcm82633a004352 ").vin == "1HGCM82633A004352"


@pytest.mark.parametrize("typed", ["1HGCM82633A00435", "1HGCM82633AOO4352", ""])
def test_malformed_vin_cannot_be_decoded(typed: str) -> None:
    with pytest.raises(InvalidVinError) as caught:
        decode_vin(typed)
    assert caught.value.field == "vin"


def test_synthetic_vin_from_real_prefix_decodes_like_the_real_one() -> None:
    # How the demo generator makes stock: a real WMI+VDS and year code, a made-up serial, a computed digit.
    synthetic = with_check_digit("5FNYF5H5?HB123456")
    decoded = decode_vin(synthetic)
    assert decoded.check_digit_ok
    assert (decoded.model_year, decoded.make, decoded.model) == (2017, "Honda", "Pilot")


def test_unknown_to_vpic_falls_back_to_wmi() -> None:
    # European-market VW: the WMI is known, the pattern is not, and position 10 is still a year code.
    golf = decode_vin("WVWZZZ1JZXW000001")
    assert golf.source == "wmi"
    assert golf.make == "Volkswagen"
    assert golf.country == "Germany"
    assert golf.model_year == 1999
    assert golf.model is None
    assert not golf.check_digit_ok


def test_wmi_outside_the_snapshot_uses_vininfo() -> None:
    # NHTSA's new-manufacturer example: a small maker (9 in position 3) the snapshot does not list.
    example = decode_vin("1J9RP1A36A1644345")
    assert example.source == "wmi"
    assert example.wmi == "1J9644"  # small manufacturers are identified by positions 1-3 and 12-14
    assert example.model_year == 2010
    assert example.country == "United States"


def test_unrecognised_wmi_still_gives_year_and_no_invented_make() -> None:
    unknown = decode_vin(with_check_digit("9ZZ11111?K1000001"))
    assert unknown.source == "wmi"
    assert unknown.make is None
    assert unknown.model is None
    assert unknown.model_year is not None


def test_non_year_code_in_position_10_gives_no_year() -> None:
    # Many non-North-American VINs put 0 or Z in position 10.
    assert decode_vin(with_check_digit("WVWZZZ1J?0W000001")).model_year is None


def test_repeated_decode_returns_equal_result() -> None:
    assert decode_vin("KNDCE3LG2L5073161") == decode_vin("kndce3lg2l5073161")


def test_snapshot_version_is_reported() -> None:
    version = snapshot_version()
    assert version["version"]
    assert version["released"][:2] == "20"

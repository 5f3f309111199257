"""Model year from position 10 and the position-7 cycle rule (49 CFR 565.15(a))."""

from __future__ import annotations

import pytest

from app.vin import decode_model_year, decode_vin, with_check_digit


def _vin(position7: str, year_code: str) -> str:
    # A Honda Accord prefix with the given position 7 and position 10; the rest is filler.
    return with_check_digit(f"1HGCM8{position7}6?{year_code}A004352")


@pytest.mark.parametrize(
    ("position7", "code", "year"),
    [
        ("2", "A", 1980), ("2", "Y", 2000), ("2", "1", 2001), ("2", "9", 2009), ("2", "P", 1993),
        ("B", "A", 2010), ("B", "H", 2017), ("B", "P", 2023), ("B", "S", 2025),
    ],
)  # fmt: skip
def test_position_7_chooses_the_cycle_for_light_vehicles(position7: str, code: str, year: int) -> None:
    assert decode_model_year(_vin(position7, code), light_vehicle=True, current_year=2026) == year


def test_letter_in_position_7_on_a_year_not_yet_built_means_the_earlier_cycle() -> None:
    # Before 2010 position 7 was free, so an old car can have a letter there; 2030 cannot exist in 2026.
    vin = _vin("B", "Y")
    assert decode_model_year(vin, light_vehicle=True, current_year=2026) == 2000
    assert decode_model_year(vin, light_vehicle=True, current_year=2029) == 2030


def test_next_years_models_are_already_on_sale() -> None:
    assert decode_model_year(_vin("B", "V"), light_vehicle=True, current_year=2026) == 2027


@pytest.mark.parametrize(
    ("code", "current", "year"), [("K", 2026, 2019), ("T", 2026, 2026), ("W", 2026, 1998), ("W", 2027, 2028)]
)
def test_other_vehicle_types_take_the_latest_possible_year(code: str, current: int, year: int) -> None:
    # Motorcycles, buses, heavy trucks: no position-7 rule, so a digit there says nothing.
    assert decode_model_year(_vin("2", code), light_vehicle=False, current_year=current) == year


@pytest.mark.parametrize("code", ["0", "Z", "U"])
def test_codes_that_are_never_years(code: str) -> None:
    assert decode_model_year(_vin("B", code), light_vehicle=True, current_year=2026) is None


def test_decode_uses_the_rule_for_a_car_maker() -> None:
    # 1HG is a passenger-car WMI in the snapshot: digit in position 7 and "3" in position 10 is 2003.
    assert decode_vin("1HGCM82633A004352", current_year=2026).model_year == 2003


def test_decode_without_the_rule_for_a_coach_builder() -> None:
    # 1M8 (a motor-coach maker, absent from the car/light-truck snapshot) with a digit in position 7
    # and "K": the rule would say 1989; without it the latest possible year, 2019, is taken.
    assert decode_vin("1M8GDM9AXKP042788", current_year=2026).model_year == 2019

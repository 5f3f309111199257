"""The one error a VIN can raise, carrying enough detail for the UI to explain it and offer a fix."""

from __future__ import annotations

from typing import Literal

from app.errors import ValidationError

VinProblem = Literal["empty", "length", "character", "check_digit"]


class InvalidVinError(ValidationError):
    """A VIN that cannot be accepted as typed.

    ``problem`` lets the UI decide what to offer: only ``"check_digit"`` may be overridden (pre-1981
    vehicles and grey imports do not follow the North American check digit); the others are typos.
    ``suggestion`` is a corrected VIN when one can be inferred with confidence (I/O/Q swapped for 1/0/0).
    """

    def __init__(
        self,
        reason: str,
        *,
        problem: VinProblem,
        vin: str,
        expected_check_digit: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__("vin", reason)
        self.reason = reason
        self.problem: VinProblem = problem
        self.vin = vin
        self.expected_check_digit = expected_check_digit
        self.suggestion = suggestion

"""Errors the calc engine raises for input a person can correct."""

from __future__ import annotations


class CalcInputError(ValueError):
    """Bad input: names the field (dotted path, e.g. ``vehicle.price``) and why it was refused."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}

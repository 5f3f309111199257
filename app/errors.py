"""Errors a person can act on: each names what was wrong, so the UI can show it next to the field."""

from __future__ import annotations

from app.policy import PermissionDeniedError

__all__ = [
    "AppError",
    "ConflictError",
    "IllegalTransitionError",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]


class AppError(Exception):
    """Base of the application's own errors."""


class ValidationError(AppError, ValueError):
    """Bad input for one field; nothing was saved."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFoundError(AppError, LookupError):
    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(f"{entity} {entity_id} not found")
        self.entity = entity
        self.entity_id = entity_id


class IllegalTransitionError(AppError):
    """A deal was asked to move to a state its current state does not lead to."""

    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"a deal cannot go from {current!r} to {requested!r}")
        self.field = "status"
        self.current = current
        self.requested = requested


class ConflictError(AppError):
    """The change clashes with existing data (e.g. a VIN already in stock)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

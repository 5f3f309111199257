"""HTTP-facing errors: each carries the status and a message a person can act on (naming the field)."""

from __future__ import annotations


class ApiError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAuthenticatedError(ApiError):
    status = 401


class ForbiddenError(ApiError):
    status = 403


class NotFoundError(ApiError):
    status = 404


class ConflictError(ApiError):
    status = 409


class InvalidInputError(ApiError):
    status = 422


class TooManyRequestsError(ApiError):
    status = 429

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UnavailableError(ApiError):
    status = 503

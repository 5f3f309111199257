"""The error every address function raises: it names the field to highlight (line1, line2, city, state, zip,
county) and says what is wrong."""

from __future__ import annotations

from app.errors import ValidationError


class AddressError(ValidationError):
    """Bad or inconsistent address input; ``field`` and ``message`` come from :class:`ValidationError`."""

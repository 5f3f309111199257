"""What talking to the sync service can run into, as errors the engine and the screens act on.

Kept apart from the HTTP code so that modules reading server-shaped data load without an HTTP client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync.protocol import SchemaTooOld


class SyncError(Exception):
    """Base of what a sync attempt can run into."""


class OfflineError(SyncError):
    """The server could not be reached (no network, refused, timed out, or a 5xx): try again later."""


class AuthRequiredError(SyncError):
    """The access token was refused and could not be refreshed: the user has to sign in again."""


class UpdateRequiredError(SyncError):
    """This app is older than the server accepts (HTTP 426): it must be updated before it can sync."""

    def __init__(self, detail: SchemaTooOld) -> None:
        super().__init__(detail.detail)
        self.detail = detail


class EpochChangedError(SyncError):
    """The server was restored from a backup (HTTP 410): pull everything again, keep the outbox."""

    def __init__(self, epoch: str) -> None:
        super().__init__(f"server epoch is now {epoch}")
        self.epoch = epoch


class ServerRefusedError(Exception):
    """The server said no to a request (bad input, a rule, no permission): ``detail`` is its own words."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


class ProtocolError(SyncError):
    """The server answered something this client does not understand (a bug on one side)."""

"""HTTP calls of the sync protocol, with every failure mapped to an error the engine can act on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync.protocol import PullResponse, PushRequest, PushResponse, SchemaTooOld

M = TypeVar("M", bound=BaseModel)


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


class ProtocolError(SyncError):
    """The server answered something this client does not understand (a bug on one side)."""


class TokenSource:
    """Supplies bearer tokens; ``refresh`` gets a new access token or returns False (signed out)."""

    def __init__(self, access: Callable[[], str | None], refresh: Callable[[], bool]) -> None:
        self._access = access
        self._refresh = refresh

    def access_token(self) -> str | None:
        return self._access()

    def refresh(self) -> bool:
        return self._refresh()


class SyncTransport:
    def __init__(self, client: httpx.Client, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    def push(self, request: PushRequest) -> PushResponse:
        # Serialised by pydantic straight to JSON bytes (no intermediate dicts).
        response = self._send(
            "POST",
            "/sync/push",
            content=request.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        return self._parse(response, PushResponse)

    def pull(self, since: int, limit: int, schema_version: int, epoch: str | None) -> PullResponse:
        params: dict[str, str | int] = {"since": since, "limit": limit, "schema_version": schema_version}
        if epoch:
            params["epoch"] = epoch
        response = self._send("GET", "/sync/pull", params=params)
        return self._parse(response, PullResponse)

    def _send(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        for attempt in range(2):
            token = self._tokens.access_token()
            if token is None:
                # Signed in offline (or signed out): say "offline" while the server is out of reach,
                # and "sign in" only once it can be reached.
                self._probe()
                raise AuthRequiredError("not signed in to the server")
            try:
                response = self._client.request(
                    method, path, headers={**(headers or {}), "Authorization": f"Bearer {token}"}, **kwargs
                )
            except httpx.TransportError as exc:
                raise OfflineError(f"{type(exc).__name__}: {exc}") from exc
            if response.status_code == 401 and attempt == 0 and self._tokens.refresh():
                continue
            if response.status_code == 401:
                raise AuthRequiredError("the server refused this sign-in")
            if response.status_code == 426:
                raise UpdateRequiredError(self._parse(response, SchemaTooOld))
            if response.status_code == 410:
                raise EpochChangedError(str(response.json().get("epoch") or ""))
            if response.status_code >= 500 or response.status_code == 429:
                raise OfflineError(f"server answered {response.status_code}")
            if response.status_code >= 400:
                raise ProtocolError(f"{method} {path}: {response.status_code} {response.text[:300]}")
            return response
        raise AuthRequiredError("the server refused this sign-in")  # pragma: no cover - loop always returns

    def server_schema_version(self) -> int:
        """The schema version the server reports on ``/healthz`` (no sign-in needed)."""
        try:
            response = self._client.get("/healthz")
        except httpx.TransportError as exc:
            raise OfflineError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise OfflineError(f"server health check answered {response.status_code}")
        try:
            version = response.json().get("schema_version", 1)
        except ValueError as exc:
            raise ProtocolError(f"unexpected health answer from the server: {exc}") from exc
        if not isinstance(version, int) or isinstance(version, bool):
            raise ProtocolError(f"unexpected schema_version from the server: {version!r}")
        return version

    def _probe(self) -> None:
        try:
            self._client.get("/healthz")
        except httpx.TransportError as exc:
            raise OfflineError(f"{type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _parse(response: httpx.Response, model: type[M]) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise ProtocolError(f"unexpected {model.__name__} from the server: {exc}") from exc

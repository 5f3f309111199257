"""HTTP calls of the sync protocol, with every failure mapped to an error the engine can act on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync.client.errors import (
    AuthRequiredError,
    EpochChangedError,
    OfflineError,
    ProtocolError,
    SyncError,
    UpdateRequiredError,
)
from sync.protocol import PullResponse, PushRequest, PushResponse, SchemaTooOld

__all__ = [
    "AuthRequiredError",
    "EpochChangedError",
    "OfflineError",
    "ProtocolError",
    "SyncError",
    "SyncTransport",
    "TokenSource",
    "UpdateRequiredError",
    "send_authorized",
]

M = TypeVar("M", bound=BaseModel)


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
        # Signed in offline (or signed out): say "offline" while the server is out of reach, and
        # "sign in" only once it can be reached.
        response = send_authorized(
            self._client, self._tokens, method, path, headers=headers, when_signed_out=self._probe, **kwargs
        )
        if response.status_code == 426:
            raise UpdateRequiredError(self._parse(response, SchemaTooOld))
        if response.status_code == 410:
            raise EpochChangedError(str(response.json().get("epoch") or ""))
        if response.status_code >= 500 or response.status_code == 429:
            raise OfflineError(f"server answered {response.status_code}")
        if response.status_code >= 400:
            raise ProtocolError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response

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


def send_authorized(
    client: httpx.Client,
    tokens: TokenSource,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    when_signed_out: Callable[[], object] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One request with the access token, refreshed once when the server answers 401.

    Any other answer is returned for the caller to judge; no token, or a second 401, means the user
    must sign in; a network failure is ``OfflineError``.
    """
    for attempt in range(2):
        token = tokens.access_token()
        if token is None:
            if when_signed_out is not None:
                when_signed_out()
            raise AuthRequiredError("not signed in to the server")
        try:
            response = client.request(
                method, path, headers={**(headers or {}), "Authorization": f"Bearer {token}"}, **kwargs
            )
        except httpx.TransportError as exc:
            raise OfflineError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 401:
            return response
        if attempt == 0 and tokens.refresh():
            continue
        break
    raise AuthRequiredError("the server refused this sign-in")

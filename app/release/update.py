"""The update check: is there a newer, properly signed build on the channel IT configured?

The channel (``update_channel`` in the IT-managed config) is a directory, a ``file://`` URL or an
``http(s)://`` URL. It holds the signed manifest of the latest build as ``autolytiq-manifest.json``
(a location ending in ``.json`` names the manifest file itself). An update is offered only when
1. the signature verifies against the pinned public key (nothing else in the file is believed before),
2. the manifest has not expired (a stale channel or a replayed old manifest is refused),
3. it is for this app and for the channel this build came from (when that is known),
4. its version is newer than the running one; an older version is refused as a downgrade.
"""

from __future__ import annotations

import enum
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.release.errors import ReleaseError
from app.release.manifest import APP_NAME, MANIFEST_NAME, Manifest, format_time
from app.release.signing import MAX_MANIFEST_BYTES, parse_signed_manifest
from app.release.versions import ReleaseVersion

FETCH_TIMEOUT_S = 10.0


class UpdateStatus(enum.StrEnum):
    OFFERED = "offered"
    UP_TO_DATE = "up-to-date"
    REFUSED = "refused"  # the channel answered with something we must not install
    UNAVAILABLE = "unavailable"  # the channel could not be read; try again later


@dataclass(frozen=True, slots=True)
class UpdateCheck:
    status: UpdateStatus
    reason: str
    source: str
    current_version: str
    manifest: Manifest | None = None

    @property
    def offered(self) -> bool:
        return self.status is UpdateStatus.OFFERED

    @property
    def offered_version(self) -> str | None:
        return self.manifest.version if self.offered and self.manifest else None


def manifest_location(channel: str) -> str:
    """Where the channel's manifest is: ``channel`` itself if it names a .json file, else inside it."""
    channel = channel.strip()
    if not channel:
        raise ReleaseError("update_channel", "is empty")
    if channel.lower().endswith(".json"):
        return channel
    if "://" in channel:
        return channel.rstrip("/") + "/" + MANIFEST_NAME
    return str(Path(channel) / MANIFEST_NAME)


def fetch(location: str, timeout: float = FETCH_TIMEOUT_S) -> bytes:
    scheme = urllib.parse.urlsplit(location).scheme.lower() if "://" in location else ""
    if scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(location, timeout=timeout) as response:
                data: bytes = response.read(MAX_MANIFEST_BYTES + 1)
                return data
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise OSError(f"cannot fetch {location}: {exc}") from exc
    if scheme == "file":
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(location).path))
    elif scheme:
        raise ReleaseError(
            "update_channel", f"unsupported scheme {scheme!r}: use a directory, file:// or https://"
        )
    else:
        path = Path(location)
    with path.open("rb") as handle:
        return handle.read(MAX_MANIFEST_BYTES + 1)


def check_for_update(
    channel: str,
    current_version: str,
    public_key: Ed25519PublicKey,
    *,
    expected_channel: str | None = None,
    now: datetime | None = None,
    timeout: float = FETCH_TIMEOUT_S,
) -> UpdateCheck:
    try:
        location = manifest_location(channel)
    except ReleaseError as exc:
        return UpdateCheck(UpdateStatus.REFUSED, str(exc), channel, current_version)

    def result(status: UpdateStatus, reason: str, manifest: Manifest | None = None) -> UpdateCheck:
        return UpdateCheck(status, reason, location, current_version, manifest)

    try:
        current = ReleaseVersion.parse(current_version, field="running version")
        data = fetch(location, timeout)
    except ReleaseError as exc:
        return result(UpdateStatus.REFUSED, str(exc))
    except OSError as exc:
        return result(UpdateStatus.UNAVAILABLE, f"channel not readable: {exc}")
    try:
        manifest = parse_signed_manifest(data, location).verified(public_key, source=location)
        offered = ReleaseVersion.parse(manifest.version, field="manifest.version")
    except ReleaseError as exc:
        return result(UpdateStatus.REFUSED, str(exc))
    if manifest.expired(now):
        expired_at = format_time(manifest.expires)
        return result(UpdateStatus.REFUSED, f"the channel's manifest expired at {expired_at}")
    if manifest.app != APP_NAME:
        return result(UpdateStatus.REFUSED, f"the manifest is for {manifest.app!r}, not {APP_NAME!r}")
    if expected_channel is not None and manifest.channel != expected_channel:
        return result(
            UpdateStatus.REFUSED,
            f"the manifest is for channel {manifest.channel!r}; this build follows {expected_channel!r}",
        )
    if offered < current:
        return result(
            UpdateStatus.REFUSED, f"version {offered} is older than the running {current}; no downgrade"
        )
    if offered == current:
        return result(UpdateStatus.UP_TO_DATE, f"version {current} is the latest on the channel", manifest)
    return result(UpdateStatus.OFFERED, f"version {offered} is available (running {current})", manifest)

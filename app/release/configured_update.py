"""The update check as the app runs it: the channel IT configured, the pinned key, this build's channel.

One call for the desktop (a banner, a menu entry) and for ``autolytiq check-update``:
``check_configured_update(app_version())`` returns None when no ``update_channel`` is configured.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.config import load_settings
from app.release.errors import ReleaseError
from app.release.keys import pinned_public_key
from app.release.manifest import MANIFEST_NAME
from app.release.self_check import running_build_root
from app.release.signing import read_signed_manifest
from app.release.update import UpdateCheck, check_for_update


def running_build_channel(public_key: Ed25519PublicKey) -> str | None:
    """The channel the running frozen build was released on, from its own verified manifest."""
    root = running_build_root()
    if root is None or not (root / MANIFEST_NAME).is_file():
        return None
    try:
        return read_signed_manifest(root / MANIFEST_NAME).verified(public_key).channel
    except ReleaseError:
        return None


def check_configured_update(
    current_version: str, *, channel: str | None = None, public_key: Ed25519PublicKey | None = None
) -> UpdateCheck | None:
    location = channel or load_settings().update_channel
    if not location:
        return None
    key = public_key or pinned_public_key()
    return check_for_update(location, current_version, key, expected_channel=running_build_channel(key))

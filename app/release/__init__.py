"""Signed releases: the manifest of a build, verifying an installed copy, and the update check.

Pure Python (``cryptography`` for Ed25519, ``hashlib`` for SHA-256), no Qt, so IT's ``autolytiq verify``
and the start-up self-check run before any window exists.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.release.errors import ReleaseError
    from app.release.keys import load_private_key, load_public_key, pinned_public_key, public_key_id
    from app.release.manifest import MANIFEST_NAME, FileEntry, Manifest, build_manifest
    from app.release.signing import SignedManifest, read_signed_manifest, sign_manifest, write_signed_manifest
    from app.release.update import UpdateCheck, UpdateStatus, check_for_update
    from app.release.verify import VerifyReport, verify_install
    from app.release.versions import ReleaseVersion

# Loaded on first use (PEP 562): the desktop imports this package at every start, but only a frozen
# build, ``autolytiq verify`` and the update check need the crypto behind these names.
_EXPORTS = {
    "ReleaseError": "app.release.errors",
    "load_private_key": "app.release.keys",
    "load_public_key": "app.release.keys",
    "pinned_public_key": "app.release.keys",
    "public_key_id": "app.release.keys",
    "MANIFEST_NAME": "app.release.manifest",
    "FileEntry": "app.release.manifest",
    "Manifest": "app.release.manifest",
    "build_manifest": "app.release.manifest",
    "SignedManifest": "app.release.signing",
    "read_signed_manifest": "app.release.signing",
    "sign_manifest": "app.release.signing",
    "write_signed_manifest": "app.release.signing",
    "UpdateCheck": "app.release.update",
    "UpdateStatus": "app.release.update",
    "check_for_update": "app.release.update",
    "VerifyReport": "app.release.verify",
    "verify_install": "app.release.verify",
    "ReleaseVersion": "app.release.versions",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'app.release' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "MANIFEST_NAME",
    "FileEntry",
    "Manifest",
    "ReleaseError",
    "ReleaseVersion",
    "SignedManifest",
    "UpdateCheck",
    "UpdateStatus",
    "VerifyReport",
    "build_manifest",
    "check_for_update",
    "load_private_key",
    "load_public_key",
    "pinned_public_key",
    "public_key_id",
    "read_signed_manifest",
    "sign_manifest",
    "verify_install",
    "write_signed_manifest",
]

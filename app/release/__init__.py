"""Signed releases: the manifest of a build, verifying an installed copy, and the update check.

Pure Python (``cryptography`` for Ed25519, ``hashlib`` for SHA-256), no Qt, so IT's ``autolytiq verify``
and the start-up self-check run before any window exists.
"""

from app.release.errors import ReleaseError
from app.release.keys import load_private_key, load_public_key, pinned_public_key, public_key_id
from app.release.manifest import MANIFEST_NAME, FileEntry, Manifest, build_manifest
from app.release.signing import SignedManifest, read_signed_manifest, sign_manifest, write_signed_manifest
from app.release.update import UpdateCheck, UpdateStatus, check_for_update
from app.release.verify import VerifyReport, verify_install
from app.release.versions import ReleaseVersion

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

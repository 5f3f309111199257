"""Ed25519 keys: loading them, naming them, and the public key pinned into every build.

The private key never lives in the repository: the build reads it from a file path or from the
``AUTOLYTIQ_SIGNING_KEY`` environment variable (PEM text), see docs/admin-guide.md. The pinned public
key is ``resources/release/release-public-key.pem``; the build copies the key it was told to pin to the
same place inside the bundle, so source runs and frozen runs find it the same way.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.release.errors import ReleaseError

PINNED_KEY_NAME = "release-public-key.pem"
SIGNING_KEY_ENV = "AUTOLYTIQ_SIGNING_KEY"
SIGNING_KEY_FILE_ENV = "AUTOLYTIQ_SIGNING_KEY_FILE"
PASSPHRASE_ENV = "AUTOLYTIQ_SIGNING_KEY_PASSPHRASE"


def pinned_public_key_path() -> Path:
    # app/release/keys.py -> the directory holding app/ and resources/; in a frozen build that is the
    # bundle's data directory (sys._MEIPASS), where the spec puts resources/release/.
    return Path(__file__).resolve().parents[2] / "resources" / "release" / PINNED_KEY_NAME


def pinned_public_key() -> Ed25519PublicKey:
    return load_public_key(pinned_public_key_path())


def load_public_key(source: Path | bytes) -> Ed25519PublicKey:
    where, data = _read(source, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise ReleaseError(where, "not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ReleaseError(where, "not an Ed25519 public key")
    return key


def load_private_key(source: Path | bytes, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    where, data = _read(source, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise ReleaseError(where, f"cannot load the PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ReleaseError(where, "not an Ed25519 private key")
    return key


def private_key_from_environment(path: Path | None = None) -> Ed25519PrivateKey:
    """The signing key: ``path``, else ``AUTOLYTIQ_SIGNING_KEY_FILE``, else ``AUTOLYTIQ_SIGNING_KEY`` (PEM)"""
    passphrase_text = os.environ.get(PASSPHRASE_ENV)
    passphrase = passphrase_text.encode("utf-8") if passphrase_text else None
    if path is not None:
        return load_private_key(path, passphrase)
    file_name = os.environ.get(SIGNING_KEY_FILE_ENV)
    if file_name:
        return load_private_key(Path(file_name), passphrase)
    pem = os.environ.get(SIGNING_KEY_ENV)
    if pem:
        return load_private_key(pem.encode("utf-8"), passphrase)
    raise ReleaseError(
        "signing key",
        f"none given: pass a key file, or set {SIGNING_KEY_FILE_ENV} (path) or {SIGNING_KEY_ENV} (PEM text)",
    )


def public_key_id(key: Ed25519PublicKey) -> str:
    """A short, stable name for a key (first 16 hex digits of SHA-256 over the raw 32 bytes)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def private_key_pem(key: Ed25519PrivateKey, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _read(source: Path | bytes, what: str) -> tuple[str, bytes]:
    if isinstance(source, bytes):
        return what, source
    try:
        return str(source), source.read_bytes()
    except OSError as exc:
        raise ReleaseError(str(source), f"cannot read the {what}: {exc.strerror}") from exc

"""Small signed builds and key files for the installer and release tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.release import MANIFEST_NAME, build_manifest, sign_manifest, write_signed_manifest
from app.release.keys import private_key_pem, public_key_pem

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "installer"


def write_key_files(key: Ed25519PrivateKey, directory: Path) -> tuple[Path, Path]:
    private, public = directory / "signing.pem", directory / "public.pem"
    private.write_bytes(private_key_pem(key))
    public.write_bytes(public_key_pem(key.public_key()))
    return private, public


def make_build(root: Path) -> Path:
    """A small stand-in for a one-folder build: an executable, nested data, a binary, a symlink."""
    (root / "_internal" / "calc" / "rules").mkdir(parents=True)
    (root / "autolytiq").write_bytes(b"\x7fELF" + bytes(range(256)) * 40)
    (root / "autolytiq").chmod(0o755)
    (root / "_internal" / "calc" / "rules" / "states.json").write_text('{"CA": "7.25"}\n', encoding="utf-8")
    (root / "_internal" / "libdemo.so.1.0").write_bytes(b"\x00" * 5000 + b"payload")
    (root / "_internal" / "libdemo.so.1").symlink_to("libdemo.so.1.0")
    (root / "_internal" / "empty.txt").write_bytes(b"")
    return root


def sign_build(
    root: Path,
    key: Ed25519PrivateKey,
    *,
    version: str = "1.2.0",
    channel: str = "stable",
    expires_in: timedelta = timedelta(days=30),
) -> None:
    now = datetime.now(UTC)
    manifest = build_manifest(
        root,
        version=version,
        channel=channel,
        expires=now + expires_in,
        created=now,
        build={"commit": "test"},
    )
    write_signed_manifest(root / MANIFEST_NAME, sign_manifest(manifest, key))

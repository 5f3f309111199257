"""Signing a manifest with Ed25519 and reading a signed one back.

The file keeps the signed part as a readable JSON object; the signature covers its canonical form
(sorted keys, no whitespace, UTF-8), recomputed from exactly what was parsed, so what is checked is
what is used.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.release.errors import ReleaseError
from app.release.keys import public_key_id
from app.release.manifest import Manifest

FORMAT = "autolytiq-manifest/1"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


def canonical_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class SignedManifest:
    """A manifest as read from a file or channel: not trusted until ``verified`` succeeds."""

    payload: dict[str, Any]
    signature: bytes
    key_id: str

    def signature_valid(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(self.signature, canonical_bytes(self.payload))
        except InvalidSignature:
            return False
        return True

    def verified(self, public_key: Ed25519PublicKey, *, source: str = "manifest") -> Manifest:
        if not self.signature_valid(public_key):
            expected = public_key_id(public_key)
            hint = (
                f"signed with key {self.key_id}, not the pinned key {expected}"
                if self.key_id != expected
                else "the signature does not match its content (altered after signing)"
            )
            raise ReleaseError(source, f"signature invalid: {hint}")
        return Manifest.from_payload(self.payload)

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "signed": self.payload,
            "signature": {
                "algorithm": "ed25519",
                "key_id": self.key_id,
                "value": base64.b64encode(self.signature).decode("ascii"),
            },
        }
        return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def sign_manifest(manifest: Manifest, private_key: Ed25519PrivateKey) -> SignedManifest:
    payload = manifest.to_payload()
    return SignedManifest(
        payload=payload,
        signature=private_key.sign(canonical_bytes(payload)),
        key_id=public_key_id(private_key.public_key()),
    )


def write_signed_manifest(path: Path, signed: SignedManifest) -> None:
    path.write_text(signed.to_json(), encoding="utf-8")


def parse_signed_manifest(data: bytes, source: str) -> SignedManifest:
    if len(data) > MAX_MANIFEST_BYTES:
        raise ReleaseError(source, f"larger than {MAX_MANIFEST_BYTES} bytes; not a manifest")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReleaseError(source, f"not a JSON manifest: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReleaseError(source, f"format must be {FORMAT!r}")
    payload, signature = document.get("signed"), document.get("signature")
    if not isinstance(payload, dict):
        raise ReleaseError(f"{source}: signed", "missing or not an object")
    if not isinstance(signature, dict) or signature.get("algorithm") != "ed25519":
        raise ReleaseError(f"{source}: signature", "missing or not an ed25519 signature")
    value, key_id = signature.get("value"), signature.get("key_id")
    if not isinstance(value, str) or not isinstance(key_id, str):
        raise ReleaseError(f"{source}: signature", "value and key_id must be strings")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ReleaseError(f"{source}: signature.value", "not base64") from exc
    return SignedManifest(payload=payload, signature=raw, key_id=key_id)


def read_signed_manifest(path: Path) -> SignedManifest:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReleaseError(str(path), f"cannot read the manifest: {exc.strerror}") from exc
    return parse_signed_manifest(data, str(path))

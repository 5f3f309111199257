"""Make an Ed25519 release key pair, show which key a file holds, or re-sign a manifest for a channel.

    python installer/release_keys.py generate --private ~/secure/autolytiq-release.pem \\
        --public resources/release/release-public-key.pem
    python installer/release_keys.py show resources/release/release-public-key.pem
    python installer/release_keys.py resign dist/autolytiq/autolytiq-manifest.json \\
        --current-key release-public-key.pem --signing-key ~/secure/autolytiq-release.pem \\
        --expires-days 90 --out /srv/updates/stable/autolytiq-manifest.json

``resign`` keeps the file list and version, sets a new expiry, and signs with the given key: to keep a
channel's manifest fresh, or, when rotating keys, to sign a build that pins the new key with the old
key so installed copies accept it as an update.

The private key file is written with mode 0600 and, when ``AUTOLYTIQ_SIGNING_KEY_PASSPHRASE`` is set,
encrypted with it. Keep it offline or in a secrets store; never commit it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dataclasses import replace  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from app.release.keys import (  # noqa: E402
    PASSPHRASE_ENV,
    load_public_key,
    private_key_from_environment,
    private_key_pem,
    public_key_id,
    public_key_pem,
)
from app.release.signing import read_signed_manifest, sign_manifest, write_signed_manifest  # noqa: E402


def generate(private_path: Path, public_path: Path) -> str:
    if private_path.exists():
        raise SystemExit(f"{private_path} exists; refusing to overwrite a private key")
    key = Ed25519PrivateKey.generate()
    passphrase = os.environ.get(PASSPHRASE_ENV)
    private_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_pem(key, passphrase.encode("utf-8") if passphrase else None))
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_bytes(public_key_pem(key.public_key()))
    return public_key_id(key.public_key())


def resign(
    source: Path, current_key: Path, signing_key: Path | None, expires_days: int | None, out: Path
) -> str:
    """Verify ``source`` with the key that signed it, then sign it again (new expiry) into ``out``."""
    manifest = read_signed_manifest(source).verified(load_public_key(current_key), source=str(source))
    if expires_days is not None:
        manifest = replace(manifest, expires=datetime.now(UTC) + timedelta(days=expires_days))
    key = private_key_from_environment(signing_key)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_signed_manifest(out, sign_manifest(manifest, key))
    return public_key_id(key.public_key())


def main(argv: list[str] | None = None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate", help="write a new key pair")
    make.add_argument("--private", type=Path, required=True)
    make.add_argument("--public", type=Path, required=True)
    show = commands.add_parser("show", help="print the key id of a public key file")
    show.add_argument("public", type=Path)
    again = commands.add_parser("resign", help="sign a verified manifest again, optionally with a new expiry")
    again.add_argument("manifest", type=Path)
    again.add_argument("--current-key", type=Path, required=True, help="public key that signed the manifest")
    again.add_argument("--signing-key", type=Path, help="private key to sign with (else the environment)")
    again.add_argument("--expires-days", type=int)
    again.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "resign":
        key_id = resign(args.manifest, args.current_key, args.signing_key, args.expires_days, args.out)
        print(f"signed {args.out} with key {key_id}")
    elif args.command == "generate":
        print(f"key id {generate(args.private, args.public)}: private {args.private}, public {args.public}")
    else:
        print(f"key id {public_key_id(load_public_key(args.public))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

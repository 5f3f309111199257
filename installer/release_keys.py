"""Make an Ed25519 release key pair, or show which key a file holds.

    python installer/release_keys.py generate --private ~/secure/autolytiq-release.pem \\
        --public resources/release/release-public-key.pem
    python installer/release_keys.py show resources/release/release-public-key.pem

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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from app.release.keys import (  # noqa: E402
    PASSPHRASE_ENV,
    load_public_key,
    private_key_pem,
    public_key_id,
    public_key_pem,
)


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


def main(argv: list[str] | None = None) -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate", help="write a new key pair")
    make.add_argument("--private", type=Path, required=True)
    make.add_argument("--public", type=Path, required=True)
    show = commands.add_parser("show", help="print the key id of a public key file")
    show.add_argument("public", type=Path)
    args = parser.parse_args(argv)
    if args.command == "generate":
        print(f"key id {generate(args.private, args.public)}: private {args.private}, public {args.public}")
    else:
        print(f"key id {public_key_id(load_public_key(args.public))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

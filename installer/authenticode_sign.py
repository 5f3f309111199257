"""Authenticode signatures on the Windows executables of a build, with ``osslsigncode``.

Runs on any OS (CI signs on Linux); on Windows ``signtool`` does the same job. Every PE file (the
.exe, every .dll and .pyd) is signed, before the manifest is written, because signing changes the files.
The certificate comes as PKCS#12 (``--pkcs12``) or as PEM certificate chain plus key; the password is
passed through a private temporary file, never on the command line. Since 2023 publicly trusted
code-signing keys live in hardware (a token or a cloud HSM); osslsigncode reaches a token through
PKCS#11, see docs/admin-guide.md.

Usable on its own: ``python installer/authenticode_sign.py DIST_DIR --pkcs12 cert.p12``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from signing_outcome import SigningOutcome

STEP = "Authenticode (osslsigncode)"
PE_SUFFIXES = {".exe", ".dll", ".pyd"}
PASSWORD_ENV = "AUTOLYTIQ_AUTHENTICODE_PASSWORD"


@dataclass(frozen=True, slots=True)
class Certificate:
    pkcs12: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    password: str | None = None
    timestamp_url: str | None = None

    @property
    def given(self) -> bool:
        return self.pkcs12 is not None or (self.cert is not None and self.key is not None)


def pe_files(root: Path) -> list[Path]:
    """Windows executables under ``root``: the right suffix and the ``MZ`` header."""
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in PE_SUFFIXES and path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(2) == b"MZ":
                    found.append(path)
    return found


def tool() -> str | None:
    return shutil.which("osslsigncode")


def sign_file(path: Path, certificate: Certificate, *, description: str = "Autolytiq") -> None:
    binary = tool()
    if binary is None:
        raise FileNotFoundError("osslsigncode is not installed")
    command = [binary, "sign", "-h", "sha256", "-n", description]
    if certificate.pkcs12 is not None:
        command += ["-pkcs12", str(certificate.pkcs12)]
    else:
        command += ["-certs", str(certificate.cert), "-key", str(certificate.key)]
    with tempfile.TemporaryDirectory(prefix="autolytiq-sign-") as scratch:
        if certificate.password:
            secret = Path(scratch) / "pass"
            secret.write_text(certificate.password, encoding="utf-8")
            secret.chmod(0o600)
            command += ["-readpass", str(secret)]
        signed = Path(scratch) / path.name
        _run([*command, "-in", str(path), "-out", str(signed)], path)
        if certificate.timestamp_url:
            # A separate step: osslsigncode will not combine -readpass with -ts.
            stamped = Path(scratch) / f"stamped-{path.name}"
            stamp = [binary, "add", "-ts", certificate.timestamp_url]
            _run([*stamp, "-in", str(signed), "-out", str(stamped)], path)
            signed = stamped
        shutil.copymode(path, signed)
        os.replace(signed, path)


def _run(command: list[str], path: Path) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip() or result.stdout.strip()
        raise RuntimeError(f"osslsigncode could not sign {path}: {detail}")


def verify_file(path: Path, ca_file: Path) -> tuple[bool, str]:
    binary = tool()
    if binary is None:
        raise FileNotFoundError("osslsigncode is not installed")
    command = [binary, "verify", "-CAfile", str(ca_file), "-in", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return result.returncode == 0, result.stdout + result.stderr


def sign_tree(root: Path, certificate: Certificate) -> SigningOutcome:
    targets = pe_files(root)
    if not targets:
        return SigningOutcome(STEP, skipped=f"no Windows executables in this {sys.platform} build")
    if not certificate.given:
        return SigningOutcome(
            STEP,
            skipped="no code-signing certificate given (--authenticode-pkcs12, or --authenticode-cert/-key)",
        )
    if tool() is None:
        return SigningOutcome(
            STEP, skipped="osslsigncode is not installed (apt install osslsigncode; on Windows use signtool)"
        )
    for path in targets:
        sign_file(path, certificate)
    return SigningOutcome(STEP, signed=targets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Authenticode-sign every Windows executable in a build")
    parser.add_argument("root", type=Path)
    parser.add_argument("--pkcs12", type=Path)
    parser.add_argument("--cert", type=Path)
    parser.add_argument("--key", type=Path)
    parser.add_argument("--timestamp-url", help="RFC 3161 time-stamp server (needs the network)")
    args = parser.parse_args(argv)
    password = os.environ.get(PASSWORD_ENV)
    certificate = Certificate(args.pkcs12, args.cert, args.key, password, args.timestamp_url)
    print(sign_tree(args.root, certificate).describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Authenticode with osslsigncode on a real Windows executable, and the skip messages of both steps."""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import authenticode_sign
import macos_codesign
import pytest

# setuptools ships small Windows launchers: real PE files to sign without building for Windows.
import setuptools
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

WINDOWS_EXE = Path(setuptools.__file__).with_name("gui-64.exe")
needs_osslsigncode = pytest.mark.skipif(
    shutil.which("osslsigncode") is None or not WINDOWS_EXE.is_file(),
    reason="osslsigncode (apt install osslsigncode) or setuptools' gui-64.exe not available",
)


def code_signing_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A self-signed code-signing certificate: PEM cert, PEM key, and a password-protected PKCS#12."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Autolytiq Test Signing")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path, p12_path = directory / "cert.pem", directory / "key.pem", directory / "cert.p12"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    p12_path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"test", key, certificate, None, serialization.BestAvailableEncryption(b"s3cret")
        )
    )
    return cert_path, key_path, p12_path


def windows_build(root: Path) -> Path:
    (root / "_internal").mkdir(parents=True)
    shutil.copy2(WINDOWS_EXE, root / "autolytiq.exe")
    shutil.copy2(WINDOWS_EXE, root / "_internal" / "python311.dll")  # any PE will do for a DLL slot
    (root / "_internal" / "notes.exe").write_bytes(b"not a PE file")
    return root


@needs_osslsigncode
def test_every_pe_file_is_signed_and_verifies(tmp_path: Path) -> None:
    root = windows_build(tmp_path / "dist")
    cert, key, _ = code_signing_certificate(tmp_path)
    assert authenticode_sign.pe_files(root) == [root / "_internal" / "python311.dll", root / "autolytiq.exe"]
    outcome = authenticode_sign.sign_tree(root, authenticode_sign.Certificate(cert=cert, key=key))
    assert outcome.skipped is None and len(outcome.signed) == 2
    assert outcome.describe() == "Authenticode (osslsigncode): signed 2 files"
    for path in outcome.signed:
        ok, output = authenticode_sign.verify_file(path, cert)
        assert ok, output
    assert (root / "_internal" / "notes.exe").read_bytes() == b"not a PE file"  # left alone


@needs_osslsigncode
def test_a_pkcs12_with_password_signs_and_a_flipped_byte_fails(tmp_path: Path) -> None:
    root = windows_build(tmp_path / "dist")
    cert, _, p12 = code_signing_certificate(tmp_path)
    exe = root / "autolytiq.exe"
    authenticode_sign.sign_file(exe, authenticode_sign.Certificate(pkcs12=p12, password="s3cret"))
    assert authenticode_sign.verify_file(exe, cert)[0]
    data = bytearray(exe.read_bytes())
    data[2000] ^= 0x01
    exe.write_bytes(bytes(data))
    ok, output = authenticode_sign.verify_file(exe, cert)
    assert not ok and "MISMATCH" in output


@needs_osslsigncode
def test_a_wrong_password_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = windows_build(tmp_path / "dist")
    _, _, p12 = code_signing_certificate(tmp_path)
    exe = root / "autolytiq.exe"
    before = exe.read_bytes()
    with pytest.raises(RuntimeError, match="could not sign"):
        authenticode_sign.sign_file(exe, authenticode_sign.Certificate(pkcs12=p12, password="wrong"))
    assert exe.read_bytes() == before  # nothing half-written


def test_authenticode_skips_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "autolytiq").write_bytes(b"\x7fELF")
    no_pe = authenticode_sign.sign_tree(tmp_path, authenticode_sign.Certificate())
    assert no_pe.skipped is not None and "no Windows executables" in no_pe.skipped
    if WINDOWS_EXE.is_file():
        shutil.copy2(WINDOWS_EXE, tmp_path / "autolytiq.exe")
        no_cert = authenticode_sign.sign_tree(tmp_path, authenticode_sign.Certificate())
        assert no_cert.skipped is not None and "no code-signing certificate" in no_cert.skipped
        assert no_cert.describe().startswith("Authenticode (osslsigncode): skipped: ")


def test_macos_codesign_finds_mach_o_files_and_skips_off_macos(tmp_path: Path) -> None:
    (tmp_path / "autolytiq").write_bytes(bytes.fromhex("cffaedfe") + b"\x00" * 60)
    (tmp_path / "libfat.dylib").write_bytes(bytes.fromhex("cafebabe") + b"\x00" * 60)
    (tmp_path / "data.json").write_bytes(b"{}")
    assert macos_codesign.macho_files(tmp_path) == [tmp_path / "autolytiq", tmp_path / "libfat.dylib"]
    outcome = macos_codesign.sign_tree(tmp_path, identity=None)
    assert outcome.skipped is not None
    if sys.platform != "darwin":
        assert "only on macOS" in outcome.skipped
    else:
        assert "identity" in outcome.skipped or "codesign" in outcome.skipped

"""Key handling: the key tool, and build.py refusing a signing key that does not match the pinned key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import release_keys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.release import ReleaseError, load_private_key, load_public_key, public_key_id
from app.release.keys import SIGNING_KEY_ENV, private_key_from_environment, private_key_pem
from tests.installer.release_builds import INSTALLER, REPO, write_key_files


def test_generate_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    private, public = tmp_path / "secure" / "release.pem", tmp_path / "release-public-key.pem"
    key_id = release_keys.generate(private, public)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert public_key_id(load_private_key(private).public_key()) == key_id
    assert public_key_id(load_public_key(public)) == key_id
    with pytest.raises(SystemExit, match="refusing to overwrite"):
        release_keys.generate(private, public)
    assert public_key_id(load_private_key(private).public_key()) == key_id  # untouched


def test_an_encrypted_key_needs_its_passphrase(
    tmp_path: Path, signing_key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.pem"
    path.write_bytes(private_key_pem(signing_key, b"correct horse"))
    monkeypatch.delenv("AUTOLYTIQ_SIGNING_KEY_PASSPHRASE", raising=False)
    with pytest.raises(ReleaseError) as error:
        private_key_from_environment(path)
    assert error.value.where == str(path)
    monkeypatch.setenv("AUTOLYTIQ_SIGNING_KEY_PASSPHRASE", "correct horse")
    assert public_key_id(private_key_from_environment(path).public_key()) == public_key_id(
        signing_key.public_key()
    )


def test_the_key_can_come_from_the_environment(
    signing_key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTOLYTIQ_SIGNING_KEY_FILE", raising=False)
    monkeypatch.delenv("AUTOLYTIQ_SIGNING_KEY_PASSPHRASE", raising=False)
    monkeypatch.setenv(SIGNING_KEY_ENV, private_key_pem(signing_key).decode("ascii"))
    assert public_key_id(private_key_from_environment().public_key()) == public_key_id(
        signing_key.public_key()
    )
    monkeypatch.delenv(SIGNING_KEY_ENV)
    with pytest.raises(ReleaseError, match="AUTOLYTIQ_SIGNING_KEY"):
        private_key_from_environment()


def test_a_public_key_file_holding_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not-a-key.pem"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ReleaseError) as error:
        load_public_key(path)
    assert error.value.where == str(path)


def run_build(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AUTOLYTIQ_SIGNING_KEY")}
    return subprocess.run(
        [sys.executable, str(INSTALLER / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**clean, **env},
        timeout=120,
        check=False,
    )


def test_build_refuses_a_signing_key_that_does_not_match_the_pinned_key(
    tmp_path: Path, signing_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey
) -> None:
    private, _ = write_key_files(signing_key, tmp_path)
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    _, other_public = write_key_files(other_key, other_dir)
    dist = tmp_path / "dist"
    result = run_build(
        "--signing-key", str(private), "--public-key", str(other_public), "--dist", str(dist), env={}
    )
    assert result.returncode == 2
    assert "would refuse to start" in result.stderr
    assert public_key_id(other_key.public_key()) in result.stderr
    assert not dist.exists()  # refused before PyInstaller ran


def test_build_without_any_key_says_where_to_put_one(tmp_path: Path) -> None:
    result = run_build("--dist", str(tmp_path / "dist"), env={})
    assert result.returncode == 2
    assert "AUTOLYTIQ_SIGNING_KEY_FILE" in result.stderr and "AUTOLYTIQ_SIGNING_KEY" in result.stderr


def test_resign_gives_a_channel_manifest_a_new_expiry_and_key(
    tmp_path: Path, signing_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey
) -> None:
    from datetime import timedelta

    from app.release import MANIFEST_NAME, UpdateStatus, check_for_update
    from tests.installer.release_builds import make_build, sign_build

    build = make_build(tmp_path / "build")
    sign_build(build, signing_key, version="2.0.0", expires_in=timedelta(seconds=1))
    old_public = tmp_path / "old.pem"
    old_public.write_bytes(write_key_files(signing_key, tmp_path)[1].read_bytes())
    new_dir = tmp_path / "new"
    new_dir.mkdir()
    new_private, _ = write_key_files(other_key, new_dir)
    channel = tmp_path / "channel"
    release_keys.resign(build / MANIFEST_NAME, old_public, new_private, 30, channel / MANIFEST_NAME)
    check = check_for_update(str(channel), "1.0.0", other_key.public_key())
    assert check.status is UpdateStatus.OFFERED and check.manifest is not None
    assert check.manifest.files == verify_manifest_files(build, signing_key)
    # A manifest that does not verify with the stated current key is not re-signed.
    with pytest.raises(ReleaseError, match="signature invalid"):
        release_keys.resign(channel / MANIFEST_NAME, old_public, new_private, 30, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def verify_manifest_files(build: Path, key: Ed25519PrivateKey) -> object:
    from app.release import verify_install

    report = verify_install(build, key.public_key())
    assert report.manifest is not None
    return report.manifest.files

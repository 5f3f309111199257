"""`autolytiq verify` and `autolytiq check-update`: exit codes, output, and no Qt on that path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.release import MANIFEST_NAME
from tests.installer.release_builds import REPO, make_build, sign_build, write_key_files


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # A separate interpreter, so "Qt was not imported" is about this command alone.
    code = (
        "import sys; from ui.cli import main; code = main(sys.argv[1:]); "
        "print('QT-LOADED' if 'PySide6' in sys.modules else 'NO-QT', file=sys.stderr); sys.exit(code)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.fixture
def signed(tmp_path: Path, signing_key: Ed25519PrivateKey) -> tuple[Path, Path]:
    root = make_build(tmp_path / "autolytiq")
    sign_build(root, signing_key, version="1.2.0")
    _, public = write_key_files(signing_key, tmp_path)
    return root, public


def test_verify_passes_on_a_signed_build_without_loading_qt(signed: tuple[Path, Path]) -> None:
    root, public = signed
    result = run_cli("verify", str(root), "--public-key", str(public))
    assert result.returncode == 0, result.stderr
    assert "OK: 5 files match" in result.stdout
    assert "NO-QT" in result.stderr


def test_verify_fails_with_the_altered_file_named(signed: tuple[Path, Path]) -> None:
    root, public = signed
    (root / "_internal" / "calc" / "rules" / "states.json").write_text('{"CA": "0"}\n', encoding="utf-8")
    result = run_cli("verify", str(root), "--public-key", str(public), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["tampered"] == ["_internal/calc/rules/states.json"]


def test_verify_against_the_committed_pinned_key_refuses_a_foreign_build(signed: tuple[Path, Path]) -> None:
    root, _ = signed
    result = run_cli("verify", str(root))
    assert result.returncode == 1
    assert "signature invalid" in result.stdout and "FAILED" in result.stdout


def test_verify_from_source_without_a_path_is_a_usage_error() -> None:
    result = run_cli("verify")
    assert result.returncode == 2
    assert "give the install directory" in result.stderr


def test_verify_with_an_unreadable_key_names_it(signed: tuple[Path, Path], tmp_path: Path) -> None:
    root, _ = signed
    result = run_cli("verify", str(root), "--public-key", str(tmp_path / "missing.pem"))
    assert result.returncode == 2 and "missing.pem" in result.stderr


def test_check_update_reads_the_configured_channel(
    signed: tuple[Path, Path], tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    _, public = signed
    channel = tmp_path / "channel"
    channel.mkdir()
    newer = make_build(tmp_path / "newer")
    sign_build(newer, signing_key, version="99.0.0")
    (channel / MANIFEST_NAME).write_bytes((newer / MANIFEST_NAME).read_bytes())
    system_config = tmp_path / "system.toml"
    system_config.write_text(f'update_channel = "{channel.as_posix()}"\n', encoding="utf-8")
    env = {"AUTOLYTIQ_SYSTEM_CONFIG": str(system_config), "AUTOLYTIQ_USER_CONFIG": str(tmp_path / "u.toml")}
    result = run_cli("check-update", "--public-key", str(public), "--json", env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == "offered" and answer["offered_version"] == "99.0.0"
    assert "NO-QT" in result.stderr
    # The same channel checked against the committed pinned key (which did not sign it) is refused.
    refused = run_cli("check-update", "--json", env=env)
    assert refused.returncode == 1 and json.loads(refused.stdout)["status"] == "refused"


def test_check_update_without_a_channel_says_so(tmp_path: Path) -> None:
    env = {
        "AUTOLYTIQ_SYSTEM_CONFIG": str(tmp_path / "none.toml"),
        "AUTOLYTIQ_USER_CONFIG": str(tmp_path / "none2.toml"),
        "AUTOLYTIQ_UPDATE_CHANNEL": "",
    }
    result = run_cli("check-update", env=env)
    assert result.returncode == 2 and "no update_channel configured" in result.stderr


def test_the_committed_pinned_key_is_an_ed25519_public_key_only() -> None:
    from app.release import pinned_public_key

    key_dir = REPO / "resources" / "release"
    assert pinned_public_key() is not None
    for path in key_dir.iterdir():
        assert b"PRIVATE KEY" not in path.read_bytes(), f"{path} holds a private key"

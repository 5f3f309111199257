"""The real thing: build with PyInstaller, start the frozen app, verify it, then tamper with it.

Slow (a PyInstaller build, 1-3 minutes): marked ``slow``; CI runs it. The signing key is a throwaway
Ed25519 key made here, pinned into this build only.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.release import MANIFEST_NAME, load_public_key, public_key_id, verify_install
from app.release.manifest import FileEntry
from tests.installer.release_builds import INSTALLER, REPO, write_key_files

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("PyInstaller") is None,
        reason="PyInstaller missing: pip install -e '.[build]'",
    ),
]

# A bundled data file the calculator reads; small, so flipping and restoring it is cheap.
RULES = "_internal/calc/rules/states.json"


@dataclass(frozen=True)
class Frozen:
    root: Path
    public_key: Ed25519PublicKey
    summary: dict[str, object]
    output: str
    scratch: Path

    @property
    def executable(self) -> Path:
        return self.root / ("autolytiq-cli.exe" if sys.platform == "win32" else "autolytiq")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        data = self.scratch / "data"
        data.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "AUTOLYTIQ_DATA_DIR": str(data),
            "AUTOLYTIQ_SYSTEM_CONFIG": str(self.scratch / "no-system.toml"),
            "AUTOLYTIQ_USER_CONFIG": str(self.scratch / "no-user.toml"),
        }
        return subprocess.run(
            [str(self.executable), *args], capture_output=True, text=True, env=env, timeout=180, check=False
        )


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Frozen:
    scratch = tmp_path_factory.mktemp("frozen")
    key = Ed25519PrivateKey.generate()
    private, public = write_key_files(key, scratch)
    result = subprocess.run(
        [
            sys.executable,
            str(INSTALLER / "build.py"),
            "--signing-key",
            str(private),
            "--public-key",
            str(public),
            "--channel",
            "test",
            "--dist",
            str(scratch / "dist"),
            "--work",
            str(scratch / "work"),
            "--smoke-runs",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"build failed:\n{result.stdout}\n{result.stderr}"
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return Frozen(Path(str(summary["root"])), key.public_key(), summary, result.stdout, scratch)


@contextmanager
def altered(path: Path, change: str) -> Iterator[None]:
    """Flip one byte of, remove, or add ``path`` for the duration of the block, then put it back."""
    original = path.read_bytes() if path.exists() else None
    try:
        if change == "flip":
            assert original is not None
            data = bytearray(original)
            data[len(data) // 2] ^= 0x01
            path.write_bytes(bytes(data))
        elif change == "remove":
            path.unlink()
        else:
            path.write_text("import os\n", encoding="utf-8")
        yield
    finally:
        if original is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(original)


def test_build_prints_size_and_startup_time(frozen: Frozen) -> None:
    assert "build size:" in frozen.output and "frozen start-up:" in frozen.output
    assert "frozen imports:" in frozen.output
    assert float(str(frozen.summary["build_size_mb"])) > 0
    assert float(str(frozen.summary["startup_ms"])) > 0
    assert frozen.summary["key_id"] == public_key_id(frozen.public_key)
    largest = frozen.summary["largest_mb"]
    assert "largest files (MB):" in frozen.output and isinstance(largest, list) and len(largest) == 20
    checked = frozen.summary["self_check_ms"]
    assert isinstance(checked, dict) and 0 < checked["listing_ms"] <= checked["hashing_done_ms"]
    # Where the platform tools are missing the build says so rather than failing or staying silent.
    assert "Authenticode (osslsigncode):" in frozen.output and "macOS codesign:" in frozen.output


def test_frozen_app_opens_the_demo_headless_and_exits_zero(frozen: Frozen) -> None:
    result = frozen.run("--demo", "--self-test")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["accepts_input"] is True and report["screens"]


def test_signed_manifest_verifies_with_the_pinned_key(frozen: Frozen, tmp_path: Path) -> None:
    report = verify_install(frozen.root, frozen.public_key)
    assert report.ok, report.lines()
    assert report.manifest is not None and report.manifest.channel == "test"
    assert RULES in report.manifest.files and "_internal/app/store/migrations/env.py" in report.manifest.files
    vpic = report.manifest.files["_internal/vin/vehicle.db"]  # the pruned snapshot, not vin's 31 MB one
    assert isinstance(vpic, FileEntry) and vpic.size < 20_000_000
    pinned = frozen.root / "_internal" / "resources" / "release" / "release-public-key.pem"
    assert public_key_id(load_public_key(pinned)) == public_key_id(frozen.public_key)
    command = frozen.run("verify")
    assert command.returncode == 0, command.stdout + command.stderr
    assert "OK:" in command.stdout
    # The same build checked against the committed development key is not trusted.
    assert not verify_install(
        frozen.root, load_public_key(REPO / "resources/release/release-public-key.pem")
    ).ok


def test_one_flipped_byte_fails_verification_and_the_app_refuses_to_start(frozen: Frozen) -> None:
    with altered(frozen.root / RULES, "flip"):
        report = verify_install(frozen.root, frozen.public_key)
        assert not report.ok and report.tampered == (RULES,)
        start = frozen.run("--demo", "--self-test")
        assert start.returncode == 3
        assert "will not start" in start.stderr and f"altered: {RULES}" in start.stderr
        assert "startup_ms" not in start.stdout  # refused before any window
        assert frozen.run("verify").returncode == 1
    assert verify_install(frozen.root, frozen.public_key).ok  # restored


def test_a_missing_file_fails_verification(frozen: Frozen) -> None:
    with altered(frozen.root / RULES, "remove"):
        report = verify_install(frozen.root, frozen.public_key)
        assert report.missing == (RULES,) and report.tampered == () and report.extra == ()
        start = frozen.run("--demo", "--self-test")
        assert start.returncode == 3 and f"missing: {RULES}" in start.stderr


def test_an_extra_file_fails_verification(frozen: Frozen) -> None:
    extra = "_internal/sitecustomize.py"
    with altered(frozen.root / extra, "add"):
        report = verify_install(frozen.root, frozen.public_key)
        assert report.extra == (extra,) and report.missing == ()
        verify = frozen.run("verify", "--json")
        assert verify.returncode == 1 and json.loads(verify.stdout)["extra"] == [extra]


def test_a_deleted_manifest_does_not_switch_the_check_off(frozen: Frozen) -> None:
    manifest = frozen.root / MANIFEST_NAME
    kept = manifest.with_name("kept-manifest")
    shutil.move(manifest, kept)
    try:
        start = frozen.run("--demo", "--self-test")
        assert start.returncode == 3 and "no signed manifest" in start.stderr
    finally:
        shutil.move(kept, manifest)

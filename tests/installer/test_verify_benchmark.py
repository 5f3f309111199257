"""Benchmark of install verification (the start-up self-check); runs once under --benchmark-disable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.release import verify_install
from tests.installer.release_builds import make_build, sign_build


def test_verify_install_speed(benchmark: Any, tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    root = make_build(tmp_path / "autolytiq")
    for index in range(40):  # 40 x 256 KiB of libraries besides the small files
        (root / "_internal" / f"lib{index}.so").write_bytes(os.urandom(256 * 1024))
    sign_build(root, signing_key)
    report = benchmark(verify_install, root, signing_key.public_key())
    assert report.ok and report.manifest is not None and len(report.manifest.files) == 45

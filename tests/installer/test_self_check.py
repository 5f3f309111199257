"""The start-up check as a frozen build runs it, exercised by making this interpreter look frozen."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.release.self_check import TIMES_ENV, running_build_root, start_self_check, startup_refusal
from tests.installer.release_builds import make_build, sign_build


def test_a_source_run_has_nothing_to_check() -> None:
    assert running_build_root() is None
    assert startup_refusal() is None and start_self_check() is None


def test_a_frozen_build_not_signed_with_the_pinned_key_is_refused(
    tmp_path: Path, signing_key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_build(tmp_path / "autolytiq")
    sign_build(root, signing_key)  # a valid signature, but not by the key pinned in resources/release
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(root / "autolytiq"))
    assert running_build_root() == root.resolve()
    check = start_self_check()
    assert check is not None
    refusal = check.refusal()
    assert refusal is not None
    assert refusal.startswith("Autolytiq will not start")
    assert "signature invalid" in refusal and "autolytiq verify" in refusal


def test_a_frozen_build_without_manifest_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_build(tmp_path / "autolytiq")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(root / "autolytiq"))
    refusal = startup_refusal()
    assert refusal is not None and "no signed manifest" in refusal


def test_the_check_records_its_own_figures_when_asked(
    tmp_path: Path, signing_key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_build(tmp_path / "autolytiq")
    sign_build(root, signing_key)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(root / "autolytiq"))
    times = tmp_path / "times.json"
    monkeypatch.setenv(TIMES_ENV, str(times))
    check = start_self_check()
    assert check is not None and check.refusal() is not None  # not the pinned key: refused at step 1
    recorded = json.loads(times.read_text(encoding="utf-8"))
    assert recorded["listing_ms"] > 0 and recorded["start_waited_ms"] >= 0
    assert "hashing_done_ms" not in recorded  # a bad signature stops the check before any hashing

"""verify_install: a signed build passes; altered, missing, added files and a forged manifest do not."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.release import MANIFEST_NAME, ReleaseError, public_key_id, read_signed_manifest, verify_install
from app.release.manifest import FileEntry, LinkEntry, Manifest
from app.release.verify import verify_contents, verify_listing
from tests.installer.release_builds import make_build, sign_build


@pytest.fixture
def build(tmp_path: Path, signing_key: Ed25519PrivateKey) -> Path:
    root = make_build(tmp_path / "autolytiq")
    sign_build(root, signing_key)
    return root


def test_signed_build_verifies_and_lists_every_file(build: Path, signing_key: Ed25519PrivateKey) -> None:
    report = verify_install(build, signing_key.public_key())
    assert report.ok, report.lines()
    assert report.manifest is not None
    assert set(report.manifest.files) == {
        "autolytiq",
        "_internal/calc/rules/states.json",
        "_internal/libdemo.so.1.0",
        "_internal/libdemo.so.1",
        "_internal/empty.txt",
    }
    assert report.manifest.files["_internal/libdemo.so.1"] == LinkEntry("libdemo.so.1.0")
    assert report.manifest.files["_internal/empty.txt"] == FileEntry(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0
    )
    assert report.manifest.version == "1.2.0" and report.manifest.channel == "stable"
    assert report.lines()[-1].startswith("  OK: 5 files")


def flip_one_byte(path: Path, offset: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_one_flipped_byte_is_reported_as_altered(build: Path, signing_key: Ed25519PrivateKey) -> None:
    target = build / "_internal" / "libdemo.so.1.0"
    size_before = target.stat().st_size
    flip_one_byte(target, offset=4321)
    assert target.stat().st_size == size_before  # same size: only the hash can tell
    report = verify_install(build, signing_key.public_key())
    assert not report.ok
    assert report.tampered == ("_internal/libdemo.so.1.0",)
    assert report.missing == () and report.extra == ()
    assert "  altered: _internal/libdemo.so.1.0" in report.lines()


def test_missing_and_extra_files_are_reported(build: Path, signing_key: Ed25519PrivateKey) -> None:
    (build / "_internal" / "calc" / "rules" / "states.json").unlink()
    (build / "_internal" / "sitecustomize.py").write_text("print('injected')\n", encoding="utf-8")
    (build / "_internal" / "plugins").mkdir()
    (build / "_internal" / "plugins" / "libevil.so").write_bytes(b"x")
    report = verify_install(build, signing_key.public_key())
    assert not report.ok
    assert report.missing == ("_internal/calc/rules/states.json",)
    assert report.extra == ("_internal/plugins/libevil.so", "_internal/sitecustomize.py")
    assert report.tampered == ()


def test_a_redirected_symlink_is_altered(build: Path, signing_key: Ed25519PrivateKey) -> None:
    link = build / "_internal" / "libdemo.so.1"
    link.unlink()
    link.symlink_to("/usr/lib/libsomething-else.so")
    report = verify_install(build, signing_key.public_key())
    assert report.tampered == ("_internal/libdemo.so.1",)


def test_a_manifest_edited_after_signing_is_refused(build: Path, signing_key: Ed25519PrivateKey) -> None:
    # The attacker alters a file and updates its hash in the manifest to match.
    target = build / "_internal" / "calc" / "rules" / "states.json"
    target.write_text('{"CA": "0.00"}\n', encoding="utf-8")
    document = json.loads((build / MANIFEST_NAME).read_text(encoding="utf-8"))
    from app.release.manifest import hash_file

    document["signed"]["files"]["_internal/calc/rules/states.json"]["sha256"] = hash_file(target).sha256
    (build / MANIFEST_NAME).write_text(json.dumps(document), encoding="utf-8")
    report = verify_install(build, signing_key.public_key())
    assert not report.ok and not report.signature_valid
    assert "altered after signing" in report.errors[0]
    assert report.tampered == ()  # an unverified manifest is not used to judge files


def test_a_build_signed_with_another_key_is_refused(
    build: Path, other_key: Ed25519PrivateKey, signing_key: Ed25519PrivateKey
) -> None:
    report = verify_install(build, other_key.public_key())
    assert not report.ok
    assert public_key_id(signing_key.public_key()) in report.errors[0]
    assert public_key_id(other_key.public_key()) in report.errors[0]


def test_a_build_without_manifest_is_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    root = make_build(tmp_path / "unsigned")
    report = verify_install(root, signing_key.public_key())
    assert not report.ok
    assert MANIFEST_NAME in report.errors[0]
    assert report.to_json()["ok"] is False


def test_report_as_json(build: Path, signing_key: Ed25519PrivateKey) -> None:
    os.remove(build / "_internal" / "empty.txt")
    data = verify_install(build, signing_key.public_key()).to_json()
    assert data["ok"] is False
    assert data["missing"] == ["_internal/empty.txt"]
    assert data["version"] == "1.2.0" and data["files"] == 5


def test_manifest_round_trips_through_its_signed_form(build: Path, signing_key: Ed25519PrivateKey) -> None:
    signed = read_signed_manifest(build / MANIFEST_NAME)
    manifest = signed.verified(signing_key.public_key())
    assert Manifest.from_payload(manifest.to_payload()) == manifest
    assert manifest.build == {"commit": "test"}
    assert manifest.total_size == sum(
        (build / p).stat().st_size for p, e in manifest.files.items() if isinstance(e, FileEntry)
    )


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("../outside", {"sha256": "0" * 64, "size": 1}, "manifest.files['../outside']"),
        ("/etc/passwd", {"sha256": "0" * 64, "size": 1}, "manifest.files['/etc/passwd']"),
        ("ok", {"sha256": "abc", "size": 1}, "manifest.files['ok'].sha256"),
        ("ok", {"sha256": "0" * 64, "size": -1}, "manifest.files['ok'].size"),
        ("ok", {"sha256": "0" * 64, "size": True}, "manifest.files['ok'].size"),
    ],
)
def test_malformed_file_entries_are_refused_by_name(path: str, value: object, field: str) -> None:
    payload = {
        "app": "autolytiq",
        "version": "1.0.0",
        "channel": "stable",
        "created": "2026-01-01T00:00:00Z",
        "expires": "2026-02-01T00:00:00Z",
        "files": {path: value},
    }
    with pytest.raises(ReleaseError) as error:
        Manifest.from_payload(payload)
    assert error.value.where == field


def test_a_time_without_zone_is_refused() -> None:
    payload = {
        "app": "autolytiq",
        "version": "1.0.0",
        "channel": "stable",
        "created": "2026-01-01T00:00:00",
        "expires": "2026-02-01T00:00:00Z",
        "files": {},
    }
    with pytest.raises(ReleaseError) as error:
        Manifest.from_payload(payload)
    assert error.value.where == "manifest.created"


def test_the_listing_step_finds_a_resized_file_before_any_hashing(
    build: Path, signing_key: Ed25519PrivateKey
) -> None:
    rules = build / "_internal" / "calc" / "rules" / "states.json"
    rules.write_text('{"CA": "7.250"}\n', encoding="utf-8")  # one byte longer
    flip_one_byte(build / "_internal" / "libdemo.so.1.0", offset=10)  # same size
    listed, to_hash = verify_listing(build, signing_key.public_key())
    assert not listed.ok and listed.tampered == ("_internal/calc/rules/states.json",)
    assert "_internal/calc/rules/states.json" not in to_hash and "_internal/libdemo.so.1.0" in to_hash
    # The same-size change needs the hashes; the full check reports both.
    full = verify_contents(listed, to_hash, workers=1)
    assert full.tampered == ("_internal/calc/rules/states.json", "_internal/libdemo.so.1.0")
    assert verify_install(build, signing_key.public_key()).tampered == full.tampered


def test_a_byte_flipped_deep_inside_a_large_file_is_found(
    tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    root = make_build(tmp_path / "autolytiq")
    large = root / "_internal" / "libbig.so"
    payload = os.urandom(3 * 1024 * 1024 + 17)  # large files are hashed from a memory map
    large.write_bytes(payload)
    sign_build(root, signing_key)
    report = verify_install(root, signing_key.public_key())
    assert report.ok and report.manifest is not None
    assert report.manifest.files["_internal/libbig.so"] == FileEntry(
        hashlib.sha256(payload).hexdigest(), len(payload)
    )
    flip_one_byte(large, offset=len(payload) - 5)
    for workers in (1, 3):
        assert verify_install(root, signing_key.public_key(), workers=workers).tampered == (
            "_internal/libbig.so",
        )

"""The update check offers only a newer build whose manifest is signed by the pinned key and not expired."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.release import MANIFEST_NAME, UpdateStatus, check_for_update, public_key_id
from app.release.versions import ReleaseVersion
from tests.installer.release_builds import make_build, sign_build


def publish(
    channel: Path,
    key: Ed25519PrivateKey,
    version: str,
    *,
    name: str = "stable",
    expires_in: timedelta = timedelta(days=30),
) -> Path:
    """Build, sign and copy the manifest to the channel directory, as a release does."""
    build = make_build(channel.parent / f"build-{version}-{name}")
    sign_build(build, key, version=version, channel=name, expires_in=expires_in)
    channel.mkdir(parents=True, exist_ok=True)
    (channel / MANIFEST_NAME).write_bytes((build / MANIFEST_NAME).read_bytes())
    return channel


def test_a_newer_signed_version_is_offered(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    channel = publish(tmp_path / "channel", signing_key, "1.3.0")
    check = check_for_update(str(channel), "1.2.0", signing_key.public_key())
    assert check.status is UpdateStatus.OFFERED, check.reason
    assert check.offered and check.offered_version == "1.3.0"
    assert check.source == str(channel / MANIFEST_NAME)
    assert "1.3.0 is available" in check.reason


def test_the_same_version_is_up_to_date(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    channel = publish(tmp_path / "channel", signing_key, "1.2.0")
    check = check_for_update(str(channel), "1.2.0", signing_key.public_key())
    assert check.status is UpdateStatus.UP_TO_DATE
    assert not check.offered and check.offered_version is None


def test_an_older_version_is_refused_as_a_downgrade(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    channel = publish(tmp_path / "channel", signing_key, "1.1.9")
    check = check_for_update(str(channel), "1.2.0", signing_key.public_key())
    assert check.status is UpdateStatus.REFUSED
    assert "no downgrade" in check.reason and not check.offered


def test_a_bad_signature_is_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    channel = publish(tmp_path / "channel", signing_key, "1.3.0")
    document = json.loads((channel / MANIFEST_NAME).read_text(encoding="utf-8"))
    document["signed"]["version"] = "9.0.0"  # a bigger number, same signature
    (channel / MANIFEST_NAME).write_text(json.dumps(document), encoding="utf-8")
    check = check_for_update(str(channel), "1.2.0", signing_key.public_key())
    assert check.status is UpdateStatus.REFUSED
    assert "signature invalid" in check.reason and "altered after signing" in check.reason


def test_a_manifest_signed_with_another_key_is_refused(
    tmp_path: Path, signing_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey
) -> None:
    channel = publish(tmp_path / "channel", other_key, "2.0.0")
    check = check_for_update(str(channel), "1.2.0", signing_key.public_key())
    assert check.status is UpdateStatus.REFUSED
    assert public_key_id(other_key.public_key()) in check.reason
    assert check.manifest is None  # nothing from an unverified file is passed on


def test_an_expired_manifest_is_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    channel = publish(tmp_path / "channel", signing_key, "1.3.0", expires_in=timedelta(days=1))
    assert check_for_update(str(channel), "1.2.0", signing_key.public_key()).offered
    later = datetime.now(UTC) + timedelta(days=2)
    check = check_for_update(str(channel), "1.2.0", signing_key.public_key(), now=later)
    assert check.status is UpdateStatus.REFUSED
    assert "expired" in check.reason


def test_a_manifest_for_another_channel_is_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    channel = publish(tmp_path / "channel", signing_key, "1.3.0b1", name="beta")
    check = check_for_update(str(channel), "1.2.0", signing_key.public_key(), expected_channel="stable")
    assert check.status is UpdateStatus.REFUSED
    assert "'beta'" in check.reason and "'stable'" in check.reason
    # Without a channel of its own (a source run) the version rule alone applies.
    assert check_for_update(str(channel), "1.2.0", signing_key.public_key()).offered


def test_channel_forms_file_url_and_json_path(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    channel = publish(tmp_path / "channel", signing_key, "1.3.0")
    key = signing_key.public_key()
    assert check_for_update(channel.as_uri(), "1.2.0", key).offered
    assert check_for_update(str(channel / MANIFEST_NAME), "1.2.0", key).offered


@pytest.fixture
def http_channel(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/autolytiq/stable/"
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_channel_is_read(http_channel: tuple[Path, str], signing_key: Ed25519PrivateKey) -> None:
    root, url = http_channel
    publish(root / "autolytiq" / "stable", signing_key, "1.3.0")
    check = check_for_update(url, "1.2.0", signing_key.public_key())
    assert check.offered, check.reason
    assert check.source == url + MANIFEST_NAME


def test_an_unreachable_channel_is_unavailable_not_refused(
    http_channel: tuple[Path, str], tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    _, url = http_channel  # nothing published: 404
    assert check_for_update(url, "1.2.0", signing_key.public_key()).status is UpdateStatus.UNAVAILABLE
    missing = check_for_update(str(tmp_path / "nowhere"), "1.2.0", signing_key.public_key())
    assert missing.status is UpdateStatus.UNAVAILABLE


def test_garbage_and_unsupported_channels_are_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    (tmp_path / MANIFEST_NAME).write_text("<html>captive portal</html>", encoding="utf-8")
    garbage = check_for_update(str(tmp_path), "1.2.0", signing_key.public_key())
    assert garbage.status is UpdateStatus.REFUSED and "not a JSON manifest" in garbage.reason
    ftp = check_for_update("ftp://example.com/updates", "1.2.0", signing_key.public_key())
    assert ftp.status is UpdateStatus.REFUSED and "unsupported scheme" in ftp.reason
    empty = check_for_update("  ", "1.2.0", signing_key.public_key())
    assert empty.status is UpdateStatus.REFUSED and "update_channel" in empty.reason


def test_an_unparseable_running_version_is_refused(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    channel = publish(tmp_path / "channel", signing_key, "1.3.0")
    check = check_for_update(str(channel), "latest", signing_key.public_key())
    assert check.status is UpdateStatus.REFUSED and "running version" in check.reason


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("1.9.0", "1.10.0"),
        ("1.2", "1.2.1"),
        ("2.0.0rc1", "2.0.0"),
        ("2.0.0a3", "2.0.0b1"),
        ("2.0.0b2", "2.0.0rc1"),
        ("0.9.9", "1.0"),
    ],
)
def test_version_order(older: str, newer: str) -> None:
    assert ReleaseVersion.parse(older) < ReleaseVersion.parse(newer)
    assert ReleaseVersion.parse(newer) > ReleaseVersion.parse(older)


def test_trailing_zeros_and_local_labels_do_not_change_the_version() -> None:
    assert ReleaseVersion.parse("1.2") == ReleaseVersion.parse("1.2.0")
    assert ReleaseVersion.parse("1.2.0+build7") == ReleaseVersion.parse("1.2.0")


@pytest.mark.parametrize("text", ["", "v1.2.0", "1.2.x", "1..2", "1.2.0-beta", "latest"])
def test_unparseable_versions_are_refused(text: str) -> None:
    from app.release import ReleaseError

    with pytest.raises(ReleaseError) as error:
        ReleaseVersion.parse(text, field="manifest.version")
    assert error.value.where == "manifest.version"


def test_the_configured_channel_is_checked_and_none_configured_means_no_check(
    tmp_path: Path, signing_key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.release.configured_update import check_configured_update

    monkeypatch.setenv("AUTOLYTIQ_SYSTEM_CONFIG", str(tmp_path / "system.toml"))
    monkeypatch.setenv("AUTOLYTIQ_USER_CONFIG", str(tmp_path / "user.toml"))
    monkeypatch.delenv("AUTOLYTIQ_UPDATE_CHANNEL", raising=False)
    assert check_configured_update("1.2.0", public_key=signing_key.public_key()) is None
    channel = publish(tmp_path / "channel", signing_key, "1.4.0")
    (tmp_path / "system.toml").write_text(f'update_channel = "{channel.as_uri()}"\n', encoding="utf-8")
    check = check_configured_update("1.2.0", public_key=signing_key.public_key())
    assert check is not None and check.offered_version == "1.4.0"

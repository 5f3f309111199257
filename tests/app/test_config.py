"""Settings: IT's system file, the user's file, the environment — and IT's locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, Settings, data_dir, load_settings


@pytest.fixture
def config_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    system, user = tmp_path / "system.toml", tmp_path / "user.toml"
    monkeypatch.setenv("AUTOLYTIQ_SYSTEM_CONFIG", str(system))
    monkeypatch.setenv("AUTOLYTIQ_USER_CONFIG", str(user))
    for name in (
        "AUTOLYTIQ_SERVER_URL",
        "AUTOLYTIQ_TENANT_ID",
        "AUTOLYTIQ_UPDATE_CHANNEL",
        "AUTOLYTIQ_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    return system, user


def test_defaults_without_any_file(config_files: tuple[Path, Path]) -> None:
    assert load_settings() == Settings()


def test_user_file_overrides_system_file_unless_locked(config_files: tuple[Path, Path]) -> None:
    system, user = config_files
    system.write_text(
        'server_url = "https://sync.dealer.example"\nupdate_channel = "stable"\nlocked = ["server_url"]\n'
    )
    user.write_text('server_url = "http://localhost:9"\nupdate_channel = "beta"\noffline_grace_hours = 24\n')
    settings = load_settings()
    assert settings.server_url == "https://sync.dealer.example"  # locked by IT
    assert settings.update_channel == "beta"
    assert settings.offline_grace_hours == 24


def test_environment_overrides_files(
    config_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, user = config_files
    user.write_text('server_url = "http://a.example"\n')
    monkeypatch.setenv("AUTOLYTIQ_SERVER_URL", "http://b.example")
    assert load_settings().server_url == "http://b.example"


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('offline_grace_hours = "many"\n', "offline_grace_hours"),
        ("offline_grace_hours = 100000\n", "offline_grace_hours"),
        ('colour = "blue"\n', "colour"),
        ("server_url = [\n", "(file)"),
    ],
)
def test_bad_settings_name_the_key(config_files: tuple[Path, Path], content: str, key: str) -> None:
    _, user = config_files
    user.write_text(content)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert raised.value.field == key
    assert str(user) in str(raised.value)


def test_data_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOLYTIQ_DATA_DIR", str(tmp_path / "data"))
    assert data_dir() == tmp_path / "data"
    assert (tmp_path / "data").is_dir()

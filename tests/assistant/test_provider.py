"""Provider settings: environment over saved choice, the key in the keyring only, clear errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import keyring
import pytest

from app.assistant.provider import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_MODEL,
    ProviderConfig,
    ProviderError,
    load_provider,
    save_provider,
)
from app.config import Settings
from tests.desktop.keyrings import MemoryKeyring


@pytest.fixture
def memory_keyring() -> object:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (ENV_BASE_URL, ENV_MODEL, ENV_API_KEY):
        monkeypatch.delenv(name, raising=False)


def test_nothing_configured_means_no_provider(tmp_path: Path, no_env: None) -> None:
    assert load_provider(Settings(), tmp_path / "none.json") is None


def test_the_key_goes_to_the_keyring_not_the_file(
    tmp_path: Path, memory_keyring: MemoryKeyring, no_env: None
) -> None:
    path = tmp_path / "provider.json"
    config = ProviderConfig(
        "https://api.openai.com/v1",
        "gpt-4o-mini",
        api_key="sk-secret-123",
        input_price_per_mtok=Decimal("0.15"),
    )
    assert save_provider(config, path) is True
    assert "sk-secret-123" not in path.read_text()
    assert json.loads(path.read_text())["input_price_per_mtok"] == "0.15"
    loaded = load_provider(Settings(), path)
    assert loaded == config


def test_without_a_secure_keyring_the_key_is_not_persisted(tmp_path: Path, no_env: None) -> None:
    # The test session runs on the null keyring backend, as a headless machine without one would.
    path = tmp_path / "provider.json"
    assert (
        save_provider(ProviderConfig("https://api.openai.com/v1", "gpt-4o-mini", api_key="sk-x"), path)
        is False
    )
    loaded = load_provider(Settings(), path)
    assert loaded is not None and loaded.api_key is None
    with pytest.raises(ProviderError) as caught:
        loaded.effective_api_key()
    assert caught.value.field == "api_key"


def test_environment_overrides_the_saved_choice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    path = tmp_path / "provider.json"
    save_provider(ProviderConfig("https://api.openai.com/v1", "gpt-4o-mini", api_key="sk-saved"), path)
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:11434/v1")
    monkeypatch.setenv(ENV_MODEL, "llama3.1")
    monkeypatch.delenv(ENV_API_KEY, raising=False)
    loaded = load_provider(Settings(), path)
    assert loaded is not None
    assert (loaded.base_url, loaded.model, loaded.is_local) == ("http://127.0.0.1:11434/v1", "llama3.1", True)


def test_it_can_switch_the_assistant_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:11434/v1")
    assert load_provider(Settings(ai_provider_allowed=False), tmp_path / "p.json") is None


@pytest.mark.parametrize(
    ("url", "model", "field"),
    [
        ("ftp://example.com", "m", "base_url"),
        ("http://api.example.com/v1", "m", "base_url"),  # remote over plain http
        ("https://api.example.com/v1", " ", "model"),
    ],
)
def test_bad_settings_name_the_field(tmp_path: Path, url: str, model: str, field: str) -> None:
    path = tmp_path / "provider.json"
    with pytest.raises(ProviderError) as caught:
        save_provider(ProviderConfig(url, model), path)
    assert caught.value.field == field
    assert not path.exists()


def test_cost_is_counted_in_exact_dollars() -> None:
    config = ProviderConfig(
        "https://api.openai.com/v1",
        "m",
        input_price_per_mtok=Decimal("0.15"),
        output_price_per_mtok=Decimal("0.60"),
    )
    assert config.cost(1_000_000, 500_000) == Decimal("0.45")


def test_probe_checks_the_url_and_the_model_against_the_server(server: object) -> None:
    from app.assistant.provider import probe_provider
    from tests.assistant.fake_provider import FakeProvider

    assert isinstance(server, FakeProvider)
    assert probe_provider(ProviderConfig(server.url, "fake-model")) == ["fake-model"]
    with pytest.raises(ProviderError) as wrong_model:
        probe_provider(ProviderConfig(server.url, "gpt-9"))
    assert wrong_model.value.field == "model" and "fake-model" in wrong_model.value.message
    assert server.requests == []  # a probe lists models; it asks nothing


def test_probe_of_a_server_that_is_not_there_names_the_url() -> None:
    import socket

    from app.assistant.provider import probe_provider

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ProviderError) as caught:
        probe_provider(ProviderConfig(f"http://127.0.0.1:{port}/v1", "llama3.1", timeout_seconds=2))
    assert caught.value.field == "base_url"


def test_open_assistant_uses_the_configured_provider_or_says_why_not(
    server: object, demo: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.assistant.service import open_assistant
    from app.runtime import AppContext
    from tests.assistant.fake_provider import FakeProvider

    assert isinstance(server, FakeProvider) and isinstance(demo, AppContext)
    monkeypatch.setenv(ENV_BASE_URL, server.url)
    monkeypatch.setenv(ENV_MODEL, "fake-model")
    service = open_assistant(demo)
    assert service.configured and service.provider is not None and service.provider.base_url == server.url
    monkeypatch.setenv(ENV_BASE_URL, "http://models.example.com/v1")  # remote over plain http
    refused = open_assistant(demo)
    assert not refused.configured
    assert "base_url" in (refused.settings_problem or "")

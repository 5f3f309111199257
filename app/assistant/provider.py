"""Which model server the assistant talks to, and where its API key lives.

Nothing is sent anywhere until a provider is configured: either by the dealership (saved with
:func:`save_provider`, the key in the OS keyring) or by ``AUTOLYTIQ_AI_BASE_URL`` / ``AUTOLYTIQ_AI_MODEL`` /
``AUTOLYTIQ_AI_API_KEY``, which win over the saved choice. IT can switch the assistant off for the whole
install with the ``ai_provider_allowed = false`` setting.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import keyring
import keyring.errors
import openai

from app.config import Settings, data_dir

log = logging.getLogger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
KEYRING_SERVICE = "autolytiq.assistant"
ENV_BASE_URL = "AUTOLYTIQ_AI_BASE_URL"
ENV_MODEL = "AUTOLYTIQ_AI_MODEL"
ENV_API_KEY = "AUTOLYTIQ_AI_API_KEY"
# Local servers (Ollama, llama.cpp) ignore the key, but the SDK insists on one.
LOCAL_PLACEHOLDER_KEY = "local-no-key"
# Backends that would keep the key in a plain file or drop it: the key then lives in memory only.
_INSECURE_BACKENDS = frozenset(
    {"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring", "keyrings.alt.file.PlaintextKeyring"}
)


class ProviderError(ValueError):
    """A provider setting a person must correct; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """An OpenAI-compatible endpoint. Prices are US dollars per million tokens (0 for a local model)."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_seconds: float = 30.0
    input_price_per_mtok: Decimal = Decimal("0")
    output_price_per_mtok: Decimal = Decimal("0")
    supports_tools: bool = True
    # A dealership may want personal data kept back even from its own local server (shared machines).
    always_redact: bool = False

    @property
    def is_local(self) -> bool:
        """True when the server is on this machine (loopback)."""
        return is_loopback_url(self.base_url)

    @property
    def redacts(self) -> bool:
        """Personal data is redacted unless the server is on this machine; a LAN server counts as remote."""
        return self.always_redact or not self.is_local

    def effective_api_key(self) -> str:
        if self.api_key:
            return self.api_key
        if self.is_local:
            return LOCAL_PLACEHOLDER_KEY
        raise ProviderError("api_key", f"the provider at {self.base_url} needs an API key")

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        million = Decimal(1_000_000)
        return (
            Decimal(prompt_tokens) * self.input_price_per_mtok
            + Decimal(completion_tokens) * self.output_price_per_mtok
        ) / million


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_provider(config: ProviderConfig) -> ProviderConfig:
    parts = urlsplit(config.base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProviderError("base_url", "must be an http(s) URL such as https://api.openai.com/v1")
    if parts.scheme == "http" and not config.is_local:
        raise ProviderError(
            "base_url", "a remote provider must use https; plain http is only for this machine"
        )
    if not config.model.strip():
        raise ProviderError("model", "is required (e.g. gpt-4o-mini, llama3.1)")
    if not 1 <= config.timeout_seconds <= 600:
        raise ProviderError("timeout_seconds", "must be between 1 and 600 seconds")
    for name in ("input_price_per_mtok", "output_price_per_mtok"):
        value = getattr(config, name)
        if not value.is_finite() or value < 0:
            raise ProviderError(name, "must be a price of zero or more")
    return config


def probe_provider(config: ProviderConfig) -> list[str]:
    """Ask the server which models it offers (``GET /models``): proves the URL and the key before saving.

    Raises :class:`ProviderError` naming the field to fix. Servers that do not list models (some Azure-style
    deployments answer 404) pass with an empty list: the first question will tell.
    """
    check_provider(config)
    client = openai.OpenAI(
        base_url=config.base_url,
        api_key=config.effective_api_key(),
        timeout=min(config.timeout_seconds, 10.0),
        max_retries=0,
    )
    try:
        models = sorted(model.id for model in client.models.list())
    except openai.NotFoundError:
        return []
    except openai.AuthenticationError:
        raise ProviderError("api_key", "the server refused this API key") from None
    except (openai.OpenAIError, httpx.HTTPError) as exc:
        raise ProviderError(
            "base_url", f"no OpenAI-compatible server answered at {config.base_url} ({exc})"
        ) from None
    finally:
        client.close()
    if models and config.model not in models:
        raise ProviderError(
            "model", f"{config.model!r} is not offered here; the server has {', '.join(models[:10])}"
        )
    return models


def provider_file() -> Path:
    return data_dir() / "assistant-provider.json"


def _secure_keyring() -> bool:
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    return name not in _INSECURE_BACKENDS


def save_provider(config: ProviderConfig, path: Path | None = None) -> bool:
    """Save the dealership's choice; the key goes to the OS keyring, never to the file.

    Returns False when no secure keyring exists: the key is then not persisted and must be entered again.
    """
    check_provider(config)
    values: dict[str, Any] = asdict(config)
    values.pop("api_key")
    for name in ("input_price_per_mtok", "output_price_per_mtok"):
        values[name] = str(values[name])
    target = path or provider_file()
    target.write_text(json.dumps(values, indent=1), encoding="utf-8")
    if not config.api_key:
        return True
    if not _secure_keyring():
        log.warning("no secure keyring: the assistant's API key is kept for this session only")
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, config.base_url, config.api_key)
    except keyring.errors.KeyringError as exc:
        log.warning("the keyring refused the assistant's API key: %s", exc)
        return False
    return True


def _decimal(raw: object, field: str) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise ProviderError(field, f"not a number: {raw!r}") from None


def _read_saved(path: Path) -> ProviderConfig | None:
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProviderError("provider", f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict) or not raw.get("base_url") or not raw.get("model"):
        raise ProviderError("provider", f"{path} lacks base_url or model")
    config = ProviderConfig(
        base_url=str(raw["base_url"]),
        model=str(raw["model"]),
        timeout_seconds=float(raw.get("timeout_seconds", 30.0)),
        input_price_per_mtok=_decimal(raw.get("input_price_per_mtok", "0"), "input_price_per_mtok"),
        output_price_per_mtok=_decimal(raw.get("output_price_per_mtok", "0"), "output_price_per_mtok"),
        supports_tools=bool(raw.get("supports_tools", True)),
        always_redact=bool(raw.get("always_redact", False)),
    )
    try:
        key = keyring.get_password(KEYRING_SERVICE, config.base_url)
    except keyring.errors.KeyringError:
        key = None
    return replace(config, api_key=key)


def load_provider(settings: Settings, path: Path | None = None) -> ProviderConfig | None:
    """The configured provider, or None when there is none (then nothing is ever sent)."""
    if not settings.ai_provider_allowed:
        return None
    saved = _read_saved(path or provider_file())
    env_url = os.environ.get(ENV_BASE_URL, "").strip()
    env_model = os.environ.get(ENV_MODEL, "").strip()
    env_key = os.environ.get(ENV_API_KEY, "").strip()
    if not (env_url or saved):
        return None
    config = saved or ProviderConfig(base_url=env_url, model=env_model or DEFAULT_MODEL)
    if env_url:
        config = replace(config, base_url=env_url)
    if env_model:
        config = replace(config, model=env_model)
    if env_key:
        config = replace(config, api_key=env_key)
    return check_provider(config)

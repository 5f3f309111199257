"""Where the app keeps its data and what IT and the user configured.

Precedence (lowest first): built-in defaults, the system-wide TOML file IT deploys, the user's own TOML
file, then environment variables. IT's file can lock a key (``locked = ["server_url", ...]``) so the
user's file cannot override it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "Autolytiq"
log = logging.getLogger(__name__)


def data_dir() -> Path:
    """The data directory: ``AUTOLYTIQ_DATA_DIR`` or the platform's user data dir."""
    override = os.environ.get("AUTOLYTIQ_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Where the app keeps what it can always make again (the demo template): ``AUTOLYTIQ_CACHE_DIR`` or
    the platform's user cache dir. Shared by every data dir, so a fresh one does not rebuild it."""
    override = os.environ.get("AUTOLYTIQ_CACHE_DIR")
    path = Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def system_config_path() -> Path:
    override = os.environ.get("AUTOLYTIQ_SYSTEM_CONFIG")
    if override:
        return Path(override)
    if sys.platform.startswith("linux"):
        return Path("/etc/autolytiq/config.toml")
    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def user_config_path() -> Path:
    override = os.environ.get("AUTOLYTIQ_USER_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


class ConfigError(ValueError):
    def __init__(self, source: str, key: str, message: str) -> None:
        super().__init__(f"{source}: {key}: {message}")
        self.source = source
        self.field = key


@dataclass(frozen=True, slots=True)
class Settings:
    server_url: str | None = None
    tenant_id: str | None = None
    update_channel: str | None = None
    ai_provider_allowed: bool = True
    offline_grace_hours: int = 72
    log_level: str = "INFO"
    locked: frozenset[str] = field(default_factory=frozenset)

    @property
    def server_configured(self) -> bool:
        return bool(self.server_url)


_TYPES: dict[str, type] = {
    "server_url": str,
    "tenant_id": str,
    "update_channel": str,
    "ai_provider_allowed": bool,
    "offline_grace_hours": int,
    "log_level": str,
}
_ENV = {
    "server_url": "AUTOLYTIQ_SERVER_URL",
    "tenant_id": "AUTOLYTIQ_TENANT_ID",
    "update_channel": "AUTOLYTIQ_UPDATE_CHANNEL",
    "log_level": "AUTOLYTIQ_LOG_LEVEL",
}


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    import tomllib  # only when there is a file to read: most starts have none

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "(file)", f"not valid TOML: {exc}") from exc


def _checked(source: str, raw: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "locked":
            continue
        expected = _TYPES.get(key)
        if expected is None:
            raise ConfigError(source, key, "unknown setting")
        if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
            raise ConfigError(source, key, f"must be {expected.__name__}")
        if key == "offline_grace_hours" and isinstance(value, int) and not 0 <= value <= 24 * 30:
            raise ConfigError(source, key, "must be between 0 and 720 hours")
        values[key] = value
    return values


def load_settings() -> Settings:
    system_path, user_path = system_config_path(), user_config_path()
    system_raw = _read_toml(system_path)
    locked = system_raw.get("locked", [])
    if not isinstance(locked, list) or not all(isinstance(k, str) for k in locked):
        raise ConfigError(str(system_path), "locked", "must be a list of setting names")
    settings = replace(Settings(), **_checked(str(system_path), system_raw), locked=frozenset(locked))
    user_values = _checked(str(user_path), _read_toml(user_path))
    for key in sorted(set(user_values) & settings.locked):
        log.warning("setting %s is locked by the system configuration; the user's value is ignored", key)
        del user_values[key]
    settings = replace(settings, **user_values)
    env_values: dict[str, Any] = {key: os.environ[name] for key, name in _ENV.items() if os.environ.get(name)}
    return replace(settings, **{k: v for k, v in env_values.items() if k not in settings.locked})


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings) if f.name != "locked"]


def configure_logging(level: str = "INFO") -> Path:
    """Log to a rotating file in the data dir (5 files of 2 MB) and warnings to stderr."""
    log_dir = data_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "autolytiq.log"
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        root.addHandler(console)
    root.setLevel(level.upper())
    return path

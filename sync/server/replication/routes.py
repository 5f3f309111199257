"""/sync endpoints: push, pull and conflict review."""

from __future__ import annotations

import json
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from app.policy import Permission
from sync.protocol import (
    MAX_PULL_LIMIT,
    ConflictPage,
    ConflictRecord,
    PullResponse,
    PushRequest,
    PushResponse,
    ResolveConflict,
    SchemaTooOld,
)
from sync.schema import MIN_CLIENT_SCHEMA_VERSION, SCHEMA_VERSION, SYNCED_TABLES
from sync.server.auth.principal import Claims, load_caller
from sync.server.context import ServerContext, server_context
from sync.server.db import rows
from sync.server.errors import ApiError
from sync.server.replication import conflicts
from sync.server.replication.access import hidden_fields, may_pull, may_pull_row
from sync.server.replication.merge import Writer, apply_push

router = APIRouter(prefix="/sync", tags=["sync"])
Ctx = Annotated[ServerContext, Depends(server_context)]

_OUTDATED = {426: {"model": SchemaTooOld, "description": "The client's schema is too old: update the app."}}


class EpochChangedError(ApiError):
    status = 410


def _too_old(version: int) -> JSONResponse | None:
    if version >= MIN_CLIENT_SCHEMA_VERSION:
        return None
    body = SchemaTooOld(
        detail=f"This version of the app is too old for the server (data schema {version}, the server needs "
        f"at least {MIN_CLIENT_SCHEMA_VERSION}). Update Autolytiq, then sync again; your unsynced changes "
        "are kept.",
        client_schema_version=version,
        min_schema_version=MIN_CLIENT_SCHEMA_VERSION,
        server_schema_version=SCHEMA_VERSION,
    )
    return JSONResponse(body.model_dump(), status_code=426)


@router.post("/push", response_model=PushResponse, responses=_OUTDATED)  # type: ignore[arg-type]
def push(body: PushRequest, claims: Claims, ctx: Ctx) -> Response:
    """Apply the device's outbox (oldest first); one answer per op, in order. Safe to repeat."""
    outdated = _too_old(body.schema_version)
    if outdated is not None:
        return outdated
    with ctx.db.tenant(claims.tenant_id) as conn:
        caller = load_caller(conn, claims)
        caller.require(Permission.SYNC_USE)
        writer = Writer(principal=caller.principal, user_id=claims.user_id, device_id=body.device_id)
        answer = apply_push(conn, body, writer)
    # Serialised here, once: FastAPI would otherwise validate the whole answer again.
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get("/pull", response_model=PullResponse, responses=_OUTDATED)  # type: ignore[arg-type]
def pull(
    claims: Claims,
    ctx: Ctx,
    schema_version: Annotated[int, Query(ge=0, le=1_000_000)],
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 500,
    epoch: UUID | None = None,
) -> Response:
    """Rows changed after `since`, in sequence order, with tombstones.

    Repeat with `next_since` while `has_more`.
    """
    outdated = _too_old(schema_version)
    if outdated is not None:
        return outdated
    with ctx.db.tenant(claims.tenant_id, snapshot=True) as conn:
        caller = load_caller(conn, claims, touch=False)
        caller.require(Permission.SYNC_USE)
        last, current_epoch = rows.read_sequence(conn)
        if epoch is not None and epoch != current_epoch:
            raise EpochChangedError(
                "epoch: the server's data was restored or re-seeded; pull again from since=0"
            )
        # Tables the caller may not see are not read: their rows would only be dropped below, and
        # next_since moves past them all the same.
        visible = [table for table in SYNCED_TABLES if may_pull(caller.principal, table)]
        found = rows.changes_since(conn, since, limit + 1, visible)
        page = found[:limit]
        hidden = {table: hidden_fields(caller.principal, table) for table in {r.table for r in page}}
    # Shaped as PullResponse, serialised without building a model per row (pages hold up to 1000 rows).
    answer = {
        # Rows of tables the user may not see are left out; next_since still moves past them.
        "changes": [
            rows.to_wire_row(r, hidden[r.table])
            for r in page
            if may_pull_row(caller.principal, r.table, r.values)
        ],
        # With nothing more to read, the page covers the snapshot up to the sequence's last number
        # (rows of tables not read included): a caller seeing few tables does not re-scan the rest.
        "next_since": page[-1].version if len(found) > limit else max(since, last),
        "has_more": len(found) > limit,
        "epoch": str(current_epoch),
        "server_seq": last,
    }
    return Response(json.dumps(answer, separators=(",", ":")), media_type="application/json")


@router.get("/conflicts", response_model=ConflictPage)
def list_conflicts(
    claims: Claims,
    ctx: Ctx,
    open_only: bool = True,
    table: Annotated[str | None, Query(max_length=64)] = None,
    row_id: UUID | None = None,
    after: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ConflictPage:
    """Conflict records for review (managers)."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.SYNC_RESOLVE_CONFLICTS)
        return conflicts.list_conflicts(
            conn, open_only=open_only, table=table, row_id=row_id, after=after, limit=limit
        )


@router.post("/conflicts/{conflict_id}/resolve", response_model=ConflictRecord)
def resolve_conflict(conflict_id: UUID, body: ResolveConflict, claims: Claims, ctx: Ctx) -> ConflictRecord:
    """Settle a conflict: keep the row as it is, or apply the losing value as a new change."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.SYNC_RESOLVE_CONFLICTS)
        return conflicts.resolve(
            conn, conflict_id, body.choice, actor=claims.user_id, device=claims.device_id
        )

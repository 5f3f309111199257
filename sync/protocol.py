"""Wire models of the sync protocol, shared by the desktop client and the sync service.

Flow (always push, then pull):

1. ``POST /sync/push`` with a :class:`PushRequest`: the device's outbox, oldest first, at most 500 ops.
   Each op changes one row of one table in :data:`sync.schema.SYNCED_TABLES` and carries only the fields
   that changed. The server answers every op with an :class:`OpResult`, in order; the client deletes an
   outbox row only once it has an answer for it (whatever the status). Sending the same ``op_id`` again
   is safe: the server stores each op's result and answers a repeat with it (``duplicate = true``)
   without applying anything twice — so after a timeout or a dropped connection, just push again.
2. ``GET /sync/pull?since=<seq>&limit=<n>&schema_version=<v>[&epoch=<uuid>]``: rows changed after
   ``since``, in the order of the dealership's sequence number, as a :class:`PullResponse`. Apply the page
   and store ``next_since`` in one local transaction; repeat while ``has_more``. Deleted rows come as
   tombstones (``deleted = true``, no fields). If the server answers 410, its ``epoch`` changed (restored
   from a backup): keep the outbox, drop the checkpoint and pull from 0.

Versions: every write on the server takes the next number of the dealership's sequence; a row's
``version`` is the number of its last write. A client sends, as ``base_version``, the version of the row
it last pulled (0 for a row it created). For each field in the op, the server compares the field's own
last-write number with ``base_version``: if nobody else wrote the field since, the client's value is
applied; otherwise both wrote it concurrently and the later hybrid-logical-clock stamp (:class:`Hlc`)
wins, the losing value going into a conflict record a manager can review (``/sync/conflicts``).
Different fields of one row never conflict. A delete wins over a concurrent edit (the edit is kept in a
conflict record); ``restore`` brings a deleted row back explicitly.

Rejections (``status = "rejected"``, nothing applied, ``reason`` and ``field`` say why): unknown table,
a field this server does not know (a newer client; the op is refused, never stored partially), a value
of the wrong type, a table the desktops may not write (users, roles, the dealership), an update or
delete of an append-only table (audit), a missing permission, a reference to a row that does not exist.

Schema versions: each request carries the client's ``sync.schema.SCHEMA_VERSION``. Below the server's
``MIN_CLIENT_SCHEMA_VERSION`` the answer is HTTP 426 with a :class:`SchemaTooOld` body: update the app.

Value encoding per field type (see ``sync.schema``): text and uuid as strings, int as integers, decimal
as strings (``"1234.50"``, exact), date ``YYYY-MM-DD``, datetime ISO 8601 with an offset, bool, json any
JSON value; ``null`` clears a field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from sync.hlc import Hlc as Hlc  # part of the protocol, re-exported
from sync.hlc import HybridLogicalClock as HybridLogicalClock

MAX_PUSH_OPS = 500
MAX_PULL_LIMIT = 1000

# A row's fields as they travel: name → value encoded as described above. Not ``JsonValue``: the
# values reach a model only by parsing JSON (or from our own store's JSON), so they are JSON already,
# and pydantic's per-value JsonValue check was most of the cost of reading a 500-op push or a pull page.
WireFields = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PushOp(_Model):
    op_id: UUID = Field(description="Client-generated id (UUIDv7) of this change; the idempotency key.")
    table: str = Field(min_length=1, max_length=64, description="A table of sync.schema.SYNCED_TABLES.")
    row_id: UUID = Field(description="Client-generated id of the row.")
    kind: Literal["upsert", "delete", "restore"] = Field(
        default="upsert",
        description="upsert: create the row or change fields; delete: tombstone it; "
        "restore: undelete it (with optional field changes).",
    )
    base_version: int = Field(
        default=0, ge=0, description="Version of the row the client last pulled; 0 for a row it created."
    )
    fields: WireFields = Field(
        default_factory=dict, description="Only the changed fields, encoded as described in the module doc."
    )
    hlc: str = Field(description="Hybrid-logical-clock stamp of the change, '<unix ms>-<counter>-<node>'.")

    @field_validator("hlc")
    @classmethod
    def _valid_hlc(cls, value: str) -> str:
        Hlc.parse(value)
        return value


class PushRequest(_Model):
    device_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    schema_version: int = Field(ge=0, description="The client's sync.schema.SCHEMA_VERSION.")
    ops: list[PushOp] = Field(max_length=MAX_PUSH_OPS)


class FieldConflict(_Model):
    conflict_id: UUID
    field: str | None = Field(description="The field both sides wrote; None for a delete conflict.")
    kind: Literal["field", "delete_vs_edit", "edit_vs_delete"]
    winner: Literal["server", "client"] = Field(description="Whose value the row now holds.")
    server_value: JsonValue = None
    client_value: JsonValue = None


class ServerRow(_Model):
    """A row as the server holds it; a pull page is a list of these."""

    table: str
    row_id: UUID
    version: int
    deleted: bool = False
    fields: WireFields = Field(default_factory=dict, description="Every field; empty if deleted.")


class OpResult(_Model):
    op_id: UUID
    status: Literal["applied", "conflict", "rejected"] = Field(
        description="applied: all fields taken; conflict: applied as far as the merge rules allow, see "
        "`conflicts` and `row`; rejected: nothing applied, see `reason` and `field`."
    )
    duplicate: bool = Field(
        default=False, description="This op_id was answered before; nothing was re-applied."
    )
    version: int | None = Field(default=None, description="The row's version after this op.")
    reason: str | None = None
    field: str | None = None
    conflicts: list[FieldConflict] = Field(default_factory=list)
    row: ServerRow | None = Field(default=None, description="The server's row after the op, when it differs.")


class PushResponse(_Model):
    results: list[OpResult]
    server_seq: int = Field(description="The dealership's latest sequence number after this push.")
    epoch: UUID


class PullResponse(_Model):
    changes: list[ServerRow]
    next_since: int = Field(description="Pass as `since` for the next page (store it with the page).")
    has_more: bool
    epoch: UUID
    server_seq: int


class SchemaTooOld(_Model):
    detail: str
    client_schema_version: int
    min_schema_version: int
    server_schema_version: int


class ConflictRecord(_Model):
    id: UUID
    table: str
    row_id: UUID
    kind: Literal["field", "delete_vs_edit", "edit_vs_delete"]
    field: str | None
    winner_value: JsonValue = None
    loser_value: JsonValue = None
    winner_hlc: str | None = None
    loser_hlc: str | None = None
    losing_op_id: UUID | None = None
    losing_device: str | None = None
    losing_user: UUID | None = None
    created_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None


class ConflictPage(_Model):
    conflicts: list[ConflictRecord]
    next_cursor: str | None


class ResolveConflict(_Model):
    choice: Literal["keep_winner", "apply_loser"] = Field(
        description="keep_winner: accept the row as it is; apply_loser: write the losing value (or, for a "
        "delete conflict, restore the row with the losing edit) as a new change."
    )

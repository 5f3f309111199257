"""What the sync engine needs from the local store (implemented by the application)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sync.client.schema_gate import SchemaGate
from sync.protocol import OpResult, PushOp, ServerRow


@dataclass(frozen=True, slots=True)
class Checkpoint:
    since: int
    epoch: str | None


class LocalReplica(Protocol):
    def pending_ops(
        self,
        limit: int,
        *,
        after: UUID | None = None,
        busy: Collection[tuple[str, UUID]] = (),
        gate: SchemaGate | None = None,
    ) -> Sequence[PushOp]:
        """The oldest ``limit`` changes not yet answered by the server, oldest first, at most one per row.

        ``after``: start after this op (a batch in flight); ``busy``: rows with an op in flight, where
        the batch stops (their next op needs the answer first). ``gate``: the server is older than this
        client; changes it cannot take are passed over, and fields it lacks are left out of the ops and
        kept waiting locally when the op is acknowledged.
        """
        ...

    def pending_count(self) -> int: ...

    def acknowledge(self, ops: Sequence[PushOp], results: Sequence[OpResult]) -> None:
        """Record the server's answers in one transaction: drop the answered ops, keep conflicts."""
        ...

    def checkpoint(self) -> Checkpoint: ...

    def apply_page(self, changes: Sequence[ServerRow], next_since: int, epoch: str) -> None:
        """Apply one pull page and store the new checkpoint in the same transaction."""
        ...

    def reset_checkpoint(self, epoch: str | None) -> None:
        """The server was restored (new epoch): pull everything again; the outbox is kept."""
        ...

    def open_conflicts(self) -> int: ...

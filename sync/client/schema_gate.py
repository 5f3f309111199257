"""What of a local change an older server can take now, and what waits on this device until it upgrades.

A newer desktop may have tables and fields the server does not know yet (``since`` in the catalogue is
the schema version that brought each). Pushing them would get the whole change refused. Instead the
push sends the fields the server knows, and the rest stays in the outbox as a change of its own (same
row, same stamp, same place in the order), sent once the server reports a schema that has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sync.schema import SYNCED_TABLES, SyncedTable

Fields = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SchemaGate:
    server_version: int
    tables: Mapping[str, SyncedTable]

    @property
    def open(self) -> bool:
        """The server knows everything this client does: nothing to hold back."""
        return all(
            table.since <= self.server_version
            and all(since <= self.server_version for since in table.field_since.values())
            for table in self.tables.values()
        )

    def split(self, table: str, kind: str, fields: Fields) -> tuple[Fields, Fields] | None:
        """(fields to send now, fields held back), or None when the whole change has to wait."""
        spec = self.tables.get(table)
        if spec is None:
            return fields, {}  # not ours to judge: the server answers for tables it does not know
        if spec.since > self.server_version:
            return None
        held = {name: value for name, value in fields.items() if spec.since_of(name) > self.server_version}
        if not held:
            return fields, {}
        now = {name: value for name, value in fields.items() if name not in held}
        if not now and kind == "upsert":
            return None  # nothing the server could take: the change waits whole
        return now, held


def gate_for(server_version: int, tables: Mapping[str, SyncedTable] = SYNCED_TABLES) -> SchemaGate | None:
    """The gate for a server at ``server_version``; None when it knows every table and field here."""
    gate = SchemaGate(server_version, tables)
    return None if gate.open else gate

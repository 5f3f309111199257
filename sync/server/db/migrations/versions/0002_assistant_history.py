"""Schema version 2: the assistant's conversations and messages become synced tables.

Built exactly like the synced tables of ``0001_initial``: ``tenant_id`` first in the primary key and in
every foreign key, the same bookkeeping columns, an index by version for pulls, row-level security
enabled and forced with the tenant policy. Both tables are append-only in the catalogue, so the service
role may only read and insert them (as ``audit_event``). Which user may push or pull a row is the
push's and pull's business (``sync.server.replication.access``); the database keeps dealerships apart.
"""

from __future__ import annotations

from alembic import op

revision = "0002_assistant_history"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

SERVICE = "autolytiq_service"

# Catalogue types as in 0001: uuid, text, datetime → timestamptz, json → jsonb.
DOMAIN_COLUMNS: dict[str, str] = {
    "assistant_conversation": """
    "user_id" uuid,
    "title" text,
    "started_at" timestamptz,
""",
    "assistant_message": """
    "conversation_id" uuid,
    "user_id" uuid,
    "role" text,
    "content" text,
    "tool_calls" jsonb,
    "sources" jsonb,
    "sent_at" timestamptz,
""",
}

# The bookkeeping of 0001, repeated rather than imported: a revision must not change after it shipped.
BOOKKEEPING = """
    version bigint NOT NULL,
    field_versions jsonb NOT NULL DEFAULT '{}'::jsonb,
    field_hlc jsonb NOT NULL DEFAULT '{}'::jsonb,
    deleted boolean NOT NULL DEFAULT false,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid,
    updated_by_device text,
"""

FOREIGN_KEYS = [
    ("assistant_conversation", "user_id", "app_user"),
    ("assistant_message", "conversation_id", "assistant_conversation"),
    ("assistant_message", "user_id", "app_user"),
]

INSERT_ONLY = {"assistant_conversation", "assistant_message"}

TENANT_POLICY = "tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    for table, columns in DOMAIN_COLUMNS.items():
        op.execute(
            f"CREATE TABLE {table} (\n    tenant_id uuid NOT NULL,\n    id uuid NOT NULL,\n"
            f"{columns}{BOOKKEEPING}    PRIMARY KEY (tenant_id, id)\n)"
        )
        op.execute(f"CREATE INDEX {table}_by_version ON {table} (tenant_id, version)")
    op.execute("CREATE INDEX assistant_conversation_owner ON assistant_conversation (tenant_id, user_id)")
    op.execute(
        "CREATE INDEX assistant_message_conversation ON assistant_message (tenant_id, conversation_id)"
    )
    for table, column, target in FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk FOREIGN KEY (tenant_id, {column}) "
            f"REFERENCES {target} (tenant_id, id)"
        )
    for table in DOMAIN_COLUMNS:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_POLICY}) WITH CHECK ({TENANT_POLICY})"
        )
        rights = "SELECT, INSERT" if table in INSERT_ONLY else "SELECT, INSERT, UPDATE, DELETE"
        op.execute(f"GRANT {rights} ON {table} TO {SERVICE}")


def downgrade() -> None:
    for table in reversed(list(DOMAIN_COLUMNS)):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")

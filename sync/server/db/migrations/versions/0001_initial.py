"""Initial schema: the synced tables of ``sync.schema`` (schema version 1) and the server's own tables.

Written out literally (not generated from the catalogue at run time) so this revision never changes
when the catalogue grows; a later field gets its own revision. Every table carries ``tenant_id`` first
in its primary key and in every unique and foreign key, and row-level security is enabled and forced
with the same policy everywhere.
"""

from __future__ import annotations

from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

OWNER = "autolytiq_owner"
SERVICE = "autolytiq_service"

# Domain columns per synced table, exactly the catalogue's names; types: text, uuid, int → bigint,
# decimal → numeric, date, datetime → timestamptz, bool → boolean, json → jsonb.
DOMAIN_COLUMNS: dict[str, str] = {
    "dealership": """
    "name" text,
    "address_line1" text,
    "city" text,
    "state" text,
    "zip" text,
    "county" text,
    "timezone" text,
    "settings" jsonb,
""",
    "app_user": """
    "email" text,
    "display_name" text,
    "roles" jsonb,
    "active" boolean,
""",
    "role": """
    "name" text,
    "permissions" jsonb,
    "builtin" boolean,
""",
    "customer": """
    "first_name" text,
    "last_name" text,
    "email" text,
    "phone" text,
    "address_line1" text,
    "address_line2" text,
    "city" text,
    "state" text,
    "zip" text,
    "county" text,
    "credit_score" bigint,
    "annual_income" numeric,
    "source" text,
    "assigned_user_id" uuid,
    "notes" text,
""",
    "vehicle": """
    "vin" text,
    "stock_number" text,
    "model_year" bigint,
    "make" text,
    "model" text,
    "trim" text,
    "body" text,
    "fuel" text,
    "condition" text,
    "mileage" bigint,
    "color" text,
    "cost" numeric,
    "price" numeric,
    "msrp" numeric,
    "status" text,
    "received_on" date,
    "weight_lbs" bigint,
    "city_mpg" bigint,
""",
    "lead": """
    "customer_id" uuid,
    "vehicle_id" uuid,
    "source" text,
    "status" text,
    "assigned_user_id" uuid,
    "received_at" timestamptz,
    "notes" text,
""",
    "deal": """
    "customer_id" uuid,
    "vehicle_id" uuid,
    "salesperson_id" uuid,
    "manager_id" uuid,
    "deal_number" text,
    "status" text,
    "deal_type" text,
    "submitted_at" timestamptz,
    "approved_at" timestamptz,
    "closed_at" timestamptz,
    "status_reason" text,
    "front_gross" numeric,
    "back_gross" numeric,
    "selected_scenario_id" uuid,
""",
    "deal_scenario": """
    "deal_id" uuid,
    "name" text,
    "deal_type" text,
    "inputs" jsonb,
    "last_quote" jsonb,
    "monthly_payment" numeric,
""",
    "activity": """
    "customer_id" uuid,
    "deal_id" uuid,
    "user_id" uuid,
    "kind" text,
    "subject" text,
    "due_at" timestamptz,
    "done_at" timestamptz,
    "notes" text,
""",
    "ml_state": """
    "engine" text,
    "state" jsonb,
    "saved_at" timestamptz,
""",
    "audit_event": """
    "actor_id" uuid,
    "device_id" text,
    "action" text,
    "entity" text,
    "entity_id" uuid,
    "before" jsonb,
    "after" jsonb,
    "at" timestamptz,
""",
}

# Bookkeeping every synced row carries: the tenant sequence number of its last write, per-field
# sequence numbers and hybrid-logical-clock stamps (the field-level merge reads them), and a tombstone.
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

# (table, column, referenced table): all include tenant_id, so a row can never point across tenants.
FOREIGN_KEYS = [
    ("customer", "assigned_user_id", "app_user"),
    ("lead", "customer_id", "customer"),
    ("lead", "vehicle_id", "vehicle"),
    ("lead", "assigned_user_id", "app_user"),
    ("deal", "customer_id", "customer"),
    ("deal", "vehicle_id", "vehicle"),
    ("deal", "salesperson_id", "app_user"),
    ("deal", "manager_id", "app_user"),
    ("deal_scenario", "deal_id", "deal"),
    ("activity", "customer_id", "customer"),
    ("activity", "deal_id", "deal"),
    ("activity", "user_id", "app_user"),
]

SERVER_TABLES = """
CREATE TABLE tenant_seq (
    tenant_id uuid NOT NULL,
    last_seq bigint NOT NULL DEFAULT 0,
    epoch uuid NOT NULL,
    PRIMARY KEY (tenant_id)
);
CREATE TABLE applied_op (
    tenant_id uuid NOT NULL,
    op_id uuid NOT NULL,
    table_name text NOT NULL,
    row_id uuid NOT NULL,
    result jsonb NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, op_id)
);
CREATE TABLE sync_conflict (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    table_name text NOT NULL,
    row_id uuid NOT NULL,
    kind text NOT NULL,
    field text,
    winner_value jsonb,
    loser_value jsonb,
    winner_hlc text,
    loser_hlc text,
    losing_op_id uuid,
    losing_device text,
    losing_user uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by uuid,
    resolution text,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX sync_conflict_open ON sync_conflict (tenant_id, created_at) WHERE resolved_at IS NULL;
CREATE TABLE user_credential (
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL,
    email text NOT NULL,
    password_hash text,
    must_change_password boolean NOT NULL DEFAULT false,
    failed_count integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    totp_secret text,
    totp_enabled boolean NOT NULL DEFAULT false,
    totp_last_step bigint,
    password_changed_at timestamptz,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id)
);
CREATE INDEX user_credential_email ON user_credential (email);
CREATE TABLE auth_session (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    device_id text NOT NULL,
    device_name text,
    client_address text,
    mfa boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    revoked_reason text,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id)
);
CREATE TABLE refresh_token (
    tenant_id uuid NOT NULL,
    token_hash text NOT NULL,
    session_id uuid NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, session_id) REFERENCES auth_session (tenant_id, id)
);
CREATE TABLE one_time_token (
    tenant_id uuid NOT NULL,
    token_hash text NOT NULL,
    user_id uuid NOT NULL,
    purpose text NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id)
);
CREATE TABLE backup_code (
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL,
    code_hash text NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (tenant_id, user_id, code_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id)
);
"""

SERVER_TABLE_NAMES = [
    "tenant_seq",
    "applied_op",
    "sync_conflict",
    "user_credential",
    "auth_session",
    "refresh_token",
    "one_time_token",
    "backup_code",
]

# The service may only add to these; the database itself refuses UPDATE and DELETE.
INSERT_ONLY = {"audit_event", "applied_op"}

TENANT_POLICY = "tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    for table, columns in DOMAIN_COLUMNS.items():
        op.execute(
            f"CREATE TABLE {table} (\n    tenant_id uuid NOT NULL,\n    id uuid NOT NULL,\n"
            f"{columns}{BOOKKEEPING}    PRIMARY KEY (tenant_id, id)\n)"
        )
        op.execute(f"CREATE INDEX {table}_by_version ON {table} (tenant_id, version)")
    op.execute("CREATE UNIQUE INDEX app_user_email ON app_user (tenant_id, lower(email))")
    op.execute("CREATE UNIQUE INDEX role_name ON role (tenant_id, name)")
    for table, column, target in FOREIGN_KEYS:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk FOREIGN KEY (tenant_id, {column}) "
            f"REFERENCES {target} (tenant_id, id)"
        )
    op.execute(SERVER_TABLES)

    op.execute(f"GRANT USAGE ON SCHEMA public TO {SERVICE}")
    for table in [*DOMAIN_COLUMNS, *SERVER_TABLE_NAMES]:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_POLICY}) WITH CHECK ({TENANT_POLICY})"
        )
        rights = "SELECT, INSERT" if table in INSERT_ONLY else "SELECT, INSERT, UPDATE, DELETE"
        op.execute(f"GRANT {rights} ON {table} TO {SERVICE}")
    # Sign-in starts from an e-mail address alone, before the dealership is known. This second policy
    # lets a transaction that names one address (lower-cased) find that address's credential rows and
    # nothing else; every other table stays tenant-only.
    op.execute(
        "CREATE POLICY login_lookup ON user_credential USING "
        "(email = nullif(current_setting('app.login_email', true), ''))"
    )


def downgrade() -> None:
    for table in reversed([*SERVER_TABLE_NAMES]):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    for table in reversed(list(DOMAIN_COLUMNS)):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")

"""The database enforces tenant isolation by itself: checked in the catalogue and by acting as the service.

Every test here connects as the service role, exactly as the running service does, so a missing policy,
a missing FORCE, or a role that bypasses RLS shows up as a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from sync.schema import SYNCED_TABLES
from sync.server.db.pool import Database
from sync.server.settings import SERVICE_ROLE
from tests.server.fixtures import DatabaseUrls
from tests.server.seed import seed_everything

CATALOGUE_TYPES = {
    "text": "text",
    "uuid": "uuid",
    "int": "bigint",
    "decimal": "numeric",
    "date": "date",
    "datetime": "timestamp with time zone",
    "bool": "boolean",
    "json": "jsonb",
}
BOOKKEEPING = {
    "tenant_id",
    "id",
    "version",
    "field_versions",
    "field_hlc",
    "deleted",
    "deleted_at",
    "created_at",
    "updated_at",
    "updated_by",
    "updated_by_device",
}


def _tables(conn: psycopg.Connection[dict]) -> list[str]:  # type: ignore[type-arg]
    return [
        r["relname"]
        for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind IN ('r', 'p') ORDER BY relname"
        ).fetchall()
    ]


@pytest.fixture(scope="module")
def admin(test_database: DatabaseUrls) -> Iterator[psycopg.Connection[dict]]:  # type: ignore[type-arg]
    with psycopg.connect(test_database.admin_conninfo, row_factory=dict_row, autocommit=True) as conn:
        yield conn


def test_every_table_has_tenant_id_and_forced_rls_with_a_policy(admin: psycopg.Connection[dict]) -> None:  # type: ignore[type-arg]
    tables = _tables(admin)
    assert set(SYNCED_TABLES) <= set(tables)
    for table in tables:
        info = admin.execute(
            "SELECT relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) AS owner, "
            "(SELECT count(*) FROM pg_policy WHERE polrelid = c.oid) AS policies, "
            "(SELECT count(*) FROM pg_attribute WHERE attrelid = c.oid AND attname = 'tenant_id' "
            " AND NOT attisdropped) AS has_tenant "
            "FROM pg_class c WHERE oid = %s::regclass",
            (f"public.{table}",),
        ).fetchone()
        assert info is not None
        assert info["relrowsecurity"] and info["relforcerowsecurity"], table
        assert info["policies"] >= 1, table
        assert info["has_tenant"] == 1, table
        assert info["owner"] != SERVICE_ROLE, table
    views = admin.execute("SELECT viewname FROM pg_views WHERE schemaname = 'public'").fetchall()
    assert views == []


def test_service_role_cannot_bypass_rls(admin: psycopg.Connection[dict]) -> None:  # type: ignore[type-arg]
    role = admin.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s",
        (SERVICE_ROLE,),
    ).fetchone()
    assert role == {"rolsuper": False, "rolbypassrls": False, "rolcreaterole": False, "rolcreatedb": False}
    member_of = admin.execute(
        "SELECT count(*) AS n FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
        "WHERE r.rolname = %s",
        (SERVICE_ROLE,),
    ).fetchone()
    assert member_of == {"n": 0}  # not a member of the owner role either


def test_tenant_id_leads_every_primary_unique_and_foreign_key(admin: psycopg.Connection[dict]) -> None:  # type: ignore[type-arg]
    constraints = admin.execute(
        "SELECT conrelid::regclass::text AS tab, conname, contype, "
        "(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[1]) AS first_col, "
        "CASE WHEN contype = 'f' THEN (SELECT attname FROM pg_attribute "
        "  WHERE attrelid = confrelid AND attnum = confkey[1]) END AS ref_first "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f')"
    ).fetchall()
    assert constraints
    for c in constraints:
        assert c["first_col"] == "tenant_id", c
        if c["contype"] == "f":
            assert c["ref_first"] == "tenant_id", c
    unique_indexes = admin.execute(
        "SELECT indexrelid::regclass::text AS idx, pg_get_indexdef(indexrelid) AS def FROM pg_index "
        "JOIN pg_class c ON c.oid = indrelid WHERE c.relnamespace = 'public'::regnamespace AND indisunique"
    ).fetchall()
    for index in unique_indexes:
        assert "(tenant_id" in index["def"], index


def test_synced_tables_have_exactly_the_catalogue_fields(admin: psycopg.Connection[dict]) -> None:  # type: ignore[type-arg]
    for table, spec in SYNCED_TABLES.items():
        columns = {
            r["column_name"]: r["data_type"]
            for r in admin.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s",
                (table,),
            ).fetchall()
        }
        domain = {name: kind for name, kind in columns.items() if name not in BOOKKEEPING}
        assert domain == {name: CATALOGUE_TYPES[kind] for name, kind in spec.fields.items()}, table


@dataclass
class TwoTenants:
    a: UUID
    b: UUID
    b_ids: dict[str, UUID]


@pytest.fixture(scope="module")
def service_db(test_database: DatabaseUrls) -> Iterator[Database]:
    db = Database(test_database.service_conninfo, min_size=1, max_size=1)
    db.open()
    yield db
    db.close()


@pytest.fixture(scope="module")
def seeded(service_db: Database, server_ctx: object) -> TwoTenants:
    from sync.server import accounts
    from sync.server.context import ServerContext

    assert isinstance(server_ctx, ServerContext)
    made = []
    for name in ("Isolation A", "Isolation B"):
        created = accounts.create_tenant(
            service_db, server_ctx.hasher, name=name, admin_email=f"iso-{name[-1].lower()}@example.test"
        )
        with service_db.tenant(created.tenant_id) as conn:
            ids = seed_everything(conn, created.admin_user_id)
        made.append((created, ids))
    return TwoTenants(a=made[0][0].tenant_id, b=made[1][0].tenant_id, b_ids=made[1][1])


def test_a_transaction_for_tenant_a_sees_and_changes_nothing_of_tenant_b(
    seeded: TwoTenants,
    service_db: Database,
    admin: psycopg.Connection[dict],  # type: ignore[type-arg]
) -> None:
    tables = _tables(admin)
    before = {
        t: admin.execute(
            sql.SQL("SELECT count(*) AS n FROM {} WHERE tenant_id = %s").format(sql.Identifier(t)),
            (seeded.b,),
        ).fetchone()
        for t in tables
    }
    # The superuser (which bypasses RLS) sees B has a row in every table, so "0" below means something.
    assert all(row is not None and row["n"] > 0 for row in before.values()), before
    with service_db.pool.connection() as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(seeded.a),))
        for table in tables:
            ident = sql.Identifier(table)
            visible = conn.execute(sql.SQL("SELECT count(*) AS n FROM {}").format(ident)).fetchone()
            own = conn.execute(
                sql.SQL("SELECT count(*) AS n FROM {} WHERE tenant_id = %s").format(ident), (seeded.a,)
            ).fetchone()
            foreign = conn.execute(
                sql.SQL("SELECT count(*) AS n FROM {} WHERE tenant_id = %s").format(ident), (seeded.b,)
            ).fetchone()
            assert visible == own and own is not None and own["n"] > 0, table
            assert foreign == {"n": 0}, table
            for statement in (
                sql.SQL("UPDATE {} SET tenant_id = tenant_id WHERE tenant_id = %s").format(ident),
                sql.SQL("DELETE FROM {} WHERE tenant_id = %s").format(ident),
            ):
                try:
                    with conn.transaction():
                        changed = conn.execute(statement, (seeded.b,)).rowcount
                except psycopg.errors.InsufficientPrivilege:
                    changed = 0  # append-only tables: the service may not update/delete at all
                assert changed == 0, (table, statement)
            # Even an unconditional UPDATE touches only A's own rows.
            try:
                with conn.transaction(force_rollback=True):
                    changed = conn.execute(
                        sql.SQL("UPDATE {} SET tenant_id = tenant_id").format(ident)
                    ).rowcount
            except psycopg.errors.InsufficientPrivilege:
                changed = own["n"]
            assert changed == own["n"], table
        if_any_id = seeded.b_ids["customer"]
        joined = conn.execute(
            "SELECT count(*) AS n FROM deal d "
            "JOIN customer c ON c.tenant_id = d.tenant_id AND c.id = d.customer_id "
            "JOIN vehicle v ON v.id = d.vehicle_id WHERE c.id = %s OR d.tenant_id = %s",
            (if_any_id, seeded.b),
        ).fetchone()
        assert joined == {"n": 0}
        cross = conn.execute(
            "SELECT count(*) AS n FROM customer a CROSS JOIN app_user u WHERE u.tenant_id = %s", (seeded.b,)
        ).fetchone()
        assert cross == {"n": 0}
        conn.rollback()
    after = {
        t: admin.execute(
            sql.SQL("SELECT count(*) AS n FROM {} WHERE tenant_id = %s").format(sql.Identifier(t)),
            (seeded.b,),
        ).fetchone()
        for t in tables
    }
    assert after == before


def test_writing_a_row_for_another_tenant_is_refused(seeded: TwoTenants, service_db: Database) -> None:
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
        service_db.tenant(seeded.a) as conn,
    ):
        conn.execute(
            "INSERT INTO customer (tenant_id, id, version) VALUES (%s, gen_random_uuid(), 1)", (seeded.b,)
        )
    # A foreign key cannot point into the other tenant either: the key includes tenant_id.
    with pytest.raises(psycopg.errors.ForeignKeyViolation), service_db.tenant(seeded.a) as conn:
        conn.execute(
            "INSERT INTO deal (tenant_id, id, version, customer_id) VALUES (%s, gen_random_uuid(), 1, %s)",
            (seeded.a, seeded.b_ids["customer"]),
        )


def test_without_a_tenant_nothing_is_visible_and_the_setting_does_not_leak(
    seeded: TwoTenants,
    service_db: Database,
    admin: psycopg.Connection[dict],  # type: ignore[type-arg]
) -> None:
    # The pool has one connection: the second transaction reuses the first one's connection.
    with service_db.tenant(seeded.a) as conn:
        assert conn.execute("SELECT count(*) AS n FROM customer").fetchone() == {"n": 1}
    with service_db.pool.connection() as conn:
        for table in _tables(admin):
            count = conn.execute(
                sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table))
            ).fetchone()
            assert count == {"n": 0}, table


def test_login_lookup_shows_only_that_addresses_credentials(
    seeded: TwoTenants,
    service_db: Database,
    admin: psycopg.Connection[dict],  # type: ignore[type-arg]
) -> None:
    with service_db.login_lookup("ISO-B@example.test ") as conn:
        found = conn.execute("SELECT tenant_id, email FROM user_credential").fetchall()
        assert found == [{"tenant_id": seeded.b, "email": "iso-b@example.test"}]
        for table in _tables(admin):
            if table == "user_credential":
                continue
            count = conn.execute(
                sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table))
            ).fetchone()
            assert count == {"n": 0}, table


def test_the_push_knows_every_foreign_key_the_database_enforces(admin: psycopg.Connection[dict]) -> None:  # type: ignore[type-arg]
    from sync.server.db.references import REFERENCES

    found = {
        (r["tab"], r["col"]): r["target"]
        for r in admin.execute(
            "SELECT conrelid::regclass::text AS tab, confrelid::regclass::text AS target, "
            "(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[2]) AS col "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype = 'f'"
        ).fetchall()
        if r["tab"] in SYNCED_TABLES and r["target"] in SYNCED_TABLES
    }
    assert found == REFERENCES

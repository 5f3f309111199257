"""Random interleavings of two desktops editing, deleting and restoring the same rows (hypothesis).

Whatever the order of edits and syncs: both desktops end with exactly the server's rows, every op gets
an answer, and every value that lost a merge is kept in a conflict record.
"""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ids import uuid7
from tests.server.fixtures import DatabaseUrls, Desktop, TenantHandle

FIELDS = ("phone", "city", "notes")

action = st.one_of(
    st.tuples(
        st.just("edit"),
        st.integers(0, 1),
        st.integers(0, 2),
        st.sampled_from(FIELDS),
        st.text("abc", max_size=3),
    ),
    st.tuples(st.just("delete"), st.integers(0, 1), st.integers(0, 2), st.none(), st.none()),
    st.tuples(st.just("restore"), st.integers(0, 1), st.integers(0, 2), st.none(), st.none()),
    st.tuples(st.just("sync"), st.integers(0, 1), st.none(), st.none(), st.none()),
)


def _sync(desk: Desktop, pending: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
    if pending:
        answers += desk.push(pending)
        pending.clear()
    desk.pull_all()


def test_two_desktops_converge_and_nothing_is_lost_silently(
    api: TestClient, make_tenant: Any, test_database: DatabaseUrls
) -> None:
    tenant: TenantHandle = make_tenant()
    manager = tenant.add_user(["sales_manager"])
    conflicts_seen: list[int] = []

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(actions=st.lists(action, min_size=4, max_size=14))
    def run(actions: list[tuple[Any, ...]]) -> None:
        desks = [Desktop(api, manager, "prop-a"), Desktop(api, manager, "prop-b")]
        pending: list[list[dict[str, Any]]] = [[], []]
        answers: list[dict[str, Any]] = []
        row_ids = [str(uuid7()) for _ in range(3)]
        desks[0].push([desks[0].op("customer", r, {"first_name": "Shared"}) for r in row_ids])
        for desk in desks:
            desk.pull_all()
        for kind, who, row, field, value in actions:
            desk = desks[who]
            if kind == "sync":
                _sync(desk, pending[who], answers)
                continue
            row_id = row_ids[row]
            if kind == "edit":
                pending[who].append(desk.op("customer", row_id, {field: value}))
            else:
                pending[who].append(desk.op("customer", row_id, kind=kind))
        for _ in range(2):
            for who, desk in enumerate(desks):
                _sync(desk, pending[who], answers)
        witness = Desktop(api, manager, "prop-witness")
        witness.pull_all()
        for row_id in row_ids:
            truth = witness.row("customer", row_id)
            for desk in desks:
                assert desk.row("customer", row_id) == truth
        assert all(a["status"] in {"applied", "conflict"} for a in answers)
        reported = sum(len(a["conflicts"]) for a in answers)
        with psycopg.connect(test_database.admin_conninfo) as conn:
            stored = conn.execute(
                "SELECT count(*) FROM sync_conflict WHERE tenant_id = %s AND row_id = ANY(%s::uuid[])",
                (tenant.id, row_ids),
            ).fetchone()
        assert stored == (reported,)
        conflicts_seen.append(reported)

    run()
    assert sum(conflicts_seen) > 0  # the generated interleavings did make the desktops collide

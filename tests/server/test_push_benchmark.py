"""Benchmark of the hot path: one 100-op push through the whole HTTP stack.

Load figures with many desktops: bench/sync_load_bench.py.

Under CI's --benchmark-disable it runs once, still checking that every op was applied.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.ids import uuid7
from tests.server.fixtures import Desktop, TenantHandle


def test_a_100_op_push(api: TestClient, make_tenant: Any, benchmark: Any) -> None:
    tenant: TenantHandle = make_tenant()
    desk = Desktop(api, tenant.add_user(["salesperson"]), "bench-desk")

    def batch() -> tuple[tuple[list[dict[str, Any]]], dict[str, Any]]:
        ops = [
            desk.op("customer", uuid7(), {"first_name": "Pat", "last_name": f"B{i}", "credit_score": 700})
            for i in range(100)
        ]
        return (ops,), {}

    results = benchmark.pedantic(desk.push, setup=batch, rounds=5, iterations=1)
    assert [r["status"] for r in results] == ["applied"] * 100

"""A bounded fuzz of the whole OpenAPI surface (schemathesis): whatever arrives, never a 500.

Each operation gets a fixed number of generated requests (valid and invalid), sent with a real admin
token over a real loopback connection, so the handlers behind authentication are exercised too.
Driven through schemathesis' strategies directly: its pytest plugin does not support pytest 9 yet.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from sync.server import accounts
from sync.server.context import ServerContext
from tests.server.fixtures import LiveServer, TenantHandle

EXAMPLES_PER_OPERATION = 8
# Signing the fuzzing admin out would only turn every later case into a 401.
SKIPPED = {("POST", "/auth/logout"), ("POST", "/auth/logout-all")}


@pytest.fixture(scope="module")
def fuzz_admin(api: TestClient, server_ctx: ServerContext) -> TenantHandle:
    created = accounts.create_tenant(
        server_ctx.db, server_ctx.hasher, name="Fuzz Motors", admin_email="fuzz-admin@example.test"
    )
    return TenantHandle(api, server_ctx, created)


def test_no_generated_request_makes_the_server_fail(
    live_server: LiveServer, fuzz_admin: TenantHandle
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for result, mode in itertools.product(list(schema.get_all_operations()), GenerationMode):
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=operation.as_strategy(mode))
        def probe(case: Any) -> None:
            response = case.call(base_url=live_server.url, headers=fuzz_admin.admin.headers, timeout=30)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} {case.body!r} -> "
                    f"{response.status_code} {response.text[:300]}"
                )

        try:
            probe()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to get wrong in an operation without inputs
    assert operations >= 50  # every operation, with valid and with invalid input
    # The fuzz reached the handlers, not only the validation layer.
    assert statuses[200] + statuses[201] + statuses[202] + statuses[204] > 50, statuses
    assert statuses[422] > 50, statuses
    assert not failures, "\n".join(failures[:20])

"""What the demo generator made (kept light: the app reads it at every demo start)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DemoSummary:
    tenant_id: str
    dealership: str
    users: dict[str, str]  # email -> user id
    vehicles: int
    customers: int
    leads: int
    deals: dict[str, int]  # status -> count

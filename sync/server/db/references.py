"""References between synced tables that the database enforces with foreign keys (migrations 0001, 0002).

The push checks them before writing, so a batch normally never hits a constraint error; a test checks
this list against the constraints in the database.
"""

from __future__ import annotations

# (table, column) → referenced table
REFERENCES: dict[tuple[str, str], str] = {
    ("customer", "assigned_user_id"): "app_user",
    ("lead", "customer_id"): "customer",
    ("lead", "vehicle_id"): "vehicle",
    ("lead", "assigned_user_id"): "app_user",
    ("deal", "customer_id"): "customer",
    ("deal", "vehicle_id"): "vehicle",
    ("deal", "salesperson_id"): "app_user",
    ("deal", "manager_id"): "app_user",
    ("deal_scenario", "deal_id"): "deal",
    ("activity", "customer_id"): "customer",
    ("activity", "deal_id"): "deal",
    ("activity", "user_id"): "app_user",
    ("assistant_conversation", "user_id"): "app_user",
    ("assistant_message", "conversation_id"): "assistant_conversation",
    ("assistant_message", "user_id"): "app_user",
}

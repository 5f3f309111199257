"""A team state saved by the first release of the format still loads and routes as that release did."""

from __future__ import annotations

import json
from pathlib import Path

from ml.oscillator import TeamNetwork

DATA = Path(__file__).parent / "data"


def test_a_format_1_state_loads_and_routes_as_before() -> None:
    team = TeamNetwork.load(DATA / "team_v1_state.json")
    saved = json.loads((DATA / "team_v1_continuation.json").read_text())
    decisions: list[str | None] = []
    for i in range(len(saved["decisions"])):
        now = saved["start"] + 10.0 * i
        rep = team.route({"lead_id": f"later-{i}", "at": now})
        decisions.append(rep)
        if rep is not None:
            team.lead_started(f"later-{i}", at=now)
            team.lead_finished(f"later-{i}", i % 3 == 0, at=now + 5.0)
    assert decisions == saved["decisions"]

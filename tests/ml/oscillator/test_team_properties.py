"""Invariants of the live floor under arbitrary event sequences (hypothesis)."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml.oscillator import TeamNetwork

OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["route", "start", "finish", "lose", "advance", "break"]),
              st.integers(min_value=0, max_value=50), st.floats(min_value=0.0, max_value=90.0)),
    max_size=60,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), operations=OPERATIONS)
def test_floor_invariants_hold_for_any_event_sequence(
    seed: int, operations: list[tuple[str, int, float]]
) -> None:
    team = TeamNetwork(seed=seed, max_queue=1, reps=[
        {"rep_id": "a", "capacity": 1, "shift": ("08:00", "18:00")},
        {"rep_id": "b", "capacity": 2, "skill": 0.6, "shift": ("12:00", "22:00")},
        {"rep_id": "c", "capacity": 1, "skill": 0.1},
        {"rep_id": "d", "capacity": 0},
    ])
    t = 480.0
    queued: list[str] = []
    active: list[str] = []
    for number, (operation, pick, minutes) in enumerate(operations):
        t += minutes
        if operation == "route":
            lead_id = f"l{number}"
            rep = team.route({"lead_id": lead_id, "at": t})
            if rep is not None:
                queued.append(lead_id)
                assert team.on_shift(rep)
                stats = {item.rep_id: item for item in team.performance()}[rep]
                assert stats.capacity > 0
                assert stats.active + stats.queued <= stats.capacity + 1
        elif operation == "start" and queued:
            lead_id = queued.pop(pick % len(queued))
            team.lead_started(lead_id, at=t)
            active.append(lead_id)
        elif operation == "finish" and active:
            team.lead_finished(active.pop(pick % len(active)), pick % 3 == 0, at=t)
        elif operation == "lose" and queued:
            team.lead_lost(queued.pop(pick % len(queued)), at=t)
        elif operation == "break":
            team.update_rep("abc"[pick % 3], available=pick % 2 == 0)  # breaks begin and end
        else:
            team.advance(t)

        placed = [lead for rep_id in team.reps() for lead in team.queued_leads(rep_id)]
        assert sorted(placed) == sorted(queued)  # every waiting customer is in exactly one queue
        assert sum(item.active for item in team.performance()) == len(active)
        assert all(0.0 <= phase < 2 * math.pi for phase in team.phases().values())
        assert 0.0 <= team.coherence() <= 1.0
        assert team.patience_minutes() > 0.0
    state = team.to_state()
    assert TeamNetwork.from_state(json.loads(json.dumps(state))).to_state() == state

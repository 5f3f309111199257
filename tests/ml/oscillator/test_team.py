"""TeamNetwork: the live floor, measured performance, determinism, persistence and validation."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ml.oscillator import FieldError, TeamNetwork

TWO_PI = 2.0 * math.pi


def floor(seed: int = 1, **settings: Any) -> TeamNetwork:
    return TeamNetwork(seed=seed, reps=[
        {"rep_id": "ann", "capacity": 1, "skill": 0.3, "shift": ("09:00", "17:00")},
        {"rep_id": "bob", "capacity": 1, "skill": 0.3, "shift": ("09:00", "17:00")},
        {"rep_id": "cat", "capacity": 2, "skill": 0.3, "shift": ("09:00", "17:00")},
    ], **settings)


def history(team: TeamNetwork, rep_id: str, wins: int, losses: int, start: float,
            minutes: float = 30.0) -> float:
    """Feed finished customers worked by ``rep_id`` one after another; returns the time afterwards."""
    t = start
    for i in range(wins + losses):
        lead_id = f"{rep_id}-{start}-{i}"
        team.lead_started(lead_id, rep_id, at=t)
        t += minutes
        team.lead_finished(lead_id, i < wins, at=t)
    return t


def script(team: TeamNetwork, rounds: int, start: float = 600.0, prefix: str = "lead") -> list[str | None]:
    """A busy morning: customers arrive, wait their turn, are worked and finish; returns every routing
    decision. The script's own randomness is fixed; only the team's seed may vary."""
    rng = np.random.default_rng(99)
    decisions: list[str | None] = []
    ends: list[tuple[float, str, str]] = []  # (finish time, lead, rep)
    team_capacity = {rep.rep_id: rep.capacity for rep in team.performance()}
    t = start

    def start_waiting(rep_id: str, now: float) -> None:
        perf = {rep.rep_id: rep for rep in team.performance()}[rep_id]
        room = team_capacity[rep_id] - perf.active
        for lead_id in team.queued_leads(rep_id)[:max(0, room)]:
            team.lead_started(lead_id, at=now)
            ends.append((now + float(rng.gamma(3.0, 10.0)), lead_id, rep_id))

    for i in range(rounds):
        t += float(rng.exponential(6.0))
        for done in sorted(item for item in ends if item[0] <= t):
            team.lead_finished(done[1], bool(rng.random() < 0.3), at=done[0])
            ends.remove(done)
            start_waiting(done[2], done[0])
        rep = team.route({"lead_id": f"{prefix}-{i}", "at": t})
        decisions.append(rep)
        if rep is not None:
            start_waiting(rep, t)
    return decisions


def test_same_seed_same_decisions_and_state() -> None:
    first, second = floor(seed=5), floor(seed=5)
    assert script(first, 60) == script(second, 60)
    assert first.to_state() == second.to_state()


def test_different_seed_changes_only_the_exploration() -> None:
    decisions = {tuple(script(floor(seed=s), 60)) for s in range(4)}
    assert len(decisions) > 1  # Thompson draws depend on the seed


def test_saved_and_loaded_team_continues_exactly(tmp_path: Path) -> None:
    uninterrupted = floor(seed=8)
    script(uninterrupted, 30)
    path = tmp_path / "team.json"
    uninterrupted.save(path)
    restored = TeamNetwork.load(path)
    assert restored.to_state() == uninterrupted.to_state()
    later_a = script(uninterrupted, 40, start=900.0, prefix="later")
    later_b = script(restored, 40, start=900.0, prefix="later")
    assert later_a == later_b
    assert restored.to_state() == uninterrupted.to_state()
    # what the app stores in ml_state is plain JSON
    assert json.loads(json.dumps(uninterrupted.to_state())) == uninterrupted.to_state()


def test_routing_spreads_simultaneous_leads_then_queues_then_refuses() -> None:
    team = floor(max_queue=1)
    routed = [team.route({"lead_id": f"l{i}", "at": 600.0}) for i in range(8)]
    # ann 1 + bob 1 + cat 2 free slots are filled before anybody gets a waiting customer
    assert sorted(routed[:4]) == ["ann", "bob", "cat", "cat"]
    # then one waiting customer each (max_queue), then nobody has room
    assert sorted(r for r in routed[4:7] if r is not None) == ["ann", "bob", "cat"]
    assert routed[7] is None


def test_nobody_off_shift_gets_a_lead() -> None:
    team = floor()
    team.add_rep("night", shift=(22 * 60, 6 * 60))  # crosses midnight
    assert team.route({"lead_id": "early", "at": 7 * 60.0}) is None  # 07:00: day shift not in, night gone
    assert team.route({"lead_id": "late", "at": 23 * 60.0}) == "night"
    assert team.route({"lead_id": "small-hours", "at": 1440.0 + 3 * 60.0}) == "night"
    team.update_rep("ann", available=False)  # on a break
    picks = {team.route({"lead_id": f"day-{i}", "at": 1440.0 + 600.0}) for i in range(3)}
    assert "ann" not in picks


def test_measured_close_rate_overrides_entered_skill() -> None:
    picks = []
    for seed in range(30):
        team = TeamNetwork(seed=seed, reps=[
            {"rep_id": "rated_high", "skill": 0.9},
            {"rep_id": "rated_low", "skill": 0.1},
        ], starvation_minutes=10_000.0)
        t = history(team, "rated_high", wins=3, losses=37, start=0.0)
        history(team, "rated_low", wins=24, losses=16, start=0.0)
        picks.append(team.route({"lead_id": "next", "at": t + 1.0}))
    assert picks.count("rated_low") >= 27


def test_entered_skill_guides_a_new_floor() -> None:
    picks = [TeamNetwork(seed=s, reps=[{"rep_id": "strong", "skill": 0.7}, {"rep_id": "weak", "skill": 0.1}])
             .route({"lead_id": "x", "at": 1.0}) for s in range(30)]
    assert picks.count("strong") >= 25


def test_a_rep_kept_idle_too_long_gets_the_next_lead() -> None:
    team = TeamNetwork(seed=3, reps=[{"rep_id": "star", "skill": 0.9}, {"rep_id": "rookie", "skill": 0.05}],
                       starvation_minutes=60.0)
    taken = []
    t = 0.0
    for i in range(16):
        t += 10.0
        rep = team.route({"lead_id": f"b{i}", "at": t})
        assert rep is not None
        taken.append((t, rep))
        team.lead_started(f"b{i}", at=t)
        team.lead_finished(f"b{i}", True, at=t + 1.0)
    reps = [rep for _, rep in taken]
    assert reps.count("star") >= 12  # the strong closer gets most of a quiet floor's customers...
    # ...but the rookie is never frozen out: first lead as soon as someone else had one, then every hour
    rookie_times = [when for when, rep in taken if rep == "rookie"]
    assert rookie_times[0] <= 20.0
    gaps = np.diff([0.0, *rookie_times, t])
    assert gaps.max() <= 60.0 + 2 * 10.0


def test_a_busy_rep_is_not_piled_on_while_another_waits_idle() -> None:
    team = TeamNetwork(seed=4, reps=[{"rep_id": "star", "skill": 0.95}, {"rep_id": "plain", "skill": 0.2}],
                       max_queue=3)
    first = team.route({"lead_id": "a", "at": 10.0})
    team.lead_started("a", at=10.0)
    second = team.route({"lead_id": "b", "at": 11.0})
    assert {first, second} == {"star", "plain"}


def test_bottleneck_is_the_slow_rep_with_a_growing_queue_not_the_one_who_just_closed() -> None:
    team = TeamNetwork(seed=2, reps=[{"rep_id": "slow"}, {"rep_id": "closer"}, {"rep_id": "steady"}],
                       max_queue=5)
    t = history(team, "slow", wins=1, losses=3, start=0.0, minutes=120.0)
    history(team, "closer", wins=4, losses=0, start=0.0, minutes=25.0)
    history(team, "steady", wins=2, losses=2, start=0.0, minutes=30.0)
    team.lead_started("slow-now", "slow", at=t)
    team.update_rep("closer", available=False)
    team.update_rep("steady", available=False)
    for i in range(3):  # while the others are at lunch, customers can only queue for the slow rep
        assert team.route({"lead_id": f"wait{i}", "at": t + 5.0 * i}) == "slow"
    team.update_rep("closer", available=True)
    team.update_rep("steady", available=True)
    team.lead_started("sale", "closer", at=t + 60.0)
    team.lead_finished("sale", True, at=t + 90.0)  # the closer just sold a car
    assert team.bottlenecks() == ["slow"]
    detail = team.bottleneck_details()[0]
    assert detail.queue_length == 3
    assert detail.service_minutes > 1.25 * detail.floor_service_minutes
    # once the slow rep's queue drains, the flag goes away
    for i in range(3):
        team.lead_lost(f"wait{i}", at=t + 95.0)
    assert team.bottlenecks() == []


def test_a_queue_at_a_normal_speed_rep_is_not_a_bottleneck() -> None:
    team = TeamNetwork(seed=2, reps=[{"rep_id": "a"}, {"rep_id": "b"}], max_queue=4)
    history(team, "a", wins=2, losses=2, start=0.0, minutes=30.0)
    t = history(team, "b", wins=2, losses=2, start=0.0, minutes=30.0)
    team.lead_started("a-now", "a", at=t)
    team.lead_started("b-now", "b", at=t)
    for i in range(6):
        team.route({"lead_id": f"q{i}", "at": t + i})
    team.advance(t + 90.0)
    assert team.bottlenecks() == []


def test_mentoring_needs_credibly_different_measured_rates() -> None:
    team = TeamNetwork(seed=1, reps=[{"rep_id": r, "skill": s} for r, s in
                                     [("pro", 0.2), ("mid", 0.5), ("new", 0.9), ("green", 0.5)]])
    history(team, "pro", wins=14, losses=6, start=0.0)
    history(team, "mid", wins=7, losses=13, start=0.0)
    history(team, "new", wins=3, losses=17, start=0.0)
    history(team, "green", wins=0, losses=3, start=0.0)  # too little evidence either way
    pairs = team.mentoring()
    assert ("pro", "new") in pairs
    assert all("green" not in pair for pair in pairs)
    assert all(mentor != "new" for mentor, _ in pairs)
    # "mid" vs "pro": 7/20 vs 14/20 — intervals overlap at 90 %, so no pairing is claimed
    assert ("pro", "mid") not in pairs


def test_entered_skill_alone_never_creates_mentoring() -> None:
    team = TeamNetwork(seed=1, reps=[{"rep_id": "rated_great", "skill": 0.95},
                                     {"rep_id": "rated_poor", "skill": 0.05}])
    assert team.mentoring() == []


def test_phases_follow_work_cycles_and_coherence_measures_lockstep() -> None:
    together = TeamNetwork(seed=1, reps=[{"rep_id": "a"}, {"rep_id": "b"}], coupling=0.0)
    together.lead_started("x", "a", at=0.0)
    together.lead_started("y", "b", at=0.0)
    together.advance(10.0)
    phases = together.phases()
    # prior service time 45 min: after 10 minutes each is 10/45 of the way round
    assert phases["a"] == pytest.approx(TWO_PI * 10.0 / 45.0, rel=1e-9)
    assert together.coherence() == pytest.approx(1.0)

    staggered = TeamNetwork(seed=1, reps=[{"rep_id": "a"}, {"rep_id": "b"}], coupling=0.0)
    staggered.lead_started("x", "a", at=0.0)
    staggered.lead_started("y", "b", at=22.5)  # half a cycle later
    staggered.advance(30.0)
    assert staggered.coherence() < 0.05
    for value in staggered.phases().values():
        assert 0.0 <= value < TWO_PI


def test_coupling_pulls_working_reps_into_step() -> None:
    def coherence_after(coupling: float) -> float:
        team = TeamNetwork(seed=1, reps=[{"rep_id": r} for r in "abc"], coupling=coupling)
        for i, rep in enumerate("abc"):
            team.lead_started(f"l{rep}", rep, at=i * 8.0)
        team.advance(40.0)
        return team.coherence()

    assert coherence_after(0.3) > coherence_after(0.0) + 0.05


def test_walk_in_and_hand_off_are_recorded() -> None:
    team = floor()
    team.lead_started("walk-in", "bob", at=600.0)
    assert team.route({"lead_id": "r", "at": 600.0}) != "bob"
    team.lead_finished("walk-in", "sold", at=640.0)
    stats = {rep.rep_id: rep for rep in team.performance()}
    assert stats["bob"].wins == 1
    assert stats["bob"].service_minutes < 45.0  # one measured 40-minute sale pulls the estimate down


def test_late_delivered_events_are_measured_at_their_own_times() -> None:
    team = floor()
    rep = team.route({"lead_id": "late", "at": 600.0})
    team.lead_started("other", "cat", at=700.0)  # the clock has moved on
    team.lead_started("late", at=610.0)  # ...when this one arrives from another machine
    team.lead_finished("late", True, at=640.0)
    stats = {item.rep_id: item for item in team.performance()}[rep]
    assert stats.mean_wait_minutes == pytest.approx(10.0)
    assert 30.0 < stats.service_minutes < 45.0  # one 30-minute sale, shrunk towards the prior
    assert team.now == 700.0


def test_removing_a_rep_releases_its_leads_for_rerouting() -> None:
    team = floor()
    rep = team.route({"lead_id": "z", "at": 600.0})
    assert rep is not None
    assert team.remove_rep(rep) == ["z"]
    assert team.route({"lead_id": "z", "at": 601.0}) in {"ann", "bob", "cat"} - {rep}


def test_lost_customer_feeds_measured_patience() -> None:
    team = floor(patience_prior_minutes=20.0, patience_prior_strength=1.0)
    for i in range(4):
        team.route({"lead_id": f"w{i}", "at": 600.0})
    queued = [lead for r in team.reps() for lead in team.queued_leads(r)]
    for lead in queued:
        team.lead_lost(lead, at=603.0)  # they only waited three minutes
    assert team.patience_minutes() < 20.0


# ---------------------------------------------------------------------------------------- validation

@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"capacity": -1}, "rep.capacity"),
        ({"capacity": 1.5}, "rep.capacity"),
        ({"capacity": "2"}, "rep.capacity"),
        ({"capacity": True}, "rep.capacity"),
        ({"skill": float("nan")}, "rep.skill"),
        ({"skill": 1.2}, "rep.skill"),
        ({"skill": -0.1}, "rep.skill"),
        ({"shift": ("9am", "5pm")}, "rep.shift.start"),
        ({"shift": (540.0, float("inf"))}, "rep.shift.end"),
        ({"shift": (540.0,)}, "rep.shift"),
        ({"available": "yes"}, "rep.available"),
    ],
)
def test_bad_rep_is_rejected_naming_the_field_and_nothing_changes(kwargs: dict[str, Any], field: str) -> None:
    team = floor()
    script(team, 10)
    before = team.to_state()
    with pytest.raises(FieldError) as caught:
        team.add_rep("dan", **kwargs)
    assert caught.value.field == field
    assert team.to_state() == before
    with pytest.raises(FieldError) as caught_update:
        team.update_rep("ann", **kwargs)
    assert caught_update.value.field == field
    assert team.to_state() == before


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda t: t.route({"at": 700.0}), "lead.lead_id"),
        (lambda t: t.route({"lead_id": 7, "at": 700.0}), "lead.lead_id"),
        (lambda t: t.route({"lead_id": "n", "at": float("nan")}), "lead.at"),
        (lambda t: t.route({"lead_id": "n", "at": -5.0}), "lead.at"),
        (lambda t: t.route(["lead"]), "lead"),
        (lambda t: t.lead_started("nobody-knows"), "lead_id"),
        (lambda t: t.lead_started("n", "zed", at=700.0), "rep_id"),
        (lambda t: t.lead_started("n", "ann", at=float("inf")), "at"),
        (lambda t: t.lead_finished("never-started", True), "lead_id"),
        (lambda t: t.lead_lost("never-routed"), "lead_id"),
        (lambda t: t.advance(float("nan")), "at"),
        (lambda t: t.update_rep("ann", colour="red"), "colour"),
        (lambda t: t.add_rep("ann"), "rep_id"),
        (lambda t: t.add_rep(""), "rep.rep_id"),
    ],
)
def test_bad_event_is_rejected_naming_the_field_and_nothing_changes(call: Any, field: str) -> None:
    team = floor()
    script(team, 10)
    before = team.to_state()
    with pytest.raises(ValueError) as caught:
        call(team)
    assert isinstance(caught.value, FieldError)
    assert caught.value.field == field
    assert team.to_state() == before


def test_bad_outcome_leaves_the_lead_in_progress() -> None:
    team = floor()
    team.route({"lead_id": "o", "at": 600.0})
    team.lead_started("o", at=601.0)
    before = team.to_state()
    for outcome in ("maybe", None, 1, float("nan")):
        with pytest.raises(FieldError) as caught:
            team.lead_finished("o", outcome, at=650.0)
        assert caught.value.field == "outcome"
        assert team.to_state() == before
    team.lead_finished("o", "no_sale", at=650.0)
    assert {rep.rep_id: rep.losses for rep in team.performance()}[team.performance()[0].rep_id] >= 0


@pytest.mark.parametrize(("name", "value"), [("seed", -1), ("seed", 1.5), ("max_queue", -1),
                                             ("coupling", float("nan")), ("fairness", -1.0),
                                             ("credible_level", 1.0), ("prior_strength", 0.0),
                                             ("warp_speed", 9)])
def test_bad_settings_name_the_field(name: str, value: object) -> None:
    kwargs: dict[str, Any] = {"seed": 1, name: value}
    with pytest.raises(FieldError) as caught:
        TeamNetwork(**kwargs)
    assert caught.value.field == name


def test_a_real_zero_is_zero() -> None:
    team = TeamNetwork(seed=0, reps=[{"rep_id": "off", "capacity": 0}, {"rep_id": "on", "skill": 0.0}])
    assert team.route({"lead_id": "x", "at": 0.0}) == "on"  # capacity 0 takes nobody; skill 0 is a real 0
    saved = {rep["rep_id"]: rep for rep in team.to_state()["state"]["reps"]}
    assert saved["on"]["skill"] == 0.0  # not replaced by a default
    assert saved["off"]["capacity"] == 0
    assert {rep.rep_id: rep.close_rate for rep in team.performance()}["on"] <= 0.01 + 1e-12


def test_malformed_saved_state_is_rejected() -> None:
    state = floor().to_state()
    del state["state"]["reps"]
    with pytest.raises(ValueError, match="state"):
        TeamNetwork.from_state(state)
    with pytest.raises(ValueError, match="state"):
        TeamNetwork.from_state({"format": "autolytiq.ml", "engine": "whaco", "version": 1, "state": {}})
    tampered = floor().to_state()
    tampered["state"]["reps"][1]["capacity"] = -2
    with pytest.raises(FieldError) as caught:
        TeamNetwork.from_state(tampered)
    assert caught.value.field == "state.reps[1].capacity"

"""Discrete-event simulation of a showroom floor, to compare routing policies on the same customers.

Customers arrive as a Poisson stream while the store is open; each has a patience (exponential) and leaves
if nobody has taken them up by then. Reps work shifts, one customer per capacity slot, with their own true
close rate and mean service time (gamma-distributed durations); the entered skill the router sees may be
wrong. Unroutable customers wait in a house queue and are offered again whenever a slot frees up or a
shift starts. Queued customers of a rep whose shift ends go back through routing.

Common random numbers: a customer's arrival, patience, outcome draw and service-length draw are the same
under every policy, so policy differences are not drowned by sampling noise.

Policies: ``team`` (TeamNetwork), ``random`` (uniform over reps with room) and ``least_loaded`` (lowest
(active + queued) / capacity). All three see the same eligibility rule (on shift, room under capacity plus
``max_queue``).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ml.oscillator.team import MINUTES_PER_DAY, TeamNetwork

POLICIES = ("team", "random", "least_loaded")


@dataclass(frozen=True)
class FloorRep:
    rep_id: str
    close_rate: float
    service_minutes: float
    shift: tuple[float, float]  # minutes of the day
    entered_skill: float
    capacity: int = 1


@dataclass(frozen=True)
class FloorScenario:
    reps: tuple[FloorRep, ...]
    arrivals_per_hour: float = 5.0
    days: int = 10
    opens: float = 9 * 60.0
    closes: float = 21 * 60.0
    patience_minutes: float = 20.0
    service_shape: float = 3.0  # gamma shape of service durations (coefficient of variation 1/√shape)
    max_queue: int = 1


@dataclass
class FloorResult:
    policy: str
    arrived: int = 0
    served: int = 0
    deals: int = 0
    lost: int = 0
    total_wait: float = 0.0
    handled: dict[str, int] = field(default_factory=dict)
    shift_hours: dict[str, float] = field(default_factory=dict)
    learned_close_rates: dict[str, float] = field(default_factory=dict)  # team policy: posterior means

    @property
    def mean_wait(self) -> float:
        return self.total_wait / self.served if self.served else 0.0

    def _rates(self) -> np.ndarray:
        return np.array([self.handled[rid] / self.shift_hours[rid] for rid in sorted(self.handled)])

    @property
    def jain(self) -> float:
        """Jain's fairness index of leads handled per shift hour: 1 = perfectly even, 1/n = one rep."""
        x = self._rates()
        return float(x.sum() ** 2 / (len(x) * (x**2).sum())) if (x > 0).any() else 1.0

    @property
    def gini(self) -> float:
        """Gini coefficient of leads handled per shift hour: 0 = perfectly even."""
        x = np.sort(self._rates())
        n = len(x)
        if n == 0 or x.sum() == 0:
            return 0.0
        ranks = np.arange(1, n + 1)
        return float((2.0 * (ranks * x).sum()) / (n * x.sum()) - (n + 1.0) / n)


def default_scenario(days: int = 10) -> FloorScenario:
    """Eight reps in two overlapping shifts; entered skills poorly ordered against the true close rates."""
    early, late = (9 * 60.0, 17 * 60.0), (13 * 60.0, 21 * 60.0)
    reps = (
        FloorRep("ava", 0.42, 40.0, early, 0.30),
        FloorRep("ben", 0.15, 55.0, early, 0.45),
        FloorRep("cruz", 0.30, 35.0, early, 0.30),
        FloorRep("dee", 0.22, 80.0, early, 0.35),
        FloorRep("eli", 0.38, 50.0, late, 0.25),
        FloorRep("fay", 0.12, 45.0, late, 0.40),
        FloorRep("gus", 0.27, 60.0, late, 0.30),
        FloorRep("hana", 0.33, 30.0, late, 0.30),
    )
    return FloorScenario(reps=reps, days=days)


@dataclass
class _Customer:
    index: int
    arrival: float
    patience: float
    outcome_draw: float
    length_draw: float
    rep: str | None = None  # set while queued at a rep
    state: str = "waiting"  # waiting | serving | done | lost


def simulate(scenario: FloorScenario, policy: str, seed: int,
             team_settings: Mapping[str, Any] | None = None) -> FloorResult:
    """One run; ``team_settings`` are passed to TeamNetwork (``max_queue`` comes from the scenario)."""
    if policy not in POLICIES:
        raise ValueError(f"policy: expected one of {POLICIES}, got {policy!r}")
    return _Floor(scenario, policy, seed, dict(team_settings or {})).run()


class _Floor:
    def __init__(self, scenario: FloorScenario, policy: str, seed: int,
                 team_settings: dict[str, Any]) -> None:
        self.scenario = scenario
        self.policy = policy
        self.reps = {rep.rep_id: rep for rep in scenario.reps}
        self.queue: dict[str, deque[_Customer]] = {rid: deque() for rid in self.reps}
        self.active: dict[str, int] = dict.fromkeys(self.reps, 0)
        self.house: deque[_Customer] = deque()
        self.choice_rng = np.random.default_rng([seed, 1])
        self.team = TeamNetwork(seed=seed, max_queue=scenario.max_queue, reps=[
            {"rep_id": rep.rep_id, "capacity": rep.capacity, "skill": rep.entered_skill, "shift": rep.shift}
            for rep in scenario.reps], **team_settings)
        self.events: list[tuple[float, int, str, str, int]] = []
        self.sequence = 0
        self.customers = self._customers(np.random.default_rng([seed, 0]))
        shift_hours = {rid: (rep.shift[1] - rep.shift[0]) % MINUTES_PER_DAY / 60.0 * scenario.days
                       for rid, rep in self.reps.items()}
        self.result = FloorResult(policy, handled=dict.fromkeys(self.reps, 0), shift_hours=shift_hours)

    def _customers(self, rng: np.random.Generator) -> list[_Customer]:
        s = self.scenario
        customers: list[_Customer] = []
        mean_gap = 60.0 / s.arrivals_per_hour
        for day in range(s.days):
            t = day * MINUTES_PER_DAY + s.opens
            while True:
                t += float(rng.exponential(mean_gap))
                if t >= day * MINUTES_PER_DAY + s.closes:
                    break
                customers.append(_Customer(len(customers), t, float(rng.exponential(s.patience_minutes)),
                                           float(rng.random()), float(rng.gamma(s.service_shape))
                                           / s.service_shape))
        return customers

    def push(self, time: float, kind: str, rep_id: str = "", index: int = -1) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (time, self.sequence, kind, rep_id, index))

    def run(self) -> FloorResult:
        for customer in self.customers:
            self.push(customer.arrival, "arrive", index=customer.index)
            self.push(customer.arrival + customer.patience, "give_up", index=customer.index)
        for day in range(self.scenario.days):
            for rid, rep in self.reps.items():
                self.push(day * MINUTES_PER_DAY + rep.shift[0], "shift_start", rid)
                self.push(day * MINUTES_PER_DAY + rep.shift[1], "shift_end", rid)
        while self.events:
            time, _, kind, rep_id, index = heapq.heappop(self.events)
            if kind == "arrive":
                self.result.arrived += 1
                self.offer(self.customers[index], time)
            elif kind == "give_up":
                self.give_up(self.customers[index], time)
            elif kind == "finish":
                self.finish(rep_id, self.customers[index], time)
            elif kind == "shift_end":
                self.shift_end(rep_id, time)
            else:
                self.drain_house(time)
        if self.policy == "team":
            self.result.learned_close_rates = {row.rep_id: row.close_rate for row in self.team.performance()}
        return self.result

    # --------------------------------------------------------------------------------------- floor

    def on_shift(self, rep: FloorRep, time: float) -> bool:
        minute = time % MINUTES_PER_DAY
        return rep.shift[0] <= minute < rep.shift[1]

    def eligible(self, time: float) -> list[str]:
        return [rid for rid, rep in self.reps.items() if self.on_shift(rep, time)
                and self.active[rid] + len(self.queue[rid]) < rep.capacity + self.scenario.max_queue]

    def choose(self, customer: _Customer, time: float) -> str | None:
        if self.policy == "team":
            return self.team.route({"lead_id": str(customer.index), "at": time})
        candidates = self.eligible(time)
        if not candidates:
            return None
        if self.policy == "least_loaded":
            loads = [(self.active[rid] + len(self.queue[rid])) / self.reps[rid].capacity
                     for rid in candidates]
            lowest = min(loads)
            candidates = [rid for rid, load in zip(candidates, loads, strict=True) if load == lowest]
        return candidates[int(self.choice_rng.integers(len(candidates)))]

    def offer(self, customer: _Customer, time: float) -> bool:
        rep_id = self.choose(customer, time)
        if rep_id is None:
            self.house.append(customer)
            return False
        customer.rep = rep_id
        self.queue[rep_id].append(customer)
        self.start_next(rep_id, time)
        return True

    def start_next(self, rep_id: str, time: float) -> None:
        rep = self.reps[rep_id]
        while self.active[rep_id] < rep.capacity and self.queue[rep_id]:
            customer = self.queue[rep_id].popleft()
            customer.state, customer.rep = "serving", rep_id
            self.active[rep_id] += 1
            self.result.served += 1
            self.result.total_wait += time - customer.arrival
            self.result.handled[rep_id] += 1
            if self.policy == "team":
                self.team.lead_started(str(customer.index), at=time)
            self.push(time + customer.length_draw * rep.service_minutes, "finish", rep_id, customer.index)

    def finish(self, rep_id: str, customer: _Customer, time: float) -> None:
        customer.state = "done"
        self.active[rep_id] -= 1
        sold = customer.outcome_draw < self.reps[rep_id].close_rate
        self.result.deals += int(sold)
        if self.policy == "team":
            self.team.lead_finished(str(customer.index), sold, at=time)
        self.start_next(rep_id, time)
        self.drain_house(time)

    def give_up(self, customer: _Customer, time: float) -> None:
        if customer.state != "waiting":
            return
        customer.state = "lost"
        self.result.lost += 1
        if customer in self.house:
            self.house.remove(customer)
        elif customer.rep is not None:
            self.queue[customer.rep].remove(customer)
            if self.policy == "team":
                self.team.lead_lost(str(customer.index), at=time)

    def shift_end(self, rep_id: str, time: float) -> None:
        leftovers = list(self.queue[rep_id])
        self.queue[rep_id].clear()
        for customer in leftovers:
            customer.rep = None
            if not self.offer(customer, time):
                continue
        self.drain_house(time)

    def drain_house(self, time: float) -> None:
        waiting = len(self.house)
        for _ in range(waiting):
            customer = self.house.popleft()
            if not self.offer(customer, time):
                break
        # a customer that could not be placed went back to the end; restore arrival order
        self.house = deque(sorted(self.house, key=lambda c: c.arrival))


def busy_floor(reps: int = 50, seed: int = 0) -> TeamNetwork:
    """A mid-shift floor for benchmarks and demos: every rep with a measured history from yesterday, most
    of them working a customer, some with customers waiting; the clock stands at 14:05 on day 3."""
    rng = np.random.default_rng([seed, 2])
    team = TeamNetwork(seed=seed, max_queue=2, reps=[
        {"rep_id": f"rep{i:02d}", "capacity": int(rng.integers(1, 3)), "skill": float(rng.uniform(0.1, 0.5)),
         "shift": ("08:00", "20:00")} for i in range(reps)])
    for i in range(reps):
        start = MINUTES_PER_DAY + 8 * 60.0  # yesterday's work: the measured history
        for j in range(int(rng.integers(4, 12))):
            lead_id = f"h{i}-{j}"
            team.lead_started(lead_id, f"rep{i:02d}", at=start)
            start += float(rng.gamma(3.0, 15.0))
            team.lead_finished(lead_id, bool(rng.random() < 0.3), at=start)
    now = 2 * MINUTES_PER_DAY + 14 * 60.0
    arrivals = int(reps * 0.7)
    for k in range(arrivals):  # the last hour's customers, some still waiting
        at = now - 60.0 + 60.0 * k / arrivals
        rep = team.route({"lead_id": f"live{k}", "at": at})
        if rep is not None and rng.random() < 0.75:
            team.lead_started(f"live{k}", at=at)
    team.advance(now + 5.0)
    return team

"""TeamNetwork: lead routing, coordination, bottlenecks and mentoring for a dealership sales floor.

Time is in minutes on the caller's clock (``at`` on every event; the app passes local wall-clock minutes so
that ``at mod 1440`` is the minute of the day that shifts are written in). Events without ``at`` happen "now",
at the latest time the team has seen.

Lifecycle of a lead: ``route(lead)`` picks a rep and puts the lead in that rep's queue (so the workload
counts it at once); ``lead_started`` moves it to the rep's active work; ``lead_finished(outcome)`` closes it
and records the measured outcome and service time; ``lead_lost`` records a customer who left while waiting.
Routing a lead that is already queued moves it (e.g. when its rep goes off shift); if no rep can take it the
lead is released and ``None`` is returned: the caller keeps it in the house queue and routes it again later.

Phases (the coordination signal). Each rep is a Kuramoto oscillator whose phase is the position in its
current work cycle: 0 when a customer is taken up, 2π when the measured mean service time has elapsed. A
working rep's natural frequency is 2π / (its measured service time) rad/min; an idle rep rests at phase 0.
Working reps are coupled in mean-field form with strength ``coupling`` (rad/min) — the entrainment that a
shared desk manager or F&I office imposes on a floor. ``coherence()`` is the order parameter r of the working
reps: near 1 the floor moves in lockstep (everyone frees up at once, then nobody is free: bursts of waiting
customers); low values mean staggered cycles and steady coverage. The router reads a busy rep's phase as the
expected time until it frees a slot, (2π − θ)/ω.

Eligible reps are on shift, available and below capacity + ``max_queue`` (active + queued). If any of them
has a free slot, only those are considered: a customer never waits while a rep stands idle. Among the rest,
routing maximises
    p · keep · fair − busy · s · v
p: a Thompson draw from the rep's close-rate posterior (entered skill as prior, measured outcomes on top) —
   explores reps with little evidence, exploits proven closers; the seeded generator makes it reproducible.
keep: exp(−expected wait / measured patience), the chance the customer is still there when the rep is free.
fair: exp(−fairness · excess), excess = how far the rep's recent (decayed) lead count per unit of capacity
   is above the floor's mean, relative to it: penalises reps far above the mean load.
busy · s · v: opportunity cost of tying the rep up for its measured service time s when the floor is busy
   (busy = share of on-shift capacity in use, v = the floor's measured deals per rep-minute).
No starvation: an idle on-shift rep that has had no lead for ``starvation_minutes`` while others did, and
whose recent load is under half the floor's, is served first (the longest-idle such rep); a rep never yet
assigned gets the first lead after someone else has had one, so every rep is measured.

Bottlenecks come from measured queueing, never from a single outcome: a rep is flagged when customers wait in
its queue now and over the last hour on average (not draining), and its measured service time is at least
``slow_factor`` times the floor's. Mentoring pairs need measured outcomes on both sides and non-overlapping
credible intervals of the close rate (see ``mentoring``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, Self

import numpy as np

from ml import persistence
from ml.oscillator import estimates
from ml.oscillator.fields import FieldError, flag, real, text, whole
from ml.oscillator.kuramoto import TWO_PI, advance, order_parameter

MINUTES_PER_DAY = 1440.0
QUEUE_WINDOW_MINUTES = 60.0  # time constant of the queue-length average used for bottlenecks
MIN_SERVICE_EVIDENCE = 3  # finished leads before a rep's service time may mark it as a bottleneck
MAX_MENTEES = 2

SOLD = frozenset({"won", "sold", "closed", "deal"})
NOT_SOLD = frozenset({"lost", "no_sale", "not_sold", "unsold"})


@dataclass(frozen=True)
class TeamSettings:
    coupling: float = 0.02  # rad/min between working reps
    prior_strength: float = 8.0  # pseudo-leads behind an entered skill
    service_prior_minutes: float = 45.0
    service_prior_strength: float = 3.0
    patience_prior_minutes: float = 20.0
    patience_prior_strength: float = 3.0
    max_queue: int = 1  # leads a rep may hold waiting beyond its capacity
    fairness: float = 1.0
    fairness_half_life_minutes: float = 480.0
    starvation_minutes: float = 120.0
    mentor_evidence: int = 12  # measured outcomes each side needs before a pairing is suggested
    credible_level: float = 0.9
    slow_factor: float = 1.25  # service time this many times the floor's typical one counts as slow

    _POSITIVE: ClassVar[tuple[str, ...]] = (
        "prior_strength", "service_prior_minutes", "service_prior_strength", "patience_prior_minutes",
        "patience_prior_strength", "fairness_half_life_minutes", "starvation_minutes", "slow_factor")

    @classmethod
    def checked(cls, values: Mapping[str, Any]) -> TeamSettings:
        known = {f.name for f in fields(cls)}
        for name in values:
            if name not in known:
                raise FieldError(name, "unknown setting")
        clean: dict[str, Any] = {}
        for name, value in values.items():
            if name in ("max_queue", "mentor_evidence"):
                clean[name] = whole(name, value, minimum=0 if name == "max_queue" else 1)
            elif name == "credible_level":
                clean[name] = real(name, value, minimum=0.5, maximum=0.999)
            elif name in ("coupling", "fairness"):
                clean[name] = real(name, value, minimum=0.0)
            else:
                clean[name] = real(name, value, strictly_positive=name in cls._POSITIVE)
        return cls(**clean)


@dataclass
class _Rep:
    rep_id: str
    capacity: int
    skill: float
    shift: tuple[float, float] | None
    available: bool = True
    queue: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    phase: float = 0.0
    wins: int = 0
    losses: int = 0
    service_total: float = 0.0
    service_count: int = 0
    wait_total: float = 0.0
    wait_count: int = 0
    lost_waiting: int = 0
    handled: int = 0
    recent_load: float = 0.0
    last_assigned: float | None = None
    queue_average: float = 0.0


@dataclass
class _Lead:
    lead_id: str
    rep_id: str
    status: str  # "queued" | "active"
    assigned_at: float
    started_at: float | None = None


@dataclass(frozen=True)
class Bottleneck:
    rep_id: str
    queue_length: int
    queue_average: float
    service_minutes: float
    floor_service_minutes: float
    mean_wait_minutes: float | None
    lost_waiting: int
    reason: str


@dataclass(frozen=True)
class RepPerformance:
    rep_id: str
    on_shift: bool
    capacity: int
    skill: float  # as entered
    active: int
    queued: int
    handled: int
    wins: int
    losses: int
    close_rate: float  # posterior mean (entered skill as prior)
    measured_close_rate: tuple[float, float, float] | None  # (mean, low, high) from outcomes alone
    service_minutes: float  # shrunk measured mean
    mean_wait_minutes: float | None
    lost_waiting: int
    phase: float


class TeamNetwork(persistence.SeededEngine):
    """A sales floor. See the module documentation for the model; all times in minutes.

    Save/load (``to_state`` / ``from_state`` / ``save`` / ``load``) from ``ml.persistence.SeededEngine``.
    """

    def __init__(self, seed: int, reps: Iterable[Mapping[str, Any]] = (), **settings: Any) -> None:
        self.seed = whole("seed", seed)
        self._settings = TeamSettings.checked(settings)
        self._rng = np.random.default_rng(self.seed)
        self._reps: dict[str, _Rep] = {}
        self._leads: dict[str, _Lead] = {}
        self._now = 0.0
        self._last_assignment: float | None = None
        self._wait_exposure = 0.0  # minutes customers spent waiting, started or lost
        self._losses = 0
        staged = [self._checked_rep(rep, f"reps[{i}]") for i, rep in enumerate(reps)]
        ids = [rep.rep_id for rep in staged]
        if len(set(ids)) != len(ids):
            raise FieldError("reps", "duplicate rep_id")
        for rep in staged:
            self._reps[rep.rep_id] = rep

    # ----------------------------------------------------------------------------------------- roster

    @staticmethod
    def _checked_shift(name: str, shift: object) -> tuple[float, float] | None:
        if shift is None:
            return None
        if isinstance(shift, Mapping):
            shift = (shift.get("start"), shift.get("end"))
        if not isinstance(shift, tuple | list) or len(shift) != 2:
            raise FieldError(name, "expected (start, end) minutes of the day, 'HH:MM' strings, or null")
        start = _minute_of_day(f"{name}.start", shift[0])
        end = _minute_of_day(f"{name}.end", shift[1])
        if start == end:
            raise FieldError(name, "start and end are equal; use null for a rep who is always on")
        return start, end

    def _checked_rep(self, rep: Mapping[str, Any], name: str) -> _Rep:
        if not isinstance(rep, Mapping):
            raise FieldError(name, "expected a mapping")
        rep_id = text(f"{name}.rep_id", rep.get("rep_id", rep.get("id")))
        return _Rep(
            rep_id=rep_id,
            capacity=whole(f"{name}.capacity", rep.get("capacity", 1)),
            skill=real(f"{name}.skill", rep.get("skill", 0.5), minimum=0.0, maximum=1.0),
            shift=self._checked_shift(f"{name}.shift", rep.get("shift")),
            available=flag(f"{name}.available", rep.get("available", True)),
        )

    def add_rep(self, rep_id: str, *, capacity: int = 1, skill: float = 0.5,
                shift: object = None, available: bool = True) -> None:
        """Add a rep. ``capacity``: customers worked at once; ``skill``: entered close rate in [0, 1];
        ``shift``: (start, end) minutes of the day or 'HH:MM' strings (may cross midnight); None: always."""
        rep = self._checked_rep({"rep_id": rep_id, "capacity": capacity, "skill": skill, "shift": shift,
                                 "available": available}, "rep")
        if rep.rep_id in self._reps:
            raise FieldError("rep_id", f"{rep.rep_id!r} already exists")
        self._reps[rep.rep_id] = rep

    def update_rep(self, rep_id: str, **changes: Any) -> None:
        """Change ``capacity``, ``skill``, ``shift`` or ``available`` (e.g. on a break); measurements stay."""
        rep = self._rep(rep_id)
        allowed = {"capacity", "skill", "shift", "available"}
        for name in changes:
            if name not in allowed:
                raise FieldError(name, "not a rep setting")
        merged = {"rep_id": rep.rep_id, "capacity": rep.capacity, "skill": rep.skill, "shift": rep.shift,
                  "available": rep.available, **changes}
        checked = self._checked_rep(merged, "rep")
        rep.capacity, rep.skill, rep.shift, rep.available = (
            checked.capacity, checked.skill, checked.shift, checked.available)

    def remove_rep(self, rep_id: str) -> list[str]:
        """Remove a rep; returns the ids of its queued and active leads, which are released for re-routing."""
        rep = self._rep(rep_id)
        released = rep.queue + rep.active
        for lead_id in released:
            del self._leads[lead_id]
        del self._reps[rep.rep_id]
        return released

    def reps(self) -> list[str]:
        return list(self._reps)

    def on_shift(self, rep_id: str, at: float | None = None) -> bool:
        rep = self._rep(rep_id)
        return self._is_on(rep, self._now if at is None else real("at", at, minimum=0.0))

    def queued_leads(self, rep_id: str) -> list[str]:
        return list(self._rep(rep_id).queue)

    # ----------------------------------------------------------------------------------------- events

    def route(self, lead: Mapping[str, Any]) -> str | None:
        """Assign ``lead`` (``lead_id``, optional ``at``) to the best rep on the live floor, or None."""
        if not isinstance(lead, Mapping):
            raise FieldError("lead", "expected a mapping")
        lead_id = text("lead.lead_id", lead.get("lead_id"))
        at = self._checked_time("lead.at", lead.get("at"))
        existing = self._leads.get(lead_id)
        if existing is not None and existing.status != "queued":
            raise FieldError("lead.lead_id", f"{lead_id!r} is already being worked")
        self._advance(at)
        if existing is not None:  # re-routing: its old queue place is given up first
            self._reps[existing.rep_id].queue.remove(lead_id)
            del self._leads[lead_id]
        chosen = self._choose()
        if chosen is None:
            return None
        # A late-delivered event keeps its own timestamp for what is measured from it.
        when = self._now if at is None else at
        chosen.queue.append(lead_id)
        chosen.recent_load += 1.0
        chosen.last_assigned = self._now
        self._last_assignment = self._now
        self._leads[lead_id] = _Lead(lead_id, chosen.rep_id, "queued", when)
        return chosen.rep_id

    def lead_started(self, lead_id: str, rep_id: str | None = None, *, at: float | None = None) -> None:
        """The rep takes the customer up. ``rep_id`` may name a different rep (a hand-off) or a lead that
        never went through ``route`` (a walk-in the rep greeted directly)."""
        lead_id = text("lead_id", lead_id)
        lead = self._leads.get(lead_id)
        if lead is not None and lead.status == "active":
            raise FieldError("lead_id", f"{lead_id!r} has already started")
        if rep_id is None and lead is None:
            raise FieldError("lead_id", f"{lead_id!r} is unknown; pass rep_id for a lead that was not routed")
        target = self._rep(rep_id if rep_id is not None else lead.rep_id if lead is not None else "")
        moment = self._checked_time("at", at)
        self._advance(moment)
        when = self._now if moment is None else moment
        if lead is not None:
            self._reps[lead.rep_id].queue.remove(lead_id)
            waited = max(0.0, when - lead.assigned_at)
            target.wait_total += waited
            target.wait_count += 1
            self._wait_exposure += waited
        else:
            lead = _Lead(lead_id, target.rep_id, "queued", when)
            self._leads[lead_id] = lead
            target.recent_load += 1.0
            target.last_assigned = self._now
        if not target.active:  # a new work cycle begins (at `when`, which may be a little in the past)
            target.phase = (TWO_PI * (self._now - when) / self._service_minutes(target)) % TWO_PI
        target.active.append(lead_id)
        target.handled += 1
        lead.rep_id, lead.status, lead.started_at = target.rep_id, "active", when

    def lead_finished(self, lead_id: str, outcome: object, *, at: float | None = None) -> None:
        """The rep is done with the customer; ``outcome`` True/"won"/"sold" or False/"lost"/"no_sale"."""
        lead_id = text("lead_id", lead_id)
        lead = self._leads.get(lead_id)
        if lead is None or lead.status != "active" or lead.started_at is None:
            raise FieldError("lead_id", f"{lead_id!r} is not being worked")
        sold = _outcome(outcome)
        moment = self._checked_time("at", at)
        self._advance(moment)
        rep = self._reps[lead.rep_id]
        finished_at = self._now if moment is None else moment
        rep.service_total += max(0.0, finished_at - lead.started_at)
        rep.service_count += 1
        if sold:
            rep.wins += 1
        else:
            rep.losses += 1
        rep.active.remove(lead_id)
        del self._leads[lead_id]
        if rep.active:  # the cycle now follows the oldest remaining customer
            oldest = min(self._leads[other].started_at or self._now for other in rep.active)
            rep.phase = (TWO_PI * (self._now - oldest) / self._service_minutes(rep)) % TWO_PI
        else:
            rep.phase = 0.0

    def lead_lost(self, lead_id: str, *, at: float | None = None) -> None:
        """A queued customer left before anyone took them up."""
        lead_id = text("lead_id", lead_id)
        lead = self._leads.get(lead_id)
        if lead is None or lead.status != "queued":
            raise FieldError("lead_id", f"{lead_id!r} is not waiting in a rep's queue")
        moment = self._checked_time("at", at)
        self._advance(moment)
        rep = self._reps[lead.rep_id]
        rep.queue.remove(lead_id)
        rep.lost_waiting += 1
        self._wait_exposure += max(0.0, (self._now if moment is None else moment) - lead.assigned_at)
        self._losses += 1
        del self._leads[lead_id]

    def advance(self, at: float) -> None:
        """Move the clock (phases, load decay, queue averages) without an event."""
        self._advance(real("at", at, minimum=0.0))

    # ----------------------------------------------------------------------------------------- reading

    @property
    def now(self) -> float:
        return self._now

    def coherence(self) -> float:
        """Order parameter r ∈ [0, 1] of the working reps' phases; 0.0 with fewer than two working.

        Readings are as of the latest event; call ``advance(at)`` first to bring the floor up to now."""
        working = [rep.phase for rep in self._reps.values() if rep.active]
        if len(working) < 2:
            return 0.0
        return order_parameter(np.array(working))[0]

    def phases(self) -> dict[str, float]:
        return {rep.rep_id: rep.phase for rep in self._reps.values()}

    def bottlenecks(self) -> list[str]:
        """Rep ids whose queue persists/grows while their measured service time is slow, worst first
        (as of the latest event or ``advance``)."""
        return [item.rep_id for item in self.bottleneck_details()]

    def bottleneck_details(self) -> list[Bottleneck]:
        floor = self._floor_service_minutes()
        found: list[tuple[float, Bottleneck]] = []
        for rep in self._reps.values():
            if rep.service_count < MIN_SERVICE_EVIDENCE:
                continue
            service = self._service_minutes(rep)
            queue = len(rep.queue)
            # Queue present now and on average over the last hour, and not draining below that average.
            queue_builds = queue >= 1 and rep.queue_average >= 0.5 and queue >= rep.queue_average
            slow = service >= self._settings.slow_factor * floor
            if not (queue_builds and slow):
                continue
            wait = rep.wait_total / rep.wait_count if rep.wait_count else None
            reason = (f"{queue} waiting (hour average {rep.queue_average:.1f}); "
                      f"{service:.0f} min per customer against a floor norm of {floor:.0f}")
            severity = rep.queue_average * service / floor
            found.append((severity, Bottleneck(rep.rep_id, queue, rep.queue_average, service, floor, wait,
                                               rep.lost_waiting, reason)))
        found.sort(key=lambda item: (-item[0], item[1].rep_id))
        return [item for _, item in found]

    def mentoring(self) -> list[tuple[str, str]]:
        """(mentor, mentee) pairs where the mentor's measured close rate is credibly above the mentee's.

        Uses outcomes only (uniform prior, not the entered skill); both need ``mentor_evidence`` outcomes and
        the mentor's lower credible bound must clear the mentee's upper one. Each mentor takes at most two."""
        level, need = self._settings.credible_level, self._settings.mentor_evidence
        measured = {rep.rep_id: estimates.measured_interval(rep.wins, rep.losses, level)
                    for rep in self._reps.values() if rep.wins + rep.losses >= need}
        mentors = sorted(measured, key=lambda rid: (-measured[rid][0], rid))
        mentees = sorted(measured, key=lambda rid: (measured[rid][0], rid))
        taken: dict[str, int] = {}
        pairs: list[tuple[str, str]] = []
        for mentee in mentees:
            for mentor in mentors:
                if mentor == mentee or taken.get(mentor, 0) >= MAX_MENTEES:
                    continue
                if measured[mentor][1] > measured[mentee][2]:
                    pairs.append((mentor, mentee))
                    taken[mentor] = taken.get(mentor, 0) + 1
                    break
        return pairs

    def performance(self) -> list[RepPerformance]:
        result = []
        for rep in self._reps.values():
            alpha, beta = estimates.close_rate_posterior(rep.skill, self._settings.prior_strength,
                                                         rep.wins, rep.losses)
            measured = (estimates.measured_interval(rep.wins, rep.losses, self._settings.credible_level)
                        if rep.wins + rep.losses else None)
            result.append(RepPerformance(
                rep.rep_id, self._is_on(rep, self._now), rep.capacity, rep.skill, len(rep.active),
                len(rep.queue), rep.handled,
                rep.wins, rep.losses, alpha / (alpha + beta), measured, self._service_minutes(rep),
                rep.wait_total / rep.wait_count if rep.wait_count else None, rep.lost_waiting, rep.phase))
        return result

    def patience_minutes(self) -> float:
        """Measured mean time a waiting customer stays (shrunk towards the configured prior)."""
        s = self._settings
        return estimates.patience_minutes(self._wait_exposure, self._losses, s.patience_prior_minutes,
                                          s.patience_prior_strength)

    # ----------------------------------------------------------------------------------------- state

    # The envelope (format, version, seed, generator) and save/load are ml.persistence's; this is the payload.
    ENGINE = "oscillator.team"
    VERSION = 1  # of the saved format; a change comes with a migration in MIGRATIONS

    def _payload(self) -> dict[str, Any]:
        """JSON-safe snapshot (for the app's ml_state table); ``from_state`` restores it exactly."""
        return {
            "settings": {f.name: getattr(self._settings, f.name) for f in fields(TeamSettings)},
            "now": self._now,
            "last_assignment": self._last_assignment,
            "wait_exposure": self._wait_exposure,
            "losses": self._losses,
            "reps": [{**asdict(rep), "shift": list(rep.shift) if rep.shift else None}
                     for rep in self._reps.values()],
            "leads": [asdict(lead) for lead in self._leads.values()],
        }

    @classmethod
    def _from_payload(cls, seed: int, payload: Mapping[str, Any]) -> Self:
        team = cls(seed=seed, **payload["settings"])
        team._now = float(payload["now"])
        team._last_assignment = payload["last_assignment"]
        team._wait_exposure = float(payload["wait_exposure"])
        team._losses = int(payload["losses"])
        for i, raw in enumerate(payload["reps"]):
            team._checked_rep(raw, f"state.reps[{i}]")  # a hand-edited or corrupted row fails loudly
            rep = _Rep(**{**raw, "shift": tuple(raw["shift"]) if raw["shift"] else None})
            team._reps[rep.rep_id] = rep
        for raw in payload["leads"]:
            team._leads[raw["lead_id"]] = _Lead(**raw)
        return team

    # ----------------------------------------------------------------------------------------- internals

    def _rep(self, rep_id: object) -> _Rep:
        key = text("rep_id", rep_id)
        rep = self._reps.get(key)
        if rep is None:
            raise FieldError("rep_id", f"unknown rep {key!r}")
        return rep

    def _checked_time(self, name: str, at: object) -> float | None:
        return None if at is None else real(name, at, minimum=0.0)

    @staticmethod
    def _is_on(rep: _Rep, at: float) -> bool:
        if not rep.available:
            return False
        if rep.shift is None:
            return True
        minute = at % MINUTES_PER_DAY
        start, end = rep.shift
        return start <= minute < end if start < end else (minute >= start or minute < end)

    def _floor_service_minutes(self) -> float:
        s = self._settings
        total = sum(rep.service_total for rep in self._reps.values())
        count = sum(rep.service_count for rep in self._reps.values())
        return estimates.shrunk_mean(total, count, s.service_prior_minutes, s.service_prior_strength)

    def _service_minutes(self, rep: _Rep, floor: float | None = None) -> float:
        prior = self._floor_service_minutes() if floor is None else floor
        return estimates.shrunk_mean(rep.service_total, rep.service_count, prior,
                                     self._settings.service_prior_strength)

    def _advance(self, at: float | None) -> None:
        """Bring the floor forward to ``at`` (events arriving out of order never move the clock back)."""
        if at is None or at <= self._now:
            return
        elapsed = at - self._now
        settings = self._settings
        load_decay = math.exp(-elapsed * math.log(2.0) / settings.fairness_half_life_minutes)
        queue_keep = math.exp(-elapsed / QUEUE_WINDOW_MINUTES)
        working: list[_Rep] = []
        for rep in self._reps.values():
            rep.recent_load *= load_decay
            rep.queue_average = rep.queue_average * queue_keep + len(rep.queue) * (1.0 - queue_keep)
            if rep.active:
                working.append(rep)
        if working:
            floor = self._floor_service_minutes()
            theta = np.array([rep.phase for rep in working])
            omega = np.array([TWO_PI / self._service_minutes(rep, floor) for rep in working])
            # Steps short enough that RK4 resolves both the fastest cycle and the coupling.
            max_dt = 0.5 / max(float(omega.max()), settings.coupling, 1e-9)
            theta = advance(theta, omega, settings.coupling, elapsed, max_dt)
            for rep, phase in zip(working, theta.tolist(), strict=True):
                rep.phase = phase
        self._now = at

    def _choose(self) -> _Rep | None:
        s = self._settings
        on_floor = [rep for rep in self._reps.values() if rep.capacity > 0 and self._is_on(rep, self._now)]
        eligible = [rep for rep in on_floor if len(rep.active) + len(rep.queue) < rep.capacity + s.max_queue]
        if not eligible:
            return None
        floor_load = float(np.mean([rep.recent_load / rep.capacity for rep in on_floor]))
        starving = [rep for rep in eligible if self._starving(rep, floor_load)]
        if starving:
            oldest = min(-math.inf if rep.last_assigned is None else rep.last_assigned for rep in starving)
            candidates = [rep for rep in starving
                          if (-math.inf if rep.last_assigned is None else rep.last_assigned) == oldest]
            return candidates[int(self._rng.integers(len(candidates)))]

        floor = self._floor_service_minutes()
        waits = [self._expected_wait(rep, self._service_minutes(rep, floor)) for rep in eligible]
        if min(waits) == 0.0:
            # Never make a customer wait while a rep with a free slot stands idle.
            eligible = [rep for rep, minutes in zip(eligible, waits, strict=True) if minutes == 0.0]
        service = np.array([self._service_minutes(rep, floor) for rep in eligible])
        posterior = [estimates.close_rate_posterior(rep.skill, s.prior_strength, rep.wins, rep.losses)
                     for rep in eligible]
        alpha = np.array([a for a, _ in posterior])
        beta = np.array([b for _, b in posterior])
        draw = self._rng.beta(alpha, beta)

        patience = self.patience_minutes()
        wait = np.array([self._expected_wait(rep, minutes) for rep, minutes in zip(eligible, service,
                                                                                   strict=True)])
        keep = np.exp(-wait / patience)

        loads = np.array([rep.recent_load / rep.capacity for rep in on_floor])
        mean_load = float(loads.mean())
        own = np.array([rep.recent_load / rep.capacity for rep in eligible])
        fair = np.exp(-s.fairness * np.maximum(0.0, own - mean_load) / (mean_load + 1.0))

        capacity = sum(rep.capacity for rep in on_floor)
        busy = sum(min(len(rep.active), rep.capacity) for rep in on_floor) / capacity
        floor_rate = []
        for rep in on_floor:
            a, b = estimates.close_rate_posterior(rep.skill, s.prior_strength, rep.wins, rep.losses)
            floor_rate.append(a / (a + b) / self._service_minutes(rep, floor))
        cost = busy * service * float(np.mean(floor_rate))

        score = draw * keep * fair - cost
        return eligible[int(np.argmax(score))]

    def _starving(self, rep: _Rep, floor_load: float) -> bool:
        if rep.active or rep.queue or self._last_assignment is None:
            return False
        if rep.last_assigned is None:
            return True
        return (self._now - rep.last_assigned >= self._settings.starvation_minutes
                and self._last_assignment > rep.last_assigned
                and rep.recent_load / rep.capacity < 0.5 * floor_load)

    def _expected_wait(self, rep: _Rep, service: float) -> float:
        free = rep.capacity - len(rep.active)
        behind = len(rep.queue) - free  # customers ahead of this one that also need a slot to free up
        if behind < 0:
            return 0.0
        # A busy rep's phase says how far through its current cycle it is; a rep whose free slots are all
        # spoken for by queued customers frees the first one a full cycle after taking them up.
        first_free = service * (1.0 - rep.phase / TWO_PI) if rep.active else service
        return first_free + behind * service / rep.capacity


def _minute_of_day(name: str, value: object) -> float:
    if isinstance(value, str):
        hours, sep, minutes = value.partition(":")
        if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
            raise FieldError(name, f"expected 'HH:MM', got {value!r}")
        value = int(hours) * 60 + int(minutes)
    return real(name, value, minimum=0.0, maximum=MINUTES_PER_DAY)


def _outcome(outcome: object) -> bool:
    if isinstance(outcome, bool | np.bool_):
        return bool(outcome)
    if isinstance(outcome, str) and outcome.strip().lower() in SOLD | NOT_SOLD:
        return outcome.strip().lower() in SOLD
    raise FieldError("outcome", f"expected true/false or one of {sorted(SOLD | NOT_SOLD)}, got {outcome!r}")

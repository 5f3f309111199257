"""The manager dashboard: pipeline, gross by salesperson, inventory aging and the lead-routing view.

Everything is computed from the store on each call (one read-only pass per table, a few milliseconds on a
demo-sized dealership), except the floor model: ``ml.oscillator.TeamNetwork`` learns each salesperson's
close rate and time per customer from the deals that ended (closed = sold, lost = not sold). It is kept in
``ml_state`` (engine ``oscillator``) with what it has already been fed, so a restart resumes from the
saved model and only deals that ended since are added. "Fed" is kept small: a horizon (deals opened
before it count as fed) and the ids of the deals fed that were opened after it.

The live floor (who is working a customer right now, the suggested rep for the next lead, coherence and
bottlenecks) is read on a copy of the saved model: a suggestion is advice and changes nothing saved.
Times given to the model are the dealership's local wall-clock minutes, as its shifts are written in.

Who is on the floor: active users with the salesperson role, during the dealership's ``floor_hours``
setting (``["09:00", "21:00"]`` unless set) or their own entry in the ``shifts`` setting (user id ->
``[start, end]``). Load: open deals plus leads being worked; queue: assigned leads not yet contacted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ml_engines import TEAM
from app.policy import Permission
from app.services.base import Service
from app.services.deal_states import DealStatus
from app.store.models import AppUser, Deal, Dealership, Lead, MlState, Vehicle
from app.store.types import utcnow
from ml.oscillator import TeamNetwork

ENGINE = TEAM  # the same saved floor model the assistant reads
TEAM_SEED = 7
# Kept beside the engine's own envelope, which ``TeamNetwork.from_state`` ignores.
FED_KEY = "fed_deals"
HORIZON_KEY = "fed_horizon"
# A deal that ends more than this long after it was opened, once later deals have been fed, is not
# learnt from: the price of keeping the saved "fed" list bounded.
LATE_MINUTES = 120 * 1440.0
DEFAULT_FLOOR_HOURS = ("09:00", "21:00")
ZERO = Decimal("0.00")
# Above this order parameter the working reps free up together: customers then arrive to a busy floor.
LOCKSTEP_COHERENCE = 0.7

OPEN_DEAL = frozenset({DealStatus.DRAFT.value, DealStatus.SUBMITTED.value, DealStatus.APPROVED.value})
ENDED_DEAL = frozenset({DealStatus.CLOSED.value, DealStatus.LOST.value})
QUEUED_LEAD = frozenset({"new"})
WORKED_LEAD = frozenset({"contacted", "appointment", "working"})
UNSOLD_VEHICLE = frozenset({"in_stock", "on_hold", "in_transit"})
# (label, first day, last day); None: no upper end.
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


@dataclass(frozen=True, slots=True)
class PipelineCount:
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class SalespersonGross:
    user_id: str | None
    name: str
    units: int
    front_gross: Decimal
    back_gross: Decimal

    @property
    def gross(self) -> Decimal:
        return self.front_gross + self.back_gross


@dataclass(frozen=True, slots=True)
class AgingBucket:
    label: str
    count: int
    value: Decimal  # asking price of the vehicles in the bucket
    cost: Decimal | None  # None when the viewer may not see dealer cost


@dataclass(frozen=True, slots=True)
class RepRouting:
    user_id: str
    name: str
    on_floor: bool
    load: int  # open deals and leads being worked
    queue: int  # assigned leads nobody has contacted yet
    close_rate: float  # the model's estimate (house rate as prior, measured outcomes on top)
    decided: int  # ended deals behind the estimate


@dataclass(frozen=True, slots=True)
class Bottleneck:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class MentoringPair:
    mentor: str
    mentee: str


@dataclass(frozen=True, slots=True)
class LeadRouting:
    reps: tuple[RepRouting, ...]
    suggested_rep: str | None  # display name; None: nobody can take a lead now, keep it in the house queue
    coherence: float
    coherence_advice: str
    bottlenecks: tuple[Bottleneck, ...]
    mentoring: tuple[MentoringPair, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    as_of: datetime
    pipeline: tuple[PipelineCount, ...]
    gross: tuple[SalespersonGross, ...]  # highest gross first
    units_sold: int
    aging: tuple[AgingBucket, ...]
    undated_vehicles: int  # unsold vehicles without a received date, left out of the aging
    routing: LeadRouting

    def pipeline_count(self, status: str) -> int:
        return next((p.count for p in self.pipeline if p.status == status), 0)

    def for_salesperson(self, needle: str) -> Dashboard:
        """The same dashboard with the per-salesperson rows narrowed to names containing ``needle``."""
        text = needle.strip().casefold()
        if not text:
            return self
        routing = replace(self.routing, reps=tuple(r for r in self.routing.reps if text in r.name.casefold()))
        return replace(self, gross=tuple(g for g in self.gross if text in g.name.casefold()), routing=routing)


class DashboardService(Service):
    def overview(self, *, now: datetime | None = None) -> Dashboard:
        """The whole dashboard as of ``now`` (default: this moment)."""
        moment = now or utcnow()
        with self.unit_of_work(Permission.DASHBOARD_VIEW) as session:
            dealership = session.scalars(select(Dealership)).first()
            zone = _zone(dealership.timezone if dealership else None)
            settings: Mapping[str, Any] = dealership.settings if dealership else {}
            users = {
                row.id: row
                for row in session.execute(
                    select(AppUser.id, AppUser.display_name, AppUser.roles, AppUser.active)
                ).all()
            }
            deals = session.execute(
                select(
                    Deal.id,
                    Deal.salesperson_id,
                    Deal.status,
                    Deal.created_at,
                    Deal.updated_at,
                    Deal.closed_at,
                    Deal.front_gross,
                    Deal.back_gross,
                )
            ).all()
            leads = session.execute(
                select(Lead.id, Lead.assigned_user_id, Lead.status, Lead.received_at)
            ).all()
            vehicles = session.execute(
                select(Vehicle.status, Vehicle.received_on, Vehicle.price, Vehicle.cost)
            ).all()
            names = {uid: row.display_name for uid, row in users.items()}
            reps = sorted(
                (uid for uid, row in users.items() if row.active and "salesperson" in (row.roles or [])),
                key=lambda uid: (names[uid], uid),
            )
            team = self._team(session, reps, deals, settings, zone, _house_rate(deals))
        local_now = moment.astimezone(zone)
        return Dashboard(
            as_of=moment,
            pipeline=_pipeline(deals),
            gross=_gross(deals, names),
            units_sold=sum(1 for d in deals if d.status == DealStatus.CLOSED.value),
            aging=_aging(vehicles, local_now.date(), self.principal.can(Permission.COSTS_VIEW)),
            undated_vehicles=sum(1 for v in vehicles if v.status in UNSOLD_VEHICLE and v.received_on is None),
            routing=_routing(team, reps, names, deals, leads, _minutes(moment, zone), zone),
        )

    # --- the floor model, kept in ml_state -------------------------------------------------------

    def _team(
        self,
        session: Session,
        reps: Sequence[str],
        deals: Sequence[Any],
        settings: Mapping[str, Any],
        zone: ZoneInfo,
        house_rate: float,
    ) -> TeamNetwork:
        row = session.scalars(select(MlState).where(MlState.engine == ENGINE)).first()
        fed = _Fed(set(), 0.0)
        team: TeamNetwork | None = None
        if row is not None:
            try:
                team = TeamNetwork.from_state(row.state)
                fed = _Fed(set(row.state.get(FED_KEY, [])), float(row.state.get(HORIZON_KEY, 0.0)))
            except (ValueError, TypeError):
                team = None  # a saved model this build cannot read is rebuilt from the history below
        if team is None:
            team, fed = TeamNetwork(seed=TEAM_SEED), _Fed(set(), 0.0)
        changed = _sync_roster(team, reps, settings, house_rate)
        changed |= _feed_ended(team, deals, fed, set(team.reps()), zone)
        if changed or row is None:
            state = {**team.to_state(), FED_KEY: sorted(fed.ids), HORIZON_KEY: fed.horizon}
            if row is None:
                session.add(MlState(engine=ENGINE, state=state, saved_at=utcnow()))
            else:
                row.state = state
                row.saved_at = utcnow()
        return team


def _zone(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _minutes(moment: datetime, zone: ZoneInfo) -> float:
    """Local wall-clock minutes since 1970 (so that minutes mod 1440 is the local minute of the day)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(zone).replace(tzinfo=None)
    return (local - datetime(1970, 1, 1)).total_seconds() / 60.0


def _house_rate(deals: Iterable[Any]) -> float:
    """The dealership's measured close rate: the prior a rep starts from before their own outcomes count."""
    closed = lost = 0
    for deal in deals:
        closed += deal.status == DealStatus.CLOSED.value
        lost += deal.status == DealStatus.LOST.value
    return (closed + 1) / (closed + lost + 2)


def _shift(settings: Mapping[str, Any], user_id: str) -> object:
    shifts = settings.get("shifts")
    if isinstance(shifts, Mapping) and user_id in shifts:
        return shifts[user_id]
    hours = settings.get("floor_hours", DEFAULT_FLOOR_HOURS)
    return tuple(hours) if isinstance(hours, list) else hours


def _sync_roster(team: TeamNetwork, reps: Sequence[str], settings: Mapping[str, Any], prior: float) -> bool:
    """Salespeople join the model as they are added (True: someone joined, save the model).

    Shifts and availability come from the store on every read, so they need no saving: a deactivated
    salesperson stays measured but is never routed to."""
    joined = False
    known = set(team.reps())
    for rep_id in reps:
        if rep_id in known:
            team.update_rep(rep_id, shift=_shift(settings, rep_id), available=True)
        else:
            team.add_rep(rep_id, skill=round(prior, 4), shift=_shift(settings, rep_id))
            joined = True
    for rep_id in known - set(reps):
        team.update_rep(rep_id, available=False)
    return joined


@dataclass(slots=True)
class _Fed:
    """Which ended deals the model has learnt from: those opened before ``horizon``, and ``ids``."""

    ids: set[str]
    horizon: float  # local minutes


def _feed_ended(team: TeamNetwork, deals: Sequence[Any], fed: _Fed, reps: set[str], zone: ZoneInfo) -> bool:
    """Each ended deal not yet fed becomes one customer the rep took up and finished.

    A deal is replayed whole at the moment it ended (clock moved there first, then started and finished
    with its own times): the model learns the outcome and the time it took, and its load counts from
    then. Replaying deal by deal keeps nobody "working" while the clock moves across the history, so the
    model needs no phase integration over months of past cycles that are all finished anyway."""
    ended: list[tuple[float, float, str, str, bool]] = []
    opened: dict[str, float] = {}
    for deal in deals:
        if deal.status not in ENDED_DEAL or deal.salesperson_id not in reps:
            continue
        start = opened[deal.id] = _minutes(deal.created_at, zone)
        if deal.id in fed.ids or start < fed.horizon:
            continue
        sold = deal.status == DealStatus.CLOSED.value
        end = deal.closed_at if sold else deal.updated_at
        ended.append(
            (max(start, _minutes(end or deal.created_at, zone)), start, deal.id, deal.salesperson_id, sold)
        )
    for end_at, start_at, deal_id, rep_id, sold in sorted(ended):
        team.advance(max(end_at, team.now))
        team.lead_started(deal_id, rep_id, at=start_at)
        team.lead_finished(deal_id, sold, at=end_at)
        fed.ids.add(deal_id)
    if ended:
        fed.horizon = max(fed.horizon, max(opened.values()) - LATE_MINUTES)
        fed.ids = {deal_id for deal_id in fed.ids if opened.get(deal_id, -1.0) >= fed.horizon}
    return bool(ended)


# --- the figures ---------------------------------------------------------------------------------


def _pipeline(deals: Iterable[Any]) -> tuple[PipelineCount, ...]:
    counts = dict.fromkeys((s.value for s in DealStatus), 0)
    for deal in deals:
        if deal.status in counts:
            counts[deal.status] += 1
    return tuple(PipelineCount(status, count) for status, count in counts.items())


def _gross(deals: Iterable[Any], names: Mapping[str, str]) -> tuple[SalespersonGross, ...]:
    totals: dict[str | None, list[Any]] = {}
    for deal in deals:
        if deal.status != DealStatus.CLOSED.value:
            continue
        entry = totals.setdefault(deal.salesperson_id, [0, ZERO, ZERO])
        entry[0] += 1
        entry[1] += deal.front_gross or ZERO
        entry[2] += deal.back_gross or ZERO
    rows = [
        SalespersonGross(uid, names.get(uid, "Unassigned") if uid else "Unassigned", units, front, back)
        for uid, (units, front, back) in totals.items()
    ]
    rows.sort(key=lambda r: (-r.gross, r.name))
    return tuple(rows)


def _aging(vehicles: Iterable[Any], today: date, show_cost: bool) -> tuple[AgingBucket, ...]:
    counts = dict.fromkeys((label for label, _, _ in AGING_BUCKETS), 0)
    values = dict.fromkeys(counts, ZERO)
    costs = dict.fromkeys(counts, ZERO)
    for vehicle in vehicles:
        if vehicle.status not in UNSOLD_VEHICLE or vehicle.received_on is None:
            continue
        label = _bucket(max(0, (today - vehicle.received_on).days))
        counts[label] += 1
        values[label] += vehicle.price
        costs[label] += vehicle.cost or ZERO
    return tuple(
        AgingBucket(label, counts[label], values[label], costs[label] if show_cost else None)
        for label in counts
    )


def _bucket(days: int) -> str:
    for label, low, high in AGING_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    raise AssertionError(f"no aging bucket for {days} days")  # the buckets cover every day from 0


def _routing(
    saved: TeamNetwork,
    reps: Sequence[str],
    names: Mapping[str, str],
    deals: Sequence[Any],
    leads: Sequence[Any],
    now: float,
    zone: ZoneInfo,
) -> LeadRouting:
    load = dict.fromkeys(reps, 0)
    queue = dict.fromkeys(reps, 0)
    for deal in deals:
        if deal.status in OPEN_DEAL and deal.salesperson_id in load:
            load[deal.salesperson_id] += 1
    today_start = now - now % 1440.0
    live: list[tuple[float, str, str]] = []
    for lead in leads:
        if lead.assigned_user_id not in load:
            continue
        if lead.status in WORKED_LEAD:
            load[lead.assigned_user_id] += 1
            received = _minutes(lead.received_at, zone) if lead.received_at else None
            # Customers being worked since earlier today are the ones on the floor now.
            if received is not None and today_start <= received <= now:
                live.append((received, lead.id, lead.assigned_user_id))
        elif lead.status in QUEUED_LEAD:
            queue[lead.assigned_user_id] += 1
    # A copy: the live floor and the suggestion are read, never saved.
    floor = TeamNetwork.from_state(saved.to_state())
    for received, lead_id, rep_id in sorted(live):
        floor.lead_started(lead_id, rep_id, at=received)
    floor.advance(max(now, floor.now))
    suggested = floor.route({"lead_id": "next-lead", "at": max(now, floor.now)})
    performance = {p.rep_id: p for p in floor.performance()}
    coherence = floor.coherence()
    rows = tuple(
        RepRouting(
            rep_id,
            names[rep_id],
            floor.on_shift(rep_id, at=now),
            load[rep_id],
            queue[rep_id],
            performance[rep_id].close_rate,
            performance[rep_id].wins + performance[rep_id].losses,
        )
        for rep_id in reps
    )
    return LeadRouting(
        reps=rows,
        suggested_rep=names.get(suggested, suggested) if suggested else None,
        coherence=coherence,
        coherence_advice=_coherence_advice(coherence),
        bottlenecks=tuple(
            Bottleneck(names.get(b.rep_id, b.rep_id), b.reason) for b in floor.bottleneck_details()
        ),
        mentoring=tuple(MentoringPair(names.get(a, a), names.get(b, b)) for a, b in saved.mentoring()),
    )


def _coherence_advice(coherence: float) -> str:
    if coherence >= LOCKSTEP_COHERENCE:
        return "the floor frees up in bursts; stagger breaks and hand-offs"
    if coherence == 0.0:
        return "fewer than two reps are with a customer"
    return "cycles are staggered; coverage is steady"

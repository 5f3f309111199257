"""A realistic demo dealership, generated deterministically from a seed.

Everything is written in one transaction with change capture off: the demo tenant is never synced, so
its rows need no outbox entries; one audit event records the seeding instead of thousands.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.demo.catalogue import (
    COLORS,
    FIRST_NAMES,
    LAST_NAMES,
    LEAD_SOURCES,
    PLACES,
    STAFF,
    STREET_SUFFIXES,
    STREETS,
    TEMPLATES,
    YEAR_CODES,
    VehicleTemplate,
)
from app.demo.summary import DemoSummary
from app.policy import BUILTIN_ROLES
from app.services.deal_states import DealStatus
from app.store.database import Actor, Store
from app.store.models import (
    Activity,
    AppUser,
    AuditEvent,
    Customer,
    Deal,
    Dealership,
    DealScenario,
    Lead,
    Role,
    Vehicle,
)
from app.vin import with_check_digit

DEMO_DEVICE = "demo"
DEMO_NAME = "Capitol City Motors"
HUNDRED = Decimal("100")


class _Ids:
    """UUIDv7-shaped ids from the seed: the same seed gives the same ids."""

    def __init__(self, rng: random.Random, base: datetime) -> None:
        self._rng = rng
        self._ms = int(base.timestamp() * 1000)

    def next(self) -> str:
        self._ms += 1
        value = (self._ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | self._rng.getrandbits(12) << 64
        value |= 0b10 << 62 | self._rng.getrandbits(62)
        return str(uuid.UUID(int=value))


def _dollars(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))


def _price_for(template: VehicleTemplate, age_years: int, mileage: int, rng: random.Random) -> Decimal:
    if age_years <= 0:
        return _dollars(template.msrp * Decimal(rng.uniform(0.96, 1.02)))
    # Roughly 10 % a year plus 4 cents a mile: close to what used-car guides show for these models.
    value = template.msrp * Decimal("0.90") ** age_years - Decimal("0.04") * mileage
    return max(_dollars(value * Decimal(rng.uniform(0.95, 1.05))), Decimal("6500.00"))


def build_demo(store: Store, *, seed: int = 7, today: date | None = None) -> DemoSummary:
    """Fill ``store`` with a new demo tenant; returns what was made."""
    rng = random.Random(seed)
    today = today or date.today()
    now = datetime.combine(today, time(15, 0), tzinfo=UTC)
    ids = _Ids(rng, now - timedelta(days=400))
    tenant_id = ids.next()
    actor = Actor(tenant_id=tenant_id, user_id=None, device_id=DEMO_DEVICE)

    dealership = Dealership(
        id=tenant_id,
        tenant_id=tenant_id,
        name=DEMO_NAME,
        address_line1="4500 S LAMAR BLVD",
        city="AUSTIN",
        state="TX",
        zip="78745",
        county="TRAVIS COUNTY",
        timezone="America/Chicago",
        settings={
            "doc_fee": "150.00",
            "default_apr": "0.0699",
            "default_term_months": 72,
            "lender": "Hill Country Credit Union",
        },
    )
    roles = [
        Role(id=ids.next(), tenant_id=tenant_id, name=name, permissions=sorted(perms), builtin=True)
        for name, perms in BUILTIN_ROLES.items()
    ]
    users: list[AppUser] = []
    for display, role in STAFF:
        first, last = display.lower().split()
        users.append(
            AppUser(
                id=ids.next(),
                tenant_id=tenant_id,
                email=f"{first}.{last}@capitolcitymotors.example",
                display_name=display,
                roles=[role],
                active=True,
            )
        )
    sales = [u for u in users if u.roles == ["salesperson"]]
    managers = [u for u in users if u.roles[0] in ("sales_manager", "general_manager")]

    vehicles: list[Vehicle] = []
    serial = 100_000 + rng.randrange(100_000)
    for index in range(200):
        template = rng.choice(TEMPLATES)
        is_new = index % 5 < 2
        year = rng.choice((2025, 2026)) if is_new else rng.choice((2019, 2020, 2021, 2022, 2023))
        serial += rng.randrange(1, 400)
        vin = with_check_digit(f"{template.prefix}0{YEAR_CODES[year]}{template.plant}{serial:06d}")
        age = today.year - year
        mileage = rng.randrange(3, 60) if is_new else rng.randrange(8_000, 18_000) * max(age, 1)
        price = _price_for(template, age if not is_new else 0, mileage, rng)
        cost = _dollars(price * Decimal(rng.uniform(0.86, 0.94)))
        vehicles.append(
            Vehicle(
                id=ids.next(),
                tenant_id=tenant_id,
                vin=vin,
                stock_number=f"{'N' if is_new else 'U'}{24000 + index}",
                model_year=year,
                make=template.make,
                model=template.model,
                trim=None,
                body=template.body,
                fuel=template.fuel,
                condition="new" if is_new else "used",
                mileage=mileage,
                color=rng.choice(COLORS),
                cost=cost,
                price=price,
                msrp=template.msrp if is_new else None,
                status="in_stock",
                received_on=today - timedelta(days=int(rng.triangular(1, 160, 25))),
                weight_lbs=template.weight_lbs,
                city_mpg=template.city_mpg,
            )
        )

    places = [p for p, _ in PLACES]
    weights = [w for _, w in PLACES]
    customers: list[Customer] = []
    for index in range(500):
        place = rng.choices(places, weights)[0]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        score = int(min(850, max(480, rng.gauss(690, 75))))
        customers.append(
            Customer(
                id=ids.next(),
                tenant_id=tenant_id,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}{index}@example.com",
                # 555-0100..0199 is the range set aside for fiction: no real person gets called.
                phone=f"{place.area_code}5550{100 + index % 100:03d}",
                address_line1=f"{rng.randrange(100, 9900)} {rng.choice(STREETS).upper()} "
                f"{rng.choice(STREET_SUFFIXES).upper()}",
                address_line2=f"APT {rng.randrange(1, 400)}" if rng.random() < 0.2 else None,
                city=place.city.upper(),
                state=place.state,
                zip=place.zip,
                county=place.county.upper(),
                credit_score=score,
                annual_income=_dollars(Decimal(max(22_000, rng.lognormvariate(11.1, 0.45)))),
                source=rng.choice(LEAD_SOURCES),
                assigned_user_id=rng.choice(sales).id,
            )
        )

    leads: list[Lead] = []
    lead_statuses = ("new", "contacted", "appointment", "working", "sold", "lost")
    for customer in customers[:320]:
        leads.append(
            Lead(
                id=ids.next(),
                tenant_id=tenant_id,
                customer_id=customer.id,
                vehicle_id=rng.choice(vehicles).id,
                source=customer.source,
                status=rng.choice(lead_statuses),
                assigned_user_id=customer.assigned_user_id,
                received_at=now - timedelta(hours=rng.randrange(1, 24 * 60)),
            )
        )

    deals: list[Deal] = []
    scenarios: list[DealScenario] = []
    activities: list[Activity] = []
    plan = (
        [DealStatus.DRAFT] * 30
        + [DealStatus.SUBMITTED] * 12
        + [DealStatus.APPROVED] * 10
        + [DealStatus.CLOSED] * 60
        + [DealStatus.LOST] * 18
    )
    available = list(vehicles)
    rng.shuffle(available)
    for number, status in enumerate(plan, start=1):
        customer = customers[rng.randrange(len(customers))]
        vehicle = available.pop()
        deal_type = rng.choices(("cash", "finance", "lease"), (2, 6, 2))[0]
        created = now - timedelta(days=rng.randrange(0, 90), hours=rng.randrange(0, 10))
        deal = Deal(
            id=ids.next(),
            tenant_id=tenant_id,
            customer_id=customer.id,
            vehicle_id=vehicle.id,
            salesperson_id=customer.assigned_user_id,
            deal_number=f"D{number:06d}",
            status=status.value,
            deal_type=deal_type,
            created_at=created,
            updated_at=created,
        )
        down = _dollars(vehicle.price * Decimal(rng.choice(("0.05", "0.10", "0.15", "0.20"))))
        scenario = DealScenario(
            id=ids.next(),
            tenant_id=tenant_id,
            deal_id=deal.id,
            name="Desk 1",
            deal_type=deal_type,
            inputs={
                "deal_type": deal_type,
                "vehicle": {"price": str(vehicle.price), "condition": vehicle.condition},
                "customer": {"state": customer.state, "zip": customer.zip, "county": customer.county},
                "dealer_state": "TX",
                "cash_down": str(down),
                "doc_fee": "150.00",
            },
            last_quote=None,
            monthly_payment=None,
        )
        deal.selected_scenario_id = scenario.id
        if status != DealStatus.DRAFT:
            deal.submitted_at = created + timedelta(hours=1)
        if status in (DealStatus.APPROVED, DealStatus.CLOSED):
            deal.approved_at = created + timedelta(hours=2)
            deal.manager_id = rng.choice(managers).id
        if status == DealStatus.CLOSED:
            deal.closed_at = created + timedelta(hours=4)
            deal.front_gross = _dollars(vehicle.price - (vehicle.cost or vehicle.price))
            deal.back_gross = _dollars(Decimal(rng.randrange(0, 3200)))
            vehicle.status = "sold"
        elif status == DealStatus.LOST:
            deal.status_reason = rng.choice(
                ("payment too high", "bought elsewhere", "credit declined", "trade value too low")
            )
        elif status in (DealStatus.SUBMITTED, DealStatus.APPROVED):
            vehicle.status = "on_hold"
        deals.append(deal)
        scenarios.append(scenario)
        activities.append(
            Activity(
                id=ids.next(),
                tenant_id=tenant_id,
                customer_id=customer.id,
                deal_id=deal.id,
                user_id=customer.assigned_user_id,
                kind=rng.choice(("call", "email", "appointment", "task")),
                subject=rng.choice(
                    (
                        "Follow up on numbers",
                        "Confirm appointment",
                        "Send trade appraisal",
                        "Collect stips",
                        "Delivery walk-around",
                    )
                ),
                due_at=now + timedelta(days=rng.randrange(-5, 10)),
                done_at=None
                if status in (DealStatus.DRAFT, DealStatus.SUBMITTED)
                else created + timedelta(days=1),
            )
        )

    with store.session(actor, capture_changes=False) as session:
        session.add(dealership)
        session.add_all(roles)
        session.add_all(users)
        session.add_all(vehicles)
        session.add_all(customers)
        session.flush()
        session.add_all(leads)
        session.add_all(deals)
        session.flush()
        session.add_all(scenarios)
        session.add_all(activities)
        counts = {s.value: sum(1 for d in deals if d.status == s.value) for s in DealStatus}
        session.add(
            AuditEvent(
                id=ids.next(),
                tenant_id=tenant_id,
                actor_id=None,
                device_id=DEMO_DEVICE,
                action="demo.seed",
                entity="dealership",
                entity_id=tenant_id,
                before=None,
                after={"seed": seed, "vehicles": len(vehicles), "customers": len(customers), "deals": counts},
                at=now,
            )
        )
    return DemoSummary(
        tenant_id=tenant_id,
        dealership=DEMO_NAME,
        users={u.email: u.id for u in users},
        vehicles=len(vehicles),
        customers=len(customers),
        leads=len(leads),
        deals=counts,
    )

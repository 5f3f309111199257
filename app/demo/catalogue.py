"""What the demo dealership is made of: real VIN patterns, places, and names.

VIN templates are the first ten characters of real VINs (WMI, VDS with a placeholder check digit, model
year); the generator adds a plant code and serial and computes the check digit, so every demo VIN is
valid and decodes offline to the make and model listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class VehicleTemplate:
    prefix: str  # positions 1-8 of the VIN
    plant: str  # position 11
    make: str
    model: str
    body: str
    fuel: str
    msrp: Decimal
    weight_lbs: int
    city_mpg: int


TEMPLATES: tuple[VehicleTemplate, ...] = (
    VehicleTemplate("2T3P1RFV", "W", "Toyota", "RAV4", "SUV", "gasoline", Decimal("31900"), 3490, 27),
    VehicleTemplate("4T1G11AK", "U", "Toyota", "Camry", "Sedan", "gasoline", Decimal("28400"), 3310, 28),
    VehicleTemplate("5TFLA5DB", "X", "Toyota", "Tundra", "Pickup", "gasoline", Decimal("46800"), 5320, 18),
    VehicleTemplate("3TMCZ5AN", "M", "Toyota", "Tacoma", "Pickup", "gasoline", Decimal("36200"), 4480, 19),
    VehicleTemplate("1FTFW1E5", "F", "Ford", "F-150", "Pickup", "gasoline", Decimal("48900"), 4705, 19),
    VehicleTemplate("7SAYGDEE", "F", "Tesla", "Model Y", "SUV", "electric", Decimal("47990"), 4363, 127),
    VehicleTemplate("2HGFE2F5", "H", "Honda", "Civic", "Sedan", "gasoline", Decimal("25050"), 2906, 31),
    VehicleTemplate("5NMJB3AE", "H", "Hyundai", "Tucson", "SUV", "gasoline", Decimal("29200"), 3404, 25),
    VehicleTemplate("1C4RJKBG", "8", "Jeep", "Grand Cherokee", "SUV", "gasoline", Decimal("41500"), 4513, 19),
    VehicleTemplate("5N1BT3BB", "C", "Nissan", "Rogue", "SUV", "gasoline", Decimal("30900"), 3371, 30),
    VehicleTemplate(
        "1GCUDDED", "Z", "Chevrolet", "Silverado", "Pickup", "gasoline", Decimal("52400"), 5070, 17
    ),
    VehicleTemplate("3GNAXKEV", "L", "Chevrolet", "Equinox", "SUV", "gasoline", Decimal("28600"), 3274, 26),
    VehicleTemplate("1G1ZD5ST", "F", "Chevrolet", "Malibu", "Sedan", "gasoline", Decimal("25100"), 3086, 27),
    VehicleTemplate("JM1BPBCM", "1", "Mazda", "Mazda3", "Sedan", "gasoline", Decimal("24700"), 3055, 28),
    VehicleTemplate("4S4BTAFC", "3", "Subaru", "Outback", "SUV", "gasoline", Decimal("32400"), 3634, 26),
    VehicleTemplate("JF2SKAJC", "H", "Subaru", "Forester", "SUV", "gasoline", Decimal("30800"), 3454, 26),
    VehicleTemplate("1N4BL4BV", "N", "Nissan", "Altima", "Sedan", "gasoline", Decimal("26900"), 3212, 27),
    VehicleTemplate("3KPF24AD", "E", "Kia", "Forte", "Sedan", "gasoline", Decimal("21100"), 2877, 30),
    VehicleTemplate("5XYP34HC", "G", "Kia", "Telluride", "SUV", "gasoline", Decimal("38900"), 4112, 20),
    VehicleTemplate("1GNSKCKD", "R", "Chevrolet", "Suburban", "SUV", "gasoline", Decimal("61900"), 5616, 16),
    VehicleTemplate("WBA53BJ0", "C", "BMW", "540i", "Sedan", "gasoline", Decimal("64200"), 3957, 25),
    VehicleTemplate("5UXCR6C0", "9", "BMW", "X5", "SUV", "gasoline", Decimal("67600"), 4835, 21),
    VehicleTemplate("YV4L12RK", "1", "Volvo", "XC60", "SUV", "hybrid", Decimal("46300"), 4145, 22),
    VehicleTemplate(
        "JA4J3VA8", "Z", "Mitsubishi", "Outlander", "SUV", "gasoline", Decimal("33500"), 3726, 24
    ),
    VehicleTemplate("KNDPUCAF", "7", "Kia", "Sportage", "SUV", "gasoline", Decimal("29900"), 3527, 25),
)

# Model-year codes (VIN position 10) for 2019-2026; letters of the 2010-2039 cycle.
YEAR_CODES: dict[int, str] = {
    2019: "K",
    2020: "L",
    2021: "M",
    2022: "N",
    2023: "P",
    2024: "R",
    2025: "S",
    2026: "T",
}

COLORS = ("Black", "White", "Silver", "Gray", "Blue", "Red", "Green", "Pearl White", "Midnight Blue")


@dataclass(frozen=True, slots=True)
class Place:
    zip: str
    city: str
    state: str
    county: str
    area_code: str


# Where demo customers live, with weights: mostly the dealer's market (Austin, TX), and a share of
# out-of-state buyers so the desk shows other states' tax rules.
PLACES: tuple[tuple[Place, int], ...] = (
    (Place("78701", "Austin", "TX", "Travis County", "512"), 8),
    (Place("78702", "Austin", "TX", "Travis County", "512"), 8),
    (Place("78704", "Austin", "TX", "Travis County", "512"), 10),
    (Place("78745", "Austin", "TX", "Travis County", "512"), 10),
    (Place("78758", "Austin", "TX", "Travis County", "512"), 8),
    (Place("78660", "Pflugerville", "TX", "Travis County", "512"), 6),
    (Place("78664", "Round Rock", "TX", "Williamson County", "512"), 8),
    (Place("78613", "Cedar Park", "TX", "Williamson County", "512"), 6),
    (Place("78640", "Kyle", "TX", "Hays County", "512"), 5),
    (Place("78666", "San Marcos", "TX", "Hays County", "512"), 5),
    (Place("60601", "Chicago", "IL", "Cook County", "312"), 3),
    (Place("90012", "Los Angeles", "CA", "Los Angeles County", "213"), 3),
    (Place("85004", "Phoenix", "AZ", "Maricopa County", "602"), 3),
    (Place("30303", "Atlanta", "GA", "Fulton County", "404"), 3),
    (Place("28202", "Charlotte", "NC", "Mecklenburg County", "704"), 3),
    (Place("33130", "Miami", "FL", "Miami-Dade County", "305"), 3),
    (Place("98101", "Seattle", "WA", "King County", "206"), 2),
    (Place("43215", "Columbus", "OH", "Franklin County", "614"), 2),
    (Place("10001", "New York", "NY", "New York County", "212"), 2),
)

STREETS = (
    "Congress",
    "Lamar",
    "Guadalupe",
    "Oak Hollow",
    "Riverside",
    "Barton Springs",
    "Cedar",
    "Maple",
    "Pecan",
    "Mesquite",
    "Bluebonnet",
    "Lakeview",
    "Hillcrest",
    "Willow Creek",
    "Sunset",
    "Main",
    "Park",
    "Elm",
)
STREET_SUFFIXES = ("St", "Ave", "Dr", "Blvd", "Ln", "Rd", "Ct", "Way")

FIRST_NAMES = (
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Patricia",
    "David",
    "Jennifer",
    "Carlos",
    "Elizabeth",
    "Daniel",
    "Sofia",
    "Anthony",
    "Aisha",
    "Kevin",
    "Mei",
    "Brian",
    "Priya",
    "Jose",
    "Emily",
    "Tyler",
    "Grace",
    "Marcus",
    "Olivia",
    "Andre",
    "Hannah",
    "Luis",
    "Chloe",
    "Nathan",
    "Fatima",
    "Ethan",
    "Isabella",
    "Omar",
    "Rachel",
    "Samuel",
    "Vanessa",
    "Wei",
    "Zoe",
    "Diego",
    "Natalie",
)
LAST_NAMES = (
    "Garcia",
    "Smith",
    "Johnson",
    "Nguyen",
    "Martinez",
    "Williams",
    "Brown",
    "Lopez",
    "Davis",
    "Hernandez",
    "Miller",
    "Wilson",
    "Anderson",
    "Thomas",
    "Patel",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Kim",
    "Hill",
    "Flores",
    "Green",
    "Adams",
)

# The staff: (display name, role). Twelve people as on a mid-size store's floor and desk.
STAFF: tuple[tuple[str, str], ...] = (
    ("Dana Whitfield", "admin"),
    ("Ray Castillo", "general_manager"),
    ("Monica Reyes", "sales_manager"),
    ("Trent Holloway", "sales_manager"),
    ("Keisha Grant", "finance_manager"),
    ("Paul Brennan", "finance_manager"),
    ("Alex Morgan", "salesperson"),
    ("Jordan Ellis", "salesperson"),
    ("Sam Okafor", "salesperson"),
    ("Taylor Nguyen", "salesperson"),
    ("Chris Delgado", "salesperson"),
    ("Riley Park", "bdc"),
)

LEAD_SOURCES = ("walk-in", "website", "phone", "referral", "third-party", "repeat", "service-drive")

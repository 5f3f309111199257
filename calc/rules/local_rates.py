"""Local (county / city / district) sales-tax rates and the CSV format a dealer imports them in.

CSV import format (UTF-8, header row required, one rate per row; the embedded table
``calc/rules/local_rates.csv`` uses the same format)::

    state,county,city,zip,level,name,rate,effective_from,source
    IL,Cook,,,county,Cook County home rule use tax (titled vehicles),0.01,2012-01-01,"55 ILCS 5/5-1008"
    IL,Cook,Chicago,,city,Chicago home rule ROT,0.0125,2009-07-01,"Illinois DOR Tax Rate Finder"

- ``state``: two-letter code. ``county``: county name without the word "County" (case-insensitive).
- ``city``: empty for a county-wide rate (applies in every city of the county), else the city name.
- ``zip``: optional five-digit ZIP. When a quote gives a ZIP that has rows, those rows are used instead
  of the county/city rows (a state's ZIP-level file can be loaded as is).
- ``level``: ``county`` | ``city`` | ``district`` | ``special``. ``name``: shown on the quote.
- ``rate``: decimal fraction (``0.0125`` = 1.25 %). ``effective_from``: ``YYYY-MM-DD``; a later row with
  the same state/county/city/zip/level/name supersedes an earlier one from its date.
- ``source``: where the rate comes from (required; every quote states it).

Optional columns, after ``source`` in any order (a file without them imports as before)::

    ...,source,threshold,rate_above,tier_kind,warning
    AZ,Maricopa,Phoenix,,city,Phoenix city TPT (retail),0.028,2026-01-01,"...",14338,0.02,,"..."

- ``threshold`` + ``rate_above``: a single-item tier. ``rate`` applies to the first ``threshold`` dollars
  of a single item and ``rate_above`` to the portion over it (Arizona cities' "portion over" rates). A
  ``rate_above`` of ``0`` is a per-row base cap (the rate reaches only the first ``threshold`` dollars).
  Both or neither: a threshold without ``rate_above`` (or the reverse) is refused. ``threshold`` is a
  positive dollar amount with at most two decimals; ``rate_above`` a fraction like ``rate``. Empty cells
  mean no tier, so one file can mix tiered and flat rows.
- ``tier_kind``: ``portion_over`` (the default, as above) or ``single_item_over``: a single item over
  ``threshold`` pays ``rate_above`` on its whole price (Arizona's "single item over" rates, e.g.
  Glendale's 2.2 % on an item over $5,000), an item up to it pays ``rate``. Only with a threshold.
- ``warning``: text added to the quote's ``warnings`` whenever the row is used (a rate on file whose
  figures are not fully confirmed).

Rows are validated when loaded (:class:`calc.rules.book.RuleDataError` names the line) and indexed once;
lookups do no parsing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from calc.loaded_once import LoadedOnce
from calc.model import Record
from calc.money import format_percent
from calc.rules import read_rule_file
from calc.rules.book import RuleDataError

COLUMNS: Final = ("state", "county", "city", "zip", "level", "name", "rate", "effective_from", "source")
OPTIONAL_COLUMNS: Final = ("threshold", "rate_above", "tier_kind", "warning")
LOCAL_LEVELS: Final = frozenset({"county", "city", "district", "special"})
_MAX_RATE: Final = Decimal("0.2")
_CENT: Final = Decimal("0.01")


PORTION_OVER: Final = "portion_over"
SINGLE_ITEM_OVER: Final = "single_item_over"
TIER_KINDS: Final = (PORTION_OVER, SINGLE_ITEM_OVER)


class RateTier(Record):
    """A single-item tier: the row's rate up to ``threshold``, ``rate_above`` over it.

    ``whole_item`` False ("portion over"): ``rate_above`` reaches only the portion of the item over the
    threshold. True ("single item over"): an item over the threshold pays ``rate_above`` on its whole
    price. Compiled once when the file is read, with the texts quotes show, so quoting only compares
    amounts."""

    threshold: Final[Decimal]
    rate_above: Final[Decimal]
    below_label: Final[str]  # "first $13,886"; single item over: "items up to $5,000"
    above_label: Final[str]  # "portion over $13,886"; single item over: "single item over $5,000"
    summary: Final[str]  # "2.3% up to $13,886 of a single item, 2% on the portion over"
    below_name: Final[str]  # the row's name with its level: "Phoenix city TPT (retail) (first $13,886)"
    above_name: Final[str]
    whole_item: Final[bool]

    __match_args__ = (
        "threshold",
        "rate_above",
        "below_label",
        "above_label",
        "summary",
        "below_name",
        "above_name",
        "whole_item",
    )

    def __init__(
        self,
        threshold: Decimal,
        rate_above: Decimal,
        below_label: str,
        above_label: str,
        summary: str,
        below_name: str,
        above_name: str,
        whole_item: bool = False,
    ) -> None:
        self.threshold = threshold
        self.rate_above = rate_above
        self.below_label = below_label
        self.above_label = above_label
        self.summary = summary
        self.below_name = below_name
        self.above_name = above_name
        self.whole_item = whole_item


def is_valid_threshold(threshold: Decimal) -> bool:
    """A tier threshold is a positive dollar amount with at most two decimals (rate files and overrides)."""
    try:
        return threshold.is_finite() and threshold > 0 and threshold == threshold.quantize(_CENT)
    except InvalidOperation:  # too many digits to have cents at the context's precision
        return False


def make_tier(
    name: str, rate: Decimal, threshold: Decimal, rate_above: Decimal, kind: str = PORTION_OVER
) -> RateTier:
    amount = f"${threshold:,.2f}".removesuffix(".00")
    if kind == SINGLE_ITEM_OVER:
        below_label, above_label = f"items up to {amount}", f"single item over {amount}"
        summary = (
            f"{format_percent(rate)}, or {format_percent(rate_above)} "
            f"on the whole price of a single item over {amount}"
        )
    else:
        above = "nothing" if rate_above == 0 else f"{format_percent(rate_above)}"
        below_label, above_label = f"first {amount}", f"portion over {amount}"
        summary = f"{format_percent(rate)} up to {amount} of a single item, {above} on the portion over"
    return RateTier(
        threshold,
        rate_above,
        below_label,
        above_label,
        summary,
        f"{name} ({below_label})",
        f"{name} ({above_label})",
        kind == SINGLE_ITEM_OVER,
    )


class LocalRate(Record):
    state: Final[str]
    county: Final[str]
    city: Final[str]
    zip: Final[str]
    level: Final[str]
    name: Final[str]
    rate: Final[Decimal]
    effective_from: Final[date]
    source: Final[str]
    tier: Final[RateTier | None]
    warning: Final[str]

    __match_args__ = (
        "state",
        "county",
        "city",
        "zip",
        "level",
        "name",
        "rate",
        "effective_from",
        "source",
        "tier",
        "warning",
    )

    def __init__(
        self,
        state: str,
        county: str,
        city: str,
        zip: str,
        level: str,
        name: str,
        rate: Decimal,
        effective_from: date,
        source: str,
        tier: RateTier | None = None,
        warning: str = "",
    ) -> None:
        self.state = state
        self.county = county
        self.city = city
        self.zip = zip
        self.level = level
        self.name = name
        self.rate = rate
        self.effective_from = effective_from
        self.source = source
        self.tier = tier
        self.warning = warning


def normalise_place(name: str | None) -> str:
    """``"Travis County"`` and ``"travis"`` are the same county; ``"St. Louis"`` keeps its dot."""
    if not name:
        return ""
    text = " ".join(name.strip().lower().split())
    for suffix in (" county", " parish", " borough"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text


class LocalRateTable:
    """Indexed local rates; ``rates_for`` returns the rows in force for a place on a date."""

    def __init__(self, rows: Iterable[LocalRate], *, label: str) -> None:
        self.label = label
        self._by_place: dict[tuple[str, str], list[LocalRate]] = {}
        self._by_zip: dict[tuple[str, str], list[LocalRate]] = {}
        self._counties_by_state: dict[str, set[str]] = {}
        for row in rows:
            if row.zip:
                self._by_zip.setdefault((row.state, row.zip), []).append(row)
            else:
                self._by_place.setdefault((row.state, row.county), []).append(row)
                self._counties_by_state.setdefault(row.state, set()).add(row.county)
        for bucket in (*self._by_place.values(), *self._by_zip.values()):
            bucket.sort(key=lambda r: r.effective_from)

    def has_state(self, state: str) -> bool:
        return state in self._counties_by_state or any(key[0] == state for key in self._by_zip)

    def rates_for(
        self, state: str, county: str | None, city: str | None, zip_code: str | None, as_of: date
    ) -> tuple[LocalRate, ...]:
        return self.rates_in_force(state, county, city, zip_code, as_of)[0]

    def rates_in_force(
        self, state: str, county: str | None, city: str | None, zip_code: str | None, as_of: date
    ) -> tuple[tuple[LocalRate, ...], date, date | None]:
        """The rows in force for a place on ``as_of``, and the period ``[start, end)`` over which the
        place has exactly those rows (``end`` None: until a row not yet in the table)."""
        candidates: list[LocalRate] | None = None
        if zip_code:
            candidates = self._by_zip.get((state, zip_code.strip()[:5]))
        if candidates is None:
            wanted_city = normalise_place(city)
            candidates = [
                row
                for row in self._by_place.get((state, normalise_place(county)), ())
                if not row.city or row.city == wanted_city
            ]
        latest: dict[tuple[str, str, str], LocalRate] = {}
        start = date.min
        end: date | None = None
        for row in candidates:  # sorted by date, so later rows overwrite earlier ones
            begins = row.effective_from
            if begins <= as_of:
                latest[(row.city, row.level, row.name)] = row
                start = begins  # the latest change on or before as_of
            elif end is None:
                end = begins  # the first change after it
        return tuple(latest.values()), start, end


def _check_header(fieldnames: Sequence[str] | None, label: str) -> tuple[str, ...]:
    """The base columns in order, then any of the optional ones; returns the optional columns present."""
    names = tuple(f.strip() for f in fieldnames or ())
    base, extra = names[: len(COLUMNS)], names[len(COLUMNS) :]
    if base != COLUMNS:
        raise RuleDataError(
            f"{label}: header must be {','.join(COLUMNS)} (optionally followed by "
            f"{', '.join(OPTIONAL_COLUMNS)})"
        )
    for column in extra:
        if column not in OPTIONAL_COLUMNS:
            raise RuleDataError(
                f"{label}: unknown column {column!r} (optional columns: {', '.join(OPTIONAL_COLUMNS)})"
            )
    if len(set(extra)) != len(extra):
        raise RuleDataError(f"{label}: a column appears twice in the header")
    return extra


def _rate(text: str, column: str, where: str) -> Decimal:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise RuleDataError(f"{where}: {column} is not a number") from None
    if not rate.is_finite() or rate < 0 or rate > _MAX_RATE:
        raise RuleDataError(f"{where}: {column} must be a fraction between 0 and 0.2")
    return rate


def _tier(raw: Mapping[str, str | None], name: str, rate: Decimal, where: str) -> RateTier | None:
    threshold_text = (raw.get("threshold") or "").strip()
    above_text = (raw.get("rate_above") or "").strip()
    kind = (raw.get("tier_kind") or "").strip() or PORTION_OVER
    if kind not in TIER_KINDS:
        raise RuleDataError(f"{where}: tier_kind must be one of {', '.join(TIER_KINDS)} ({kind!r})")
    if not threshold_text and not above_text:
        if kind != PORTION_OVER:
            raise RuleDataError(f"{where}: tier_kind needs a threshold and rate_above")
        return None
    if not threshold_text:
        raise RuleDataError(f"{where}: rate_above needs a threshold (the amount above which it applies)")
    if not above_text:
        raise RuleDataError(f"{where}: threshold needs rate_above (0 to tax only up to the threshold)")
    try:
        threshold = Decimal(threshold_text.replace(",", "").removeprefix("$"))
    except InvalidOperation:
        raise RuleDataError(f"{where}: threshold is not a number ({threshold_text!r})") from None
    if not is_valid_threshold(threshold):
        raise RuleDataError(
            f"{where}: threshold must be a positive dollar amount with at most two decimals "
            f"({threshold_text!r})"
        )
    return make_tier(name, rate, threshold, _rate(above_text, "rate_above", where), kind)


def parse_local_rates_csv(text: str, *, label: str = "imported") -> LocalRateTable:
    """Parse the documented CSV format; raises :class:`RuleDataError` naming the line and column."""
    reader = csv.DictReader(io.StringIO(text))
    _check_header(reader.fieldnames, label)
    rows: list[LocalRate] = []
    for line_no, raw in enumerate(reader, start=2):
        where = f"{label} line {line_no}"
        if any((cell or "").strip() for cell in raw.get(None) or ()):
            raise RuleDataError(f"{where}: more cells than header columns (check quoting)")
        state = (raw["state"] or "").strip().upper()
        if len(state) != 2 or not state.isalpha():
            raise RuleDataError(f"{where}: state must be a two-letter code")
        level = (raw["level"] or "").strip()
        if level not in LOCAL_LEVELS:
            raise RuleDataError(f"{where}: level must be one of {sorted(LOCAL_LEVELS)}")
        rate = _rate((raw["rate"] or "").strip(), "rate", where)
        try:
            effective = date.fromisoformat((raw["effective_from"] or "").strip())
        except ValueError:
            raise RuleDataError(f"{where}: effective_from must be YYYY-MM-DD") from None
        source = (raw["source"] or "").strip()
        if not source:
            raise RuleDataError(f"{where}: source is required")
        name = (raw["name"] or "").strip() or level
        zip_code = (raw["zip"] or "").strip()
        if zip_code and not (len(zip_code) == 5 and zip_code.isdigit()):
            raise RuleDataError(f"{where}: zip must be five digits")
        county = normalise_place(raw["county"])
        if not county and not zip_code:
            raise RuleDataError(f"{where}: county or zip is required")
        tier = _tier(raw, name, rate, where)
        warning = (raw.get("warning") or "").strip()
        rows.append(
            LocalRate(state, county, normalise_place(raw["city"]), zip_code, level, name, rate,
                      effective, source, tier, warning)
        )  # fmt: skip
    return LocalRateTable(rows, label=label)


def load_local_rates_csv(path: Path) -> LocalRateTable:
    """Load a dealer's rate file (e.g. the state's published table converted to this format)."""
    return parse_local_rates_csv(path.read_text(encoding="utf-8-sig"), label=path.name)


def _load_embedded_local_rates() -> LocalRateTable:
    return parse_local_rates_csv(read_rule_file("local_rates.csv"), label="embedded local_rates.csv")


_EMBEDDED_LOCAL_RATES: Final = LoadedOnce(_load_embedded_local_rates)


def embedded_local_rates() -> LocalRateTable:
    """The local rate table shipped with the engine, parsed on first use and shared afterwards."""
    return _EMBEDDED_LOCAL_RATES.get()

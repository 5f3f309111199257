"""Deal context → standardised features for the strategy models.

Inputs are validated field by field (``FieldError`` names the field). Ratios the desk usually knows are
derived only by arithmetic on given fields: ``down_pct`` from down payment and price, ``ltv_pct`` from
amount financed and book value, ``pti_pct`` from payment and monthly income, trade equity from trade value
and payoff.

Units: ``*_pct`` are percents (110 = 110 %); ``apr`` is accepted as a decimal fraction like the calc engine
(``0.0725``) or as a percent (``7.25``): values above 1 are read as percent. Money in dollars.

A missing feature contributes nothing (its standardised value is 0, the reference deal), so the model
neither invents a value nor lets the gap push the estimate either way; its uncertainty at that context
stays as wide as the data allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ml import validation

FloatArray = npt.NDArray[np.float64]

_MONEY = 1e7
NUMERIC_FIELDS: dict[str, tuple[float, float]] = {
    "fico": (300.0, 850.0),
    "vehicle_price": (0.0, _MONEY),
    "book_value": (0.0, _MONEY),
    "down_payment": (0.0, _MONEY),
    "down_pct": (0.0, 100.0),
    "trade_value": (0.0, _MONEY),
    "trade_payoff": (0.0, _MONEY),
    "term_months": (1.0, 120.0),
    "monthly_income": (0.0, _MONEY),
    "apr": (0.0, 100.0),
    "amount_financed": (0.0, _MONEY),
    "ltv_pct": (0.0, 500.0),
    "monthly_payment": (0.0, _MONEY),
    "pti_pct": (0.0, 100.0),
}
FLAG_FIELDS = ("has_trade",)
FIELDS = (*NUMERIC_FIELDS, *FLAG_FIELDS)

# Model features after the intercept: (name, what a desk manager calls it).
FEATURES: tuple[tuple[str, str], ...] = (
    ("intercept", "baseline"),
    ("fico", "credit score"),
    ("subprime_depth", "subprime credit"),
    ("ltv", "loan-to-value"),
    ("pti", "payment-to-income"),
    ("down", "down payment"),
    ("trade_equity", "trade equity"),
    ("term", "term length"),
    ("apr", "rate"),
    ("has_trade", "trade-in"),
)
DIM = len(FEATURES)


@dataclass(frozen=True)
class Deal:
    """A validated context: the values the desk gave or that follow from them, and the feature vector."""

    values: dict[str, float]  # known values only (fico, ltv_pct, pti_pct, down_pct, equity, term, apr_pct...)
    x: FloatArray


def parse(context: object, field: str = "context") -> Deal:
    data = validation.record(context, field)
    raw: dict[str, float | None] = {
        name: validation.number(data.get(name), name, minimum=low, maximum=high)
        for name, (low, high) in NUMERIC_FIELDS.items()
    }
    has_trade = validation.flag(data.get("has_trade"), "has_trade")
    return Deal(*_derive(raw, has_trade))


def _derive(raw: Mapping[str, float | None], has_trade: bool | None) -> tuple[dict[str, float], FloatArray]:
    known: dict[str, float] = {}
    fico = raw["fico"]
    if fico is not None:
        known["fico"] = fico
    down = raw["down_pct"]
    if down is None and raw["down_payment"] is not None and raw["vehicle_price"]:
        down = min(100.0, 100.0 * raw["down_payment"] / raw["vehicle_price"])
    if down is not None:
        known["down_pct"] = down
    ltv = raw["ltv_pct"]
    if ltv is None and raw["amount_financed"] is not None and raw["book_value"]:
        ltv = min(500.0, 100.0 * raw["amount_financed"] / raw["book_value"])
    if ltv is not None:
        known["ltv_pct"] = ltv
    pti = raw["pti_pct"]
    if pti is None and raw["monthly_payment"] is not None and raw["monthly_income"]:
        pti = min(100.0, 100.0 * raw["monthly_payment"] / raw["monthly_income"])
    if pti is not None:
        known["pti_pct"] = pti
    if has_trade is None and raw["trade_value"] is not None:
        has_trade = raw["trade_value"] > 0
    if has_trade is not None:
        known["has_trade"] = float(has_trade)
    if raw["trade_value"] is not None:
        # No trade means no equity; a trade without a payoff figure has unknown equity, not zero payoff.
        if raw["trade_payoff"] is not None:
            known["trade_equity"] = raw["trade_value"] - raw["trade_payoff"]
        elif raw["trade_value"] == 0:
            known["trade_equity"] = 0.0
    elif has_trade is False:
        known["trade_equity"] = 0.0
    if raw["term_months"] is not None:
        known["term_months"] = raw["term_months"]
    apr = raw["apr"]
    if apr is not None:
        known["apr_pct"] = apr if apr > 1.0 else apr * 100.0
    return known, features(known)


def features(known: Mapping[str, float]) -> FloatArray:
    x = np.zeros(DIM)
    x[0] = 1.0
    if "fico" in known:
        x[1] = (known["fico"] - 680.0) / 80.0
        x[2] = max(0.0, (620.0 - known["fico"]) / 60.0)
    if "ltv_pct" in known:
        x[3] = _clip((known["ltv_pct"] - 100.0) / 25.0, -4.0, 4.0)
    if "pti_pct" in known:
        x[4] = _clip((known["pti_pct"] - 12.0) / 6.0, -3.0, 4.0)
    if "down_pct" in known:
        x[5] = _clip((known["down_pct"] - 12.0) / 10.0, -2.0, 5.0)
    if "trade_equity" in known:
        x[6] = _clip(known["trade_equity"] / 10_000.0, -3.0, 3.0)
    if "term_months" in known:
        x[7] = _clip((known["term_months"] - 66.0) / 12.0, -4.0, 4.0)
    if "apr_pct" in known:
        x[8] = _clip((known["apr_pct"] - 8.0) / 5.0, -2.0, 5.0)
    if "has_trade" in known:
        x[9] = known["has_trade"]
    return x


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def describe(name: str, known: Mapping[str, float]) -> str | None:
    """The deal's value behind a model feature, in the desk's words (None if the deal did not give it)."""
    if name in ("fico", "subprime_depth") and "fico" in known:
        return f"FICO {known['fico']:.0f}"
    if name == "ltv" and "ltv_pct" in known:
        return f"LTV {known['ltv_pct']:.0f} %"
    if name == "pti" and "pti_pct" in known:
        return f"payment-to-income {known['pti_pct']:.0f} %"
    if name == "down" and "down_pct" in known:
        return f"{known['down_pct']:.0f} % down"
    if name == "trade_equity" and "trade_equity" in known:
        equity = known["trade_equity"]
        return f"{'negative ' if equity < 0 else ''}trade equity ${abs(equity):,.0f}"
    if name == "term" and "term_months" in known:
        return f"{known['term_months']:.0f}-month term"
    if name == "apr" and "apr_pct" in known:
        return f"APR {known['apr_pct']:.2f} %"
    if name == "has_trade" and "has_trade" in known:
        return "a trade-in" if known["has_trade"] else "no trade-in"
    return None

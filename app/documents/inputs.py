"""Read a scenario's saved inputs, whichever shape they were saved in.

Scenarios saved from the desk keep its form (flat keys such as ``"vehicle.price"``,
``"trade_ins[0].allowance"``); scenarios written by imports or the demo keep contract §1 input
(nested ``{"vehicle": {"price": ...}}``, lists of trade-ins and rebates). The documents read both.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.documents.layout import to_decimal


def _nested(inputs: Mapping[str, Any], path: str) -> object:
    node: object = inputs
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def value(inputs: Mapping[str, Any], path: str) -> object:
    """The input at a dotted path: the desk's flat key first, then the contract's nesting."""
    if path in inputs:
        return inputs[path]
    return _nested(inputs, path)


def amount(inputs: Mapping[str, Any], path: str) -> Decimal:
    return to_decimal(value(inputs, path))


def _list_total(inputs: Mapping[str, Any], key: str, item_field: str) -> Decimal:
    items = inputs.get(key)
    if not isinstance(items, list):
        return Decimal("0")
    return sum(
        (to_decimal(item.get(item_field)) for item in items if isinstance(item, Mapping)), Decimal("0")
    )


def trade_allowance(inputs: Mapping[str, Any]) -> Decimal:
    return amount(inputs, "trade_ins[0].allowance") + _list_total(inputs, "trade_ins", "allowance")


def trade_payoff(inputs: Mapping[str, Any]) -> Decimal:
    return amount(inputs, "trade_ins[0].payoff") + _list_total(inputs, "trade_ins", "payoff")


def rebates(inputs: Mapping[str, Any]) -> Decimal:
    flat = amount(inputs, "rebates.manufacturer") + amount(inputs, "rebates.dealer")
    return flat + _list_total(inputs, "rebates", "amount")

"""A check that the answer's figures come from somewhere: a tool result, the question, the context.

The model is told never to invent a number; this is the safety net. Money-like figures (a ``$``, a
decimal point, a ``%``, or four digits and more) that appear in none of the turn's inputs are listed
so the panel can warn that they are unverified.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

_FIGURE = re.compile(r"(\$)?\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(%)?")


def _normal(number: str) -> Decimal | None:
    try:
        return Decimal(number.replace(",", "")).normalize()
    except InvalidOperation:
        return None


def _all_numbers(text: str) -> set[Decimal]:
    found: set[Decimal] = set()
    for match in _FIGURE.finditer(text):
        value = _normal(match.group(2))
        if value is None:
            continue
        found.add(value)
        if match.group(3):  # "6.25 %" in prose is "0.0625" in a tool result
            found.add((value / 100).normalize())
        else:
            found.add((value * 100).normalize())
    return found


def unverified_figures(answer: str, evidence: Iterable[Any]) -> list[str]:
    known: set[Decimal] = set()
    for item in evidence:
        text = item if isinstance(item, str) else json.dumps(item, default=str)
        known |= _all_numbers(text)
    missing: list[str] = []
    for match in _FIGURE.finditer(answer):
        raw = match.group(2)
        significant = bool(match.group(1) or match.group(3) or "." in raw or len(raw.replace(",", "")) >= 4)
        value = _normal(raw)
        if not significant or value is None:
            continue
        if value not in known and match.group(0).strip() not in missing:
            missing.append(match.group(0).strip())
    return missing

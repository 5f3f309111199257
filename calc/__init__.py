"""Autolytiq calc engine: exact Decimal taxes, fees, cash / finance / lease quotes, Reg Z APR.

Python API for the app (the CLI ``python -m calc`` uses the same functions):

- :func:`quote_deal` - contract JSON in (``shared/contracts`` §1), contract JSON out; raises
  :class:`calc.errors.CalcInputError` naming the field on bad input.
- :func:`quote` - typed: :class:`calc.model.QuoteRequest` in, :class:`calc.model.QuoteResult` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from calc.contract_output import quote_to_dict
from calc.errors import CalcInputError
from calc.model import QuoteRequest, QuoteResult
from calc.quote import quote
from calc.request_parsing import parse_quote_request


def quote_deal(data: Mapping[str, Any]) -> dict[str, Any]:
    """Quote one deal given as contract JSON; returns the contract's result object."""
    return quote_to_dict(quote(parse_quote_request(data)))


__all__ = ["CalcInputError", "QuoteRequest", "QuoteResult", "parse_quote_request", "quote", "quote_deal"]

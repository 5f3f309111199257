"""Autolytiq calc engine: exact Decimal taxes, fees, cash / finance / lease quotes, Reg Z APR.

Python API for the app (the CLI ``python -m calc`` uses the same functions):

- :func:`quote_deal` - contract JSON in (``shared/contracts`` §1), contract JSON out; raises
  :class:`calc.errors.CalcInputError` naming the field on bad input.
- :func:`quote` - typed: :class:`calc.model.QuoteRequest` in, :class:`calc.model.QuoteResult` out.
"""

from __future__ import annotations

from calc import native

# Before any other module of the engine is imported: the compiled build, when it matches these sources.
native.install()

# ruff: noqa: E402 (the imports below must come after the build is chosen)
from calc.errors import CalcInputError
from calc.model import QuoteRequest, QuoteResult
from calc.quote import quote, quote_deal
from calc.request_parsing import parse_quote_request

__all__ = ["CalcInputError", "QuoteRequest", "QuoteResult", "parse_quote_request", "quote", "quote_deal"]

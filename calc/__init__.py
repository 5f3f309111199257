"""Autolytiq calc engine: exact Decimal taxes, fees, cash / finance / lease quotes, Reg Z APR.

Python API for the app (the CLI ``python -m calc`` uses the same functions):

- :func:`quote_deal` - contract JSON in (``shared/contracts`` §1), contract JSON out; raises
  :class:`calc.errors.CalcInputError` naming the field on bad input.
- :func:`quote` - typed: :class:`calc.model.QuoteRequest` in, :class:`calc.model.QuoteResult` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from calc import native

# Before any other module of the engine is imported: the compiled build, when it matches these sources.
native.install()

# ruff: noqa: E402 (the imports below must come after the build is chosen)
from calc.contract_output import quote_to_dict
from calc.errors import CalcInputError
from calc.model import QuoteRequest, QuoteResult
from calc.quote import quote
from calc.request_parsing import parse_quote_request
from calc.rules.local_rates import LocalRateTable


def quote_deal(
    data: Mapping[str, Any],
    *,
    local_rates: LocalRateTable | None = None,
    fee_defaults: Mapping[str, Decimal] | None = None,
) -> dict[str, Any]:
    """Quote one deal given as contract JSON; returns the contract's result object.

    ``local_rates`` is a dealer-imported rate table (:func:`calc.rules.load_local_rates_csv`) used
    instead of the embedded one; ``fee_defaults`` the dealership's fee template (code -> amount).
    """
    request = parse_quote_request(data)
    return quote_to_dict(quote(request, local_rates=local_rates, fee_defaults=fee_defaults))


__all__ = ["CalcInputError", "QuoteRequest", "QuoteResult", "parse_quote_request", "quote", "quote_deal"]

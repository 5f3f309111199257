"""Versioned rule data (``states.json``, ``local_rates.csv``, ``fees.json``) and their compiled tables."""

from calc.rules.book import RuleBook, RuleDataError, StateRules, rule_book
from calc.rules.local_rates import LocalRateTable, embedded_local_rates, load_local_rates_csv

__all__ = [
    "LocalRateTable",
    "RuleBook",
    "RuleDataError",
    "StateRules",
    "embedded_local_rates",
    "load_local_rates_csv",
    "rule_book",
]

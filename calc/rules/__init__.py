"""Versioned rule data (``states.json``, ``local_rates.csv``, ``fees.json``) and their compiled tables."""

from pathlib import Path

# This package's __init__ stays Python in the compiled build (calc.native), so its file is where the
# data files are, in the source tree and in the installed app alike. Read directly rather than through
# importlib.resources, whose import costs a fifth of the engine's start-up.
RULES_DIR = Path(__file__).resolve().parent


def read_rule_file(name: str) -> str:
    """The text of one of the rule data files shipped beside this package."""
    return (RULES_DIR / name).read_text(encoding="utf-8")


# Below read_rule_file: these modules import it while this package is still being imported.
# ruff: noqa: E402
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

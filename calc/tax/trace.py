"""The explanation a quote carries: each step with the rule applied and its source, plus warnings.

Steps are recorded as a template and its arguments and only turned into text when someone reads them
(:class:`calc.model.Explanation`): formatting Decimals into sentences costs more than the tax
arithmetic itself, and a payment grid or a batch rarely reads every explanation.
"""

from __future__ import annotations

from decimal import Decimal

from calc.model import ExplainStep, Explanation, render_step
from calc.money import format_percent


class Pct:
    """A rate shown as a percentage (``0.0725`` -> ``7.25%``), formatted only when rendered."""

    __slots__ = ("rate",)

    def __init__(self, rate: Decimal) -> None:
        self.rate = rate

    def __str__(self) -> str:
        return format_percent(self.rate)

    def __format__(self, spec: str) -> str:
        return str(self)


class Trace:
    """Collects ``explain`` steps and ``warnings`` in the order the calculation makes them."""

    __slots__ = ("steps", "warnings")

    def __init__(self) -> None:
        self.steps: list[ExplainStep] = []
        self.warnings: list[str] = []

    def step(self, template: str, *args: object, source: str = "") -> None:
        """Record a step; ``template`` uses ``str.format`` fields filled from ``args`` at render time."""
        self.steps.append((template, args, source))

    def text(self, text: str) -> None:
        """Record a step already rendered (see :func:`prerendered`)."""
        self.steps.append((text, (), ""))

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def explanation(self) -> Explanation:
        return Explanation(tuple(self.steps))


def prerendered(steps: list[ExplainStep]) -> tuple[ExplainStep, ...]:
    """Steps rendered now, for explanations reused across quotes (a place's rates, a state's rules):
    each later quote copies the text instead of formatting the same sentence again."""
    return tuple((render_step(step), (), "") for step in steps)

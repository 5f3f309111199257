"""The explanation a quote carries: each step with the rule applied and its source, plus warnings."""

from __future__ import annotations


class Trace:
    """Collects ``explain`` steps and ``warnings`` in the order the calculation makes them."""

    __slots__ = ("explain", "warnings")

    def __init__(self) -> None:
        self.explain: list[str] = []
        self.warnings: list[str] = []

    def step(self, text: str, source: str = "") -> None:
        self.explain.append(f"{text} [source: {source}]" if source else text)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

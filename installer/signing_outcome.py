"""What a platform-signing step did, so the build can print one honest line per step."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SigningOutcome:
    step: str
    signed: list[Path] = field(default_factory=list)
    skipped: str | None = None  # why nothing was signed, in words IT can act on

    def describe(self) -> str:
        if self.skipped is not None:
            return f"{self.step}: skipped: {self.skipped}"
        return f"{self.step}: signed {len(self.signed)} files"

"""Release version numbers and their order, so an update is offered only when it is newer.

Accepted: ``1.4.2``, ``1.5.0rc1``, ``2.0b3`` (PEP 440 release and pre-release segments); a ``+local``
suffix is tolerated and does not take part in the order. Anything else is refused rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.release.errors import ReleaseError

_PATTERN = re.compile(r"(?P<release>\d+(?:\.\d+)*)(?:(?P<pre>a|b|rc)(?P<pre_n>\d+))?(?:\+[0-9A-Za-z.]+)?")
# A final release sorts after all of its pre-releases.
_PRE_RANK = {"a": 0, "b": 1, "rc": 2, None: 3}


@dataclass(frozen=True, slots=True)
class ReleaseVersion:
    text: str
    release: tuple[int, ...]
    pre_rank: int
    pre_number: int

    @classmethod
    def parse(cls, text: str, *, field: str = "version") -> ReleaseVersion:
        match = _PATTERN.fullmatch(text.strip())
        if match is None:
            raise ReleaseError(field, f"{text!r} is not a release version like 1.4.2 or 1.5.0rc1")
        release = tuple(int(part) for part in match["release"].split("."))
        while len(release) > 1 and release[-1] == 0:
            release = release[:-1]  # 1.2 == 1.2.0
        pre = match["pre"]
        return cls(text.strip(), release, _PRE_RANK[pre], int(match["pre_n"] or 0))

    def _key(self) -> tuple[tuple[int, ...], int, int]:
        return self.release, self.pre_rank, self.pre_number

    def __lt__(self, other: ReleaseVersion) -> bool:
        return self._key() < other._key()

    def __le__(self, other: ReleaseVersion) -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: ReleaseVersion) -> bool:
        return self._key() > other._key()

    def __ge__(self, other: ReleaseVersion) -> bool:
        return self._key() >= other._key()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReleaseVersion) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return self.text

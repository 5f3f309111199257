"""Versioned JSON save/load shared by the engines, random state included.

This module owns the envelope every saved engine is wrapped in — format, engine name, format version (with
migrations from older versions), and for seeded engines the seed and the exact state of numpy's bit
generator, so a loaded engine continues exactly as the uninterrupted one would — and its validation.
An engine describes only its own payload:

- a seeded engine subclasses :class:`SeededEngine` and writes ``_payload()`` (its own fields as JSON-safe
  data) and the classmethod ``_from_payload(seed, payload)``; ``to_state`` / ``from_state`` / ``save`` /
  ``load`` come from here;
- an engine without randomness uses :func:`envelope` and :func:`open_envelope` directly.

A saved state looks like ``{"format": "autolytiq.ml", "engine": ..., "version": n, "state": {"seed": ...,
"rng": {...}, <payload fields>}}``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from ml import validation

FORMAT = "autolytiq.ml"
Migration = Callable[[dict[str, Any]], dict[str, Any]]  # a version-n state to version n + 1
_ENVELOPE_FIELDS = frozenset({"seed", "rng"})  # what the envelope keeps in "state" besides the payload


def rng_state(rng: np.random.Generator) -> dict[str, Any]:
    """The generator's full state as JSON-safe data (PCG64 state holds 128-bit ints: kept as strings)."""
    state = rng.bit_generator.state
    inner = state["state"]
    return {
        "bit_generator": state["bit_generator"],
        "state": {"state": str(inner["state"]), "inc": str(inner["inc"])},
        "has_uint32": state["has_uint32"],
        "uinteger": state["uinteger"],
    }


def rng_from_state(data: object) -> np.random.Generator:
    """The generator saved by :func:`rng_state`; a damaged record raises ``FieldError`` on ``state.rng``."""
    if not isinstance(data, Mapping):
        raise validation.FieldError("state.rng", "malformed")
    if data.get("bit_generator") != "PCG64":
        raise validation.FieldError("state.rng", f"unsupported bit generator {data.get('bit_generator')!r}")
    bit_generator = np.random.PCG64()
    try:
        bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int(data["state"]["state"]), "inc": int(data["state"]["inc"])},
            "has_uint32": int(data["has_uint32"]),
            "uinteger": int(data["uinteger"]),
        }
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise validation.FieldError("state.rng", f"malformed ({exc})") from exc
    return np.random.Generator(bit_generator)


def envelope(engine: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, "engine": engine, "version": version, "state": state}


def open_envelope(
    data: Mapping[str, Any], engine: str, version: int, migrations: Mapping[int, Migration] | None = None
) -> dict[str, Any]:
    """The state inside a saved ``engine`` envelope, brought up to ``version``.

    ``migrations[n]`` turns a version-``n`` state into version ``n + 1``; an older state without a path to
    the current version, or a newer one, is refused (``ValueError`` naming ``state.version``).
    """
    if not isinstance(data, Mapping) or data.get("format") != FORMAT or data.get("engine") != engine:
        raise validation.FieldError("state", f"not a saved {engine} engine")
    saved = data.get("version")
    steps = migrations or {}
    if (
        not isinstance(saved, int)
        or isinstance(saved, bool)
        or saved > version
        or any(step not in steps for step in range(saved, version))
    ):
        raise validation.FieldError("state.version", f"{saved!r} is not supported by this build")
    state = data.get("state")
    if not isinstance(state, dict):
        raise validation.FieldError("state", "malformed")
    for step in range(saved, version):
        state = steps[step](state)
    return state


class SeededEngine:
    """Save and load for an engine with a seed and a generator (``self.seed``, ``self._rng``).

    Subclasses set ``ENGINE`` and ``VERSION`` (and ``MIGRATIONS`` when the format changes), and describe only
    their own payload: ``_payload()`` and ``_from_payload(seed, payload)``. The payload's field names must
    not be ``seed`` or ``rng``. A payload that does not fit (missing or mistyped fields) is refused with
    ``ValueError`` ("state: malformed ..."); anything the engine's own checks refuse keeps their message.
    """

    ENGINE: ClassVar[str]
    VERSION: ClassVar[int]
    MIGRATIONS: ClassVar[Mapping[int, Migration]] = {}

    seed: int
    _rng: np.random.Generator

    def _payload(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _from_payload(cls, seed: int, payload: Mapping[str, Any]) -> Self:
        raise NotImplementedError

    def to_state(self) -> dict[str, Any]:
        payload = self._payload()
        clash = _ENVELOPE_FIELDS & payload.keys()
        if clash:
            raise RuntimeError(f"{self.ENGINE} payload uses the envelope's field names {sorted(clash)}")
        return envelope(
            self.ENGINE, self.VERSION, {"seed": self.seed, "rng": rng_state(self._rng), **payload}
        )

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> Self:
        state = open_envelope(data, cls.ENGINE, cls.VERSION, cls.MIGRATIONS)
        if "seed" not in state or "rng" not in state:
            raise validation.FieldError("state", "malformed (no seed or generator state)")
        seed = validation.seed(state["seed"], "state.seed")
        rng = rng_from_state(state["rng"])
        payload = {name: value for name, value in state.items() if name not in _ENVELOPE_FIELDS}
        try:
            engine = cls._from_payload(seed, payload)
        except (KeyError, TypeError) as exc:
            raise validation.FieldError("state", f"malformed ({exc})") from exc
        engine._rng = rng
        return engine

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the versioned JSON state atomically (``load(path)`` reads it back)."""
        write_atomic(path, dumps(self.to_state()))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        return cls.from_state(read(path))


def dumps(data: dict[str, Any]) -> str:
    # allow_nan=False: a NaN in saved state is a bug we want to see, not persist.
    return json.dumps(data, allow_nan=False, sort_keys=True, separators=(",", ":"))


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write via a temp file and rename, so a crash never leaves half a state file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise validation.FieldError("state", "malformed")
    return data

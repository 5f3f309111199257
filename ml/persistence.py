"""Versioned JSON save/load shared by the engines, random state included.

Each engine turns its state into a plain dict (``to_state``) and back (``from_state``); this module
owns the envelope (engine name, format version) and the exact round-trip of numpy's bit generator, so a
loaded engine continues exactly as the uninterrupted one would.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "autolytiq.ml"


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


def rng_from_state(data: dict[str, Any]) -> np.random.Generator:
    if data.get("bit_generator") != "PCG64":
        raise ValueError(f"state.rng: unsupported bit generator {data.get('bit_generator')!r}")
    bit_generator = np.random.PCG64()
    bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": int(data["state"]["state"]), "inc": int(data["state"]["inc"])},
        "has_uint32": int(data["has_uint32"]),
        "uinteger": int(data["uinteger"]),
    }
    return np.random.Generator(bit_generator)


def envelope(engine: str, version: int, state: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, "engine": engine, "version": version, "state": state}


def open_envelope(data: dict[str, Any], engine: str, supported_versions: set[int]) -> dict[str, Any]:
    if data.get("format") != FORMAT or data.get("engine") != engine:
        raise ValueError(f"state: not a saved {engine} engine")
    if data.get("version") not in supported_versions:
        raise ValueError(f"state.version: {data.get('version')!r} is not supported by this build")
    state = data["state"]
    if not isinstance(state, dict):
        raise ValueError("state: malformed")
    return state


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
        raise ValueError("state: malformed")
    return data

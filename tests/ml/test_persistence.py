"""The saved-state envelope every engine shares: versions and migrations, seed and generator, validation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pytest

from ml import persistence
from ml.oscillator import TeamNetwork
from ml.prime import Prime
from ml.validation import FieldError
from ml.whaco import Whaco


class Counter(persistence.SeededEngine):
    """The smallest seeded engine: its payload is one number; format 3, migrated from 1 and 2."""

    ENGINE = "test.counter"
    VERSION = 3
    MIGRATIONS: ClassVar[Mapping[int, persistence.Migration]] = {
        1: lambda state: {**state, "count": state["clicks"]},  # format 2 renamed clicks to count
        2: lambda state: {**state, "count": state["count"] * 10},  # format 3 counts tenths
    }

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self.count = 0

    def draw(self) -> float:
        self.count += 1
        return float(self._rng.random())

    def _payload(self) -> dict[str, Any]:
        return {"count": self.count}

    @classmethod
    def _from_payload(cls, seed: int, payload: Mapping[str, Any]) -> Self:
        engine = cls(seed)
        engine.count = int(payload["count"])
        return engine


def test_the_envelope_carries_seed_and_generator_and_the_engine_only_its_payload(tmp_path: Path) -> None:
    engine = Counter(seed=7)
    engine.draw()
    saved = engine.to_state()
    assert saved["format"] == "autolytiq.ml" and saved["engine"] == "test.counter" and saved["version"] == 3
    assert set(saved["state"]) == {"seed", "rng", "count"}
    engine.save(tmp_path / "counter.json")
    resumed = Counter.load(tmp_path / "counter.json")
    assert [resumed.draw() for _ in range(5)] == [engine.draw() for _ in range(5)]
    assert resumed.to_state() == engine.to_state()


def test_older_formats_are_migrated_step_by_step() -> None:
    old = Counter(seed=7).to_state()
    old["version"] = 1
    old["state"] = {"seed": 7, "rng": old["state"]["rng"], "clicks": 4}
    assert Counter.from_state(old).count == 40


def test_a_newer_or_unknown_format_is_refused() -> None:
    saved = Counter(seed=1).to_state()
    for version in (4, 0, "3", None, True):
        with pytest.raises(FieldError) as caught:
            Counter.from_state({**saved, "version": version})
        assert caught.value.field == "state.version"


@pytest.mark.parametrize(
    ("damage", "field"),
    [
        (lambda s: s.update(engine="whaco"), "state"),
        (lambda s: s.update(format="other"), "state"),
        (lambda s: s.update(state=[1, 2]), "state"),
        (lambda s: s["state"].pop("rng"), "state"),
        (lambda s: s["state"].pop("seed"), "state"),
        (lambda s: s["state"].pop("count"), "state"),
        (lambda s: s["state"].update(seed=-3), "state.seed"),
        (lambda s: s["state"].update(seed="7"), "state.seed"),
        (lambda s: s["state"].update(rng={"bit_generator": "MT19937"}), "state.rng"),
        (lambda s: s["state"]["rng"].pop("uinteger"), "state.rng"),
        (lambda s: s["state"]["rng"]["state"].update(state="not a number"), "state.rng"),
    ],
)
def test_a_damaged_envelope_is_refused_naming_the_field(damage: Any, field: str) -> None:
    saved = json.loads(json.dumps(Counter(seed=2).to_state()))
    damage(saved)
    with pytest.raises(FieldError) as caught:
        Counter.from_state(saved)
    assert caught.value.field == field


def test_fields_beside_the_envelope_are_left_to_the_caller() -> None:
    # The app keeps its own bookkeeping next to a saved engine in the same row.
    saved = {**Counter(seed=2).to_state(), "fed_deals": ["d1", "d2"]}
    assert Counter.from_state(saved).count == 0


@pytest.mark.parametrize("engine", [Whaco(seed=3), Prime(seed=3), TeamNetwork(seed=3)])
def test_every_seeded_engine_uses_the_shared_envelope(engine: persistence.SeededEngine) -> None:
    state = engine.to_state()
    assert state["state"]["seed"] == 3
    assert state["state"]["rng"] == persistence.rng_state(np.random.default_rng(3))
    assert type(engine).from_state(state).to_state() == state

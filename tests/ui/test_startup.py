"""Start-up: ``autolytiq --demo --self-test`` as a user (or IT) runs it, in its own process.

Figures: ``bench/desktop_bench.py`` (many runs, min and median) or
``pytest tests/ui/test_startup.py --benchmark-enable``; CI runs the benchmark once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytest_benchmark.fixture import BenchmarkFixture
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.runtime import open_demo
from app.store.database import Actor
from app.store.models import Customer
from ui.main_window import _Preload

AUTOLYTIQ = str(Path(sys.executable).with_name("autolytiq"))
ADMIN_SCREENS = ["Desk", "Customers", "Inventory", "Deals", "Dashboard", "Admin"]
# Libraries the first screen does not need: none may load before the window is up and taking input.
NOT_BEFORE_FIRST_PAINT = (
    "alembic",
    "numpy",
    "scipy",
    "pyqtgraph",
    "openai",
    "httpx",
    "keyring",
    "pydantic",
    "cryptography",
    "app.assistant",
    "app.demo.generator",
    "ml",
)


@dataclass(frozen=True)
class Start:
    line: dict[str, object]
    seen_ms: float  # from spawning the process to reading its JSON line
    modules: frozenset[str]  # every module imported, from -X importtime


def _self_test(data: Path, cache: Path, *, importtime: bool = True) -> Start:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "AUTOLYTIQ_DATA_DIR": str(data),
        "AUTOLYTIQ_CACHE_DIR": str(cache),
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *(["-X", "importtime"] if importtime else []), AUTOLYTIQ, "--demo", "--self-test"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    seen = (time.perf_counter() - started) * 1000
    rest, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-3000:]
    assert rest == "", "the self-test prints one line"
    modules = frozenset(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", err, re.MULTILINE))
    return Start(json.loads(first), seen, modules)


@pytest.fixture(scope="module")
def starts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Start, Start, Path]:
    """Two starts on fresh data dirs sharing one (at first empty) cache dir."""
    cache = tmp_path_factory.mktemp("cache")
    first = _self_test(tmp_path_factory.mktemp("data-a"), cache)
    second = _self_test(tmp_path_factory.mktemp("data-b"), cache)
    return first, second, cache


def test_self_test_prints_the_contract_line(starts: tuple[Start, Start, Path]) -> None:
    for start in starts[:2]:
        assert set(start.line) == {"startup_ms", "screens", "accepts_input"}
        assert start.line["screens"] == ADMIN_SCREENS
        assert start.line["accepts_input"] is True
        assert isinstance(start.line["startup_ms"], float)


def test_startup_ms_is_the_process_age_the_caller_sees(starts: tuple[Start, Start, Path]) -> None:
    # The process cannot be older than the time since it was spawned (the kernel's start time is in
    # 10 ms ticks, hence the margin); an age taken from a boot time rounded to whole seconds can be.
    for start in starts[:2]:
        age = float(str(start.line["startup_ms"]))
        assert 0 < age <= start.seen_ms + 20


def test_heavy_libraries_stay_off_the_start_path(starts: tuple[Start, Start, Path]) -> None:
    second = starts[1]
    loaded = {m for m in second.modules for b in NOT_BEFORE_FIRST_PAINT if m == b or m.startswith(f"{b}.")}
    assert loaded == set()
    assert "sqlalchemy.orm" in second.modules  # the list above is read from a real start


def test_a_fresh_data_dir_copies_the_shared_template(starts: tuple[Start, Start, Path]) -> None:
    first, second, cache = starts
    assert "app.demo.generator" in first.modules  # the first start on an empty cache made the template
    assert "app.demo.generator" not in second.modules  # the second, on another data dir, reused it
    assert [p.name.count(".building-") for p in (cache / "demo").iterdir()] == [0]  # one, published


def test_every_demo_start_is_fresh(tmp_path: Path) -> None:
    first = open_demo(tmp_path / "a")
    actor = Actor(first.principal.tenant_id, first.principal.user_id, first.store.device_id)
    renamed = select(func.count()).select_from(Customer).where(Customer.last_name == "Renamed-In-Demo")
    with first.store.session(actor) as session:
        session.scalars(select(Customer).limit(1)).one().last_name = "Renamed-In-Demo"
    with first.store.session(actor) as session:
        assert session.scalar(renamed) == 1
    first.close()

    again = open_demo(tmp_path / "a")  # the same data dir, started again
    other = open_demo(tmp_path / "b")
    for ctx in (again, other):
        with ctx.store.session(actor) as session:
            assert session.scalar(renamed) == 0
        ctx.close()


def test_after_paint_loading_reports_back_on_the_gui_thread_even_when_an_import_fails(qtbot: QtBot) -> None:
    # How the assistant's libraries load after the first paint (``MainWindow._after_first_paint``).
    owner = QWidget()
    qtbot.addWidget(owner)
    sys.modules.pop("colorsys", None)
    on_gui_thread: list[bool] = []
    preload = _Preload(("no_such_module_for_this_test", "colorsys"), owner)
    preload.done.connect(lambda: on_gui_thread.append(threading.current_thread() is threading.main_thread()))
    preload.start()
    qtbot.waitUntil(lambda: on_gui_thread == [True])
    preload.wait()
    assert "colorsys" in sys.modules  # the failed import before it stopped nothing


def test_version_prints_without_starting_the_desktop() -> None:
    done = subprocess.run([AUTOLYTIQ, "--version"], capture_output=True, text=True, timeout=60, check=True)
    assert re.fullmatch(r"autolytiq \S+\n", done.stdout)


def test_startup_benchmark(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _self_test(tmp_path / "warm", cache, importtime=False)  # the template, made once
    runs = iter(range(1_000))
    start = benchmark(lambda: _self_test(tmp_path / f"run-{next(runs)}", cache, importtime=False))
    assert start.line["accepts_input"] is True

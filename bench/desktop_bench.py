"""Desktop benchmark: start-up to a painted window that takes input, and desk recompute per keystroke.

Start-up: ``autolytiq --demo --self-test`` (process start → main window painted and accepting a
keystroke; target < 1.0 s) over several runs after one warm-up run (which makes the demo template if
this machine has none yet). Two figures per run: the ``startup_ms`` the app reports (process age from the
kernel's start time), and the time this script saw from spawning the process to reading its JSON line
(an upper bound: it adds the pipe). Judge by the minimum: the machine is shared, medians are noisy.

Bytecode is compiled first (``compileall``) as an installed build has it: this environment sets
PYTHONDONTWRITEBYTECODE, so a source checkout would otherwise compile every module of ours on every
start (~2 s more), which no user's start pays.

``--imports`` adds one ``-X importtime`` run, summed by top-level package (self time, so the groups add
up to the whole import time before the window is up).

Desk: the recompute after a keystroke (all three quotes, tax explanation and the 5×5 grids redrawn;
target < 16 ms, one frame).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python bench/desktop_bench.py [--runs 15] [--imports]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "calc", "ml", "sync", "ui")


def command() -> list[str]:
    return [str(Path(sys.executable).with_name("autolytiq")), "--demo", "--self-test"]


def environment(data: str) -> dict[str, str]:
    return {**os.environ, "AUTOLYTIQ_DATA_DIR": data, "QT_QPA_PLATFORM": "offscreen"}


def compile_bytecode() -> None:
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def one_start(env: dict[str, str], extra: tuple[str, ...] = ()) -> tuple[dict[str, object], float, str]:
    """(the self-test's JSON line, ms from spawn to reading it, stderr)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *extra, *command()] if extra else command(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    seen = (time.perf_counter() - started) * 1000
    _, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"self-test failed ({process.returncode}): {line} {err[-2000:]}")
    return json.loads(line), seen, err


def startup(runs: int) -> tuple[list[float], list[float]]:
    env = environment(tempfile.mkdtemp(prefix="autolytiq-startup-"))
    one_start(env)  # warm-up: the demo template, the OS file cache
    reported, seen = [], []
    for _ in range(runs):
        line, observed, _err = one_start(env)
        if line.get("accepts_input") is not True:
            raise RuntimeError(f"the window did not take input: {line}")
        reported.append(float(str(line["startup_ms"])))
        seen.append(observed)
    return reported, seen


def import_breakdown() -> dict[str, float]:
    """Self import time (ms) by top-level package for one start, from ``-X importtime``."""
    env = environment(tempfile.mkdtemp(prefix="autolytiq-imports-"))
    one_start(env)
    _line, _seen, err = one_start(env, ("-X", "importtime"))
    groups: dict[str, float] = defaultdict(float)
    for match in re.finditer(r"^import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)$", err, re.MULTILINE):
        root = match.group(2).split(".")[0]
        if root in {"shiboken6", "shibokensupport", "signature_bootstrap"}:
            root = "PySide6"
        known = root in {*PACKAGES, "PySide6", "sqlalchemy"}
        groups[root if known else "other"] += int(match.group(1)) / 1000
    return dict(sorted(groups.items(), key=lambda item: -item[1]))


def recompute(keystrokes: int) -> list[float]:
    os.environ.setdefault("AUTOLYTIQ_DATA_DIR", tempfile.mkdtemp(prefix="autolytiq-desk-"))
    from app.runtime import open_demo
    from ui.application import make_application
    from ui.pages.desk import DeskPage

    app = make_application()
    ctx = open_demo()
    page = DeskPage(ctx)
    page.show()
    page.refresh()
    page.use_customer(page.customer_box.itemData(0))
    page.use_vehicle(page.vehicle_box.itemData(0))
    app.processEvents()
    times = []
    price = 24000
    for _ in range(keystrokes):
        price += 7
        started = time.perf_counter()
        page.set_field("vehicle.price", str(price))  # a keystroke: schedules one recompute
        app.processEvents()  # runs it, and the repaint it causes
        times.append((time.perf_counter() - started) * 1000)
    ctx.close()
    return times


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keystrokes", type=int, default=60)
    parser.add_argument("--imports", action="store_true", help="also break import time down by package")
    parser.add_argument("--no-desk", action="store_true", help="start-up only")
    args = parser.parse_args()
    compile_bytecode()
    print(f"load average before: {loadavg()}")
    reported, seen = startup(args.runs)
    print(
        f"start-up to painted, input-ready window (self-reported): min {min(reported):.0f} ms, "
        f"median {statistics.median(reported):.0f} ms, max {max(reported):.0f} ms over {len(reported)} runs "
        f"(target < 1000 ms)"
    )
    print(
        f"  seen by this script (spawn → JSON line): min {min(seen):.0f} ms, "
        f"median {statistics.median(seen):.0f} ms"
    )
    print(f"load average after: {loadavg()}")
    if args.imports:
        groups = import_breakdown()
        total = sum(groups.values())
        print(f"import time of one start, by package (self time): total {total:.0f} ms")
        for name, ms in groups.items():
            print(f"  {name:<10} {ms:6.0f} ms")
    if not args.no_desk:
        keys = sorted(recompute(args.keystrokes))
        p95 = keys[int(len(keys) * 0.95) - 1]
        print(
            f"desk recompute after a keystroke: median {statistics.median(keys):.2f} ms, p95 {p95:.2f} ms "
            f"over {len(keys)} keystrokes (target < 16 ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The compiled build of the engine (mypyc, ``scripts/build_native.py``) against the plain Python one.

What a user relies on: both write the same bytes for the same deals, bad lines included; and an edit to
a source takes effect at once - a build older than the sources is never loaded in their place.
These run when the setup has built the engine (``./run-tests`` does, where a C compiler exists).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from calc import native

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not native.status().compiled, reason=f"no compiled build in use ({native.status()})"
)

_REPORT = (
    "import sys, calc, calc.native as n; "
    "print(n.status()); print(type(sys.modules['calc.quote'].__loader__).__name__)"
)


def _batch(count: int) -> str:
    spec = importlib.util.spec_from_file_location("calc_bench", ROOT / "bench" / "calc_bench.py")
    assert spec is not None and spec.loader is not None
    bench: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    lines: list[str] = bench.batch_lines(count).splitlines()
    bad = [
        '{"deal_type": "cash", "customer": {"state": "ZZ"}, "vehicle": {"price": "1"}}',
        '{"deal_type": "cash", "customer": {"state": "TX"}, "vehicle": {"price": "-5"}}',
        "{not json",
    ]
    return "\n".join(lines[:300] + bad + lines[300:]) + "\n"


def _run(args: list[str], *, cwd: Path, pure: bool, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != native.PURE_ENV}
    env["PYTHONPATH"] = str(cwd)
    if pure:
        env[native.PURE_ENV] = "1"
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, input=stdin, env=env, capture_output=True, text=True, check=False
    )


def test_compiled_and_plain_engines_write_the_same_bytes(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text(_batch(1_500), encoding="utf-8")
    compiled = _run(["-m", "calc", "quote", str(batch)], cwd=ROOT, pure=False)
    plain = _run(["-m", "calc", "quote", str(batch)], cwd=ROOT, pure=True)
    assert compiled.returncode == plain.returncode == 2  # the bad lines fail, the rest still run
    assert compiled.stdout == plain.stdout
    results = [json.loads(line) for line in compiled.stdout.splitlines()]
    assert len(results) == 1_503
    assert [r["error"]["field"] for r in results[300:303]] == ["customer.state", "vehicle.price", "json"]
    assert all("error" not in r for r in results[:300] + results[303:])

    which = _run(["-c", _REPORT], cwd=ROOT, pure=False).stdout.splitlines()
    assert which[0].startswith("compiled") and which[1] == "ExtensionFileLoader"
    which = _run(["-c", _REPORT], cwd=ROOT, pure=True).stdout.splitlines()
    assert which == [f"plain Python: {native.PURE_ENV} is set", "SourceFileLoader"]


def test_an_edited_source_is_used_instead_of_the_older_build(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "calc", tmp_path / "calc", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(native.BUILD_DIR, tmp_path / ".native" / native.BUILD_DIR.name)
    deal = '{"deal_type": "cash", "customer": {"state": "TX"}, "vehicle": {"price": "30000"}}\n'

    before = _run(["-c", _REPORT], cwd=tmp_path, pure=False).stdout.splitlines()
    assert before[0].startswith("compiled") and before[1] == "ExtensionFileLoader"
    explained = json.loads(_run(["-m", "calc", "quote"], cwd=tmp_path, pure=False, stdin=deal).stdout)
    assert any(step.startswith("Out the door $") for step in explained["explain"])

    quote_py = tmp_path / "calc" / "quote.py"
    quote_py.write_text(
        quote_py.read_text(encoding="utf-8").replace('"Out the door ${} = ', '"Total due ${} = '),
        encoding="utf-8",
    )
    after = _run(["-c", _REPORT], cwd=tmp_path, pure=False).stdout.splitlines()
    assert after == ["plain Python: calc/quote.py changed since the build; rebuild", "SourceFileLoader"]
    edited = json.loads(_run(["-m", "calc", "quote"], cwd=tmp_path, pure=False, stdin=deal).stdout)
    assert any(step.startswith("Total due $") for step in edited["explain"])
    assert edited["cash"] == explained["cash"]

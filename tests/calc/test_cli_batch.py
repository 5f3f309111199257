"""The CLI batch the throughput figure is measured on: 10,000 distinct, realistic deals.

``bench/calc_bench.py`` generates the batch; these tests hold it to what the figure claims (no repeated
line a cache could make cheap, a real mix of deal types and places) and check that the CLI's fast path
(prebuilt decoder, orjson output) writes exactly what the Python API returns.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

from calc import quote_deal

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calc_bench", ROOT / "bench" / "calc_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_batch_is_ten_thousand_distinct_mixed_deals() -> None:
    lines = _bench().batch_lines(10_000).splitlines()
    assert len(lines) == len(set(lines)) == 10_000
    deals = [json.loads(line) for line in lines]
    kinds = Counter(deal["deal_type"] for deal in deals)
    assert set(kinds) == {"cash", "finance", "lease"} and min(kinds.values()) > 1_500
    assert len({deal["customer"]["state"] for deal in deals}) >= 25
    assert len({deal["as_of"] for deal in deals}) >= 100
    assert len({deal["vehicle"]["price"] for deal in deals}) > 9_000
    terms = {deal["finance"]["term_months"] for deal in deals if deal["deal_type"] == "finance"}
    assert len(terms) >= 6


def test_cli_output_is_what_the_api_returns_line_for_line(tmp_path: Path) -> None:
    lines = _bench().batch_lines(300, seed=7).splitlines()
    path = tmp_path / "deals.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "calc", "quote", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    written = proc.stdout.splitlines()
    assert len(written) == len(lines)
    for line, output in zip(lines, written, strict=True):
        expected = quote_deal(json.loads(line))
        assert json.loads(output) == json.loads(json.dumps(expected))


def test_numbers_with_fractions_stay_exact_through_the_cli() -> None:
    # Written as JSON numbers (not strings): 35000.10 must stay 35000.10, not the float 35000.1.
    text = (
        '{"deal_type": "cash", "as_of": "2026-06-01", "customer": {"state": "TX"},'
        ' "vehicle": {"price": 35000.10}, "doc_fee": 150.005}'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "calc", "quote"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert any("$35000.10 (vehicle" in step for step in result["explain"])
    assert any("$150.005" in step for step in result["explain"])

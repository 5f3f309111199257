"""What the fee and override tests share: a cash deal with no fees typed (so the state's defaults
apply), the fee amounts a quote charged, and quoting lines through ``python -m calc quote`` as a batch
job would (one result line per deal, the bad ones naming their field)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def default_fee_deal(state: str, *, as_of: str = "2026-06-01", **vehicle: Any) -> dict[str, Any]:
    car = {"price": "30000.00", "model_year": 2026} | vehicle
    return {"deal_type": "cash", "as_of": as_of, "customer": {"state": state}, "vehicle": car, "fees": []}


def fee_amounts(result: dict[str, Any]) -> dict[str, str]:
    return {item["code"]: item["amount"] for item in result["fees"]["items"]}


def quote_lines_through_cli(lines: Sequence[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    proc = subprocess.run(
        [sys.executable, "-m", "calc", "quote"],
        input="\n".join(json.dumps(line) for line in lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()]

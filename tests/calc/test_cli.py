"""``python -m calc quote|apr`` as the contract describes it, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEAL: dict[str, Any] = {
    "deal_type": "finance",
    "as_of": "2026-06-01",
    "dealer_state": "TX",
    "customer": {"state": "TX", "county": "Travis", "city": "Austin"},
    "vehicle": {"price": 35000, "condition": "new"},
    "trade_ins": [{"allowance": "10000.00", "payoff": "6000.00"}],
    "rebates": [{"amount": "1500.00", "source": "manufacturer"}],
    "cash_down": "3000.00",
    "doc_fee": "225.00",
    "finance": {"apr": "0.0599", "term_months": 60},
}
APR_EXAMPLE = {
    "amount_financed": "5000.00",
    "advance_date": "1978-01-10",
    "payments": [
        {
            "amount": "230.00",
            "count": 24,
            "first_date": "1978-02-10",
            "every": {"unit": "month", "multiple": 1},
        }
    ],
}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "calc", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_json_lines_keep_order_and_bad_lines_do_not_stop_the_batch(tmp_path: Path) -> None:
    bad = {**DEAL, "vehicle": {"price": "-5"}}
    lease = {k: v for k, v in DEAL.items() if k != "finance"} | {
        "deal_type": "lease",
        "lease": {"term_months": 36, "money_factor": "0.00125", "residual_value": "21000"},
    }
    path = tmp_path / "deals.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in (DEAL, bad, lease)) + "\n", encoding="utf-8")
    proc = run("quote", str(path))
    assert proc.returncode == 2
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["finance"]["monthly_payment"].count(".") == 1
    assert lines[1] == {"error": {"field": "vehicle.price", "message": "must not be negative"}}
    assert lines[2]["lease"]["base_monthly_payment"]
    assert lines[0]["jurisdiction"]["source"] == "embedded"


def test_single_pretty_printed_object_from_stdin_exits_zero() -> None:
    cash = {k: v for k, v in DEAL.items() if k != "finance"} | {"deal_type": "cash"}
    proc = run("quote", stdin=json.dumps(cash, indent=2))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["deal_type"] == "cash" and "finance" not in result
    taxes = result["taxes"]
    # Money is written as strings with two decimals.
    assert all(len(taxes[k].split(".")[1]) == 2 for k in ("total", "taxable_base", "trade_in_credit"))
    assert result["explain"] and isinstance(result["warnings"], list)


def test_invalid_json_line_is_reported_as_an_error_line() -> None:
    proc = run("quote", stdin='{"deal_type": \n' + json.dumps({**DEAL}) + "\n")
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 2
    assert lines[0]["error"]["field"] == "json"
    assert "finance" in lines[1]


def test_apr_command_matches_the_contract_example() -> None:
    proc = run("apr", stdin=json.dumps(APR_EXAMPLE))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["apr_percent"] == "9.69"
    assert result["apr_exact"].startswith("9.6857")


def test_apr_command_reports_a_bad_line() -> None:
    proc = run("apr", stdin=json.dumps({**APR_EXAMPLE, "amount_financed": "-1"}))
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["field"] == "amount_financed"


def test_a_console_in_another_encoding_gets_escaped_json_lines(tmp_path: Path) -> None:
    # Results go out in chunks of many lines; a stream that cannot take UTF-8 still gets one valid,
    # \u-escaped JSON object per input line, in order.
    lines = [{**DEAL, "customer": {"state": "Ñ"}}, DEAL, {**DEAL, "customer": {"state": "Zürich"}}]
    path = tmp_path / "deals.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in lines) + "\n", encoding="utf-8")
    as_utf8 = run("quote", str(path))
    proc = subprocess.run(
        [sys.executable, "-m", "calc", "quote", str(path)],
        capture_output=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert proc.returncode == 2
    written = proc.stdout.decode("ascii").splitlines()
    assert len(written) == 3 and "\\u00d1" in written[0]
    expected = [json.loads(line) for line in as_utf8.stdout.splitlines()]
    assert [json.loads(line) for line in written] == expected
    assert "unknown state 'Ñ'" in json.loads(written[0])["error"]["message"]

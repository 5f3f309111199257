"""``autolytiq ask --demo "QUESTION"`` end to end: the installed command, a fresh demo, the loopback model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import calc
from tests.assistant.fake_provider import FakeProvider, Reply, tool_results

DEAL = {
    "deal_type": "finance",
    "as_of": "2026-11-24",
    "dealer_state": "TX",
    "customer": {"state": "TX", "zip": "78701"},
    "vehicle": {"price": "31450.00", "condition": "new"},
    "cash_down": "3000",
    "doc_fee": "150.00",
    "finance": {"apr": "0.0649", "term_months": 72},
}


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("autolytiq")
    environment = {
        **os.environ,
        "AUTOLYTIQ_DATA_DIR": str(tmp_path / "data"),
        "AUTOLYTIQ_USER_CONFIG": str(tmp_path / "user.toml"),
        "AUTOLYTIQ_SYSTEM_CONFIG": str(tmp_path / "system.toml"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        **env,
    }
    for name in ("AUTOLYTIQ_AI_BASE_URL", "AUTOLYTIQ_AI_MODEL", "AUTOLYTIQ_AI_API_KEY"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [str(command), *args], capture_output=True, text=True, env=environment, timeout=120, check=False
    )


def test_ask_with_demo_prints_one_json_line_with_the_quote(server: FakeProvider, tmp_path: Path) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        payment = tool_results(body)[-1]["finance"]["monthly_payment"]
        return Reply(text=f"With $3,000 down over 72 months the payment is ${payment}.")

    server.script(Reply(tool_calls=[("quote_deal", DEAL)]), answer)
    done = _run(
        ["ask", "--demo", "What's the payment at 72 months with 3k down on the 31,450 Camry?"],
        tmp_path,
        AUTOLYTIQ_AI_BASE_URL=server.url,
        AUTOLYTIQ_AI_MODEL="fake-model",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    expected = json.loads(json.dumps(calc.quote_deal(DEAL), default=str))
    assert f"${expected['finance']['monthly_payment']}" in out["answer"]
    assert out["tool_calls"] == [{"name": "quote_deal", "arguments": DEAL, "result": expected}]
    assert isinstance(out["sources"], list) and all("id" in s for s in out["sources"])
    assert server.requests[0]["model"] == "fake-model"


def test_ask_without_a_provider_says_so_and_sends_nothing(tmp_path: Path) -> None:
    done = _run(["ask", "--demo", "Hello?"], tmp_path)
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["error"]["kind"] == "not_configured" and out["tool_calls"] == []


def test_ask_without_demo_on_a_device_no_one_signed_in_to_says_to_sign_in(
    server: FakeProvider, tmp_path: Path
) -> None:
    done = _run(
        ["ask", "Hello?"],
        tmp_path,
        AUTOLYTIQ_AI_BASE_URL=server.url,
        AUTOLYTIQ_SERVER_URL="http://127.0.0.1:9",
    )
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert error["kind"] == "not_signed_in"
    assert "sign in" in error["message"] and "--demo" in error["message"]
    assert "sign in" in done.stderr and "Traceback" not in done.stderr
    assert server.requests == []

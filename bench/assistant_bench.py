"""Assistant speed: its own overhead per turn (everything but the model's time) and retrieval latency.

    .venv/bin/python bench/assistant_bench.py [--turns 30]

Targets: overhead < 50 ms per turn, retrieval < 10 ms per query. A turn runs against a scripted
OpenAI-compatible server on loopback that answers at once, through the real openai SDK. The model's
time is measured by the turn runner: from the moment the HTTP request leaves (an httpx hook, so the SDK's
request building counts as ours) until the response starts, plus the waits for each streamed chunk (which
include the SDK's parsing of the chunk). Everything else is ours: guardrails, context, retrieval,
redaction, tool runs (a real calc quote), history, cache and accounting writes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

# A throwaway data dir and no OS keyring, set before the app reads them.
os.environ.setdefault("AUTOLYTIQ_DATA_DIR", tempfile.mkdtemp(prefix="autolytiq-bench-"))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
# The scripted server is the tests' own: import it from the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.assistant.knowledge import shared_knowledge
from app.assistant.ledger import Limits
from app.assistant.provider import ProviderConfig
from app.assistant.service import AssistantService
from app.runtime import open_demo
from tests.assistant.fake_provider import FakeProvider, Reply

QUESTIONS = [
    "How do I handle 'I need to think about it'?",
    "Why is the tax higher in Cook County?",
    "What's the payment at 72 months with 3k down?",
    "Which used SUVs under 25k have been on the lot over 60 days?",
    "Does the trade-in reduce sales tax in Texas?",
    "How are leases taxed in California?",
    "The customer says the payment is too high",
    "What does the doc fee cost in Florida and is it taxable?",
    "How does sync work when the network is down?",
    "Who can see the dealer's cost on a vehicle?",
]

DEAL = {
    "deal_type": "finance",
    "dealer_state": "TX",
    "customer": {"state": "TX", "zip": "78701"},
    "vehicle": {"price": "28995.00", "condition": "used"},
    "cash_down": "3000",
    "doc_fee": "150",
    "finance": {"apr": "0.069", "term_months": 72},
}


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(values) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms   (n={len(values)})"


def retrieval(rounds: int = 30) -> list[float]:
    kb = shared_knowledge()
    kb.search("warm up")
    timings = []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            kb.search(question)
            timings.append(time.perf_counter() - started)
    return timings


def turns(count: int, *, with_tool: bool, redact: bool) -> tuple[list[float], list[float], list[float]]:
    context = open_demo(Path(os.environ["AUTOLYTIQ_DATA_DIR"]) / f"bench-{with_tool}-{redact}")
    server = FakeProvider().start()
    try:
        limits = Limits(
            messages_per_hour=1_000_000,
            user_monthly_budget=Decimal("1000000"),
            dealership_monthly_budget=Decimal("1000000"),
        )
        provider = ProviderConfig(server.url, "bench-model", always_redact=redact)
        service = AssistantService(context.store, context.principal, provider, limits=limits)
        overhead, tools, totals = [], [], []
        for n in range(count + 1):
            if with_tool:
                server.script(
                    Reply(tool_calls=[("quote_deal", DEAL)]), Reply(text="The payment is shown above.")
                )
            else:
                server.script(Reply(text="Ask which part they want to think over."))
            # A different question every time: a cache hit would skip the work being measured.
            answer = service.ask(f"{QUESTIONS[n % len(QUESTIONS)]} (case {n})")
            assert answer.error is None, answer.error
            if n == 0:
                continue  # the first turn pays for imports and connection set-up
            overhead.append(answer.timings["overhead_s"])
            tools.append(answer.timings["tools_s"])
            totals.append(answer.timings["total_s"])
        return overhead, tools, totals
    finally:
        server.stop()
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=30)
    args = parser.parse_args()
    print("assistant benchmark (loopback OpenAI-compatible server, real openai SDK, demo dealership)")
    label = f"retrieval over {len(shared_knowledge().passages)} passages:"
    print(f"{label:50s}{_ms(retrieval())}   target < 10 ms")
    for with_tool, redact, label in (
        (False, False, "plain turn, local provider"),
        (False, True, "plain turn, redacted (remote)"),
        (True, True, "quote_deal tool turn, redacted"),
    ):
        overhead, tools, totals = turns(args.turns, with_tool=with_tool, redact=redact)
        print(f"overhead per turn, {label:31s} {_ms(overhead)}   target < 50 ms")
        if with_tool:
            print(f"  of which the calc quote tool:                    {_ms(tools)}")
        print(f"  wall time per turn incl. loopback model:         {_ms(totals)}")


if __name__ == "__main__":
    main()

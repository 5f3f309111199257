"""Benchmarks (timed only with --benchmark-enable): retrieval and the assistant's own time per turn."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from app.assistant.knowledge import shared_knowledge
from app.assistant.ledger import Limits
from tests.assistant.conftest import AssistantFactory
from tests.assistant.fake_provider import FakeProvider, Reply

UNLIMITED = Limits(
    messages_per_hour=1_000_000,
    user_monthly_budget=Decimal("1000000"),
    dealership_monthly_budget=Decimal("1000000"),
)


def test_retrieval_latency(benchmark: BenchmarkFixture) -> None:
    kb = shared_knowledge()
    hits = benchmark(kb.search, "How do I handle 'I need to think about it'?")
    assert hits[0].id == "objections.md#i-need-to-think-about-it"


def test_turn_with_a_quote_tool(
    benchmark: BenchmarkFixture, server: FakeProvider, make_assistant: AssistantFactory
) -> None:
    assistant = make_assistant(limits=UNLIMITED, always_redact=True)
    deal = {
        "deal_type": "finance",
        "customer": {"state": "TX"},
        "vehicle": {"price": "25000", "condition": "used"},
        "finance": {"apr": "0.07", "term_months": 60},
    }
    counter = itertools.count()

    def turn() -> dict[str, float]:
        server.script(Reply(tool_calls=[("quote_deal", deal)]), Reply(text="Quoted."))
        answer = assistant.ask(f"Quote number {next(counter)}?")
        assert answer.error is None and answer.tool_calls[0].ok
        return answer.timings

    timings = benchmark(turn)
    # The split the benchmark script reports: the model's share and ours add up to the turn.
    assert timings["model_s"] > 0 and timings["tools_s"] > 0
    assert timings["overhead_s"] + timings["model_s"] == pytest.approx(timings["total_s"])

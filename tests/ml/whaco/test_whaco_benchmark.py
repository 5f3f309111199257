"""pytest-benchmark figure for WHACO ``process`` (target < 200 µs per customer; no timing is asserted)."""

from __future__ import annotations

from itertools import cycle

from pytest_benchmark.fixture import BenchmarkFixture

from ml.whaco import SEGMENT_NAMES, Whaco, synthetic


def test_process_one_customer(benchmark: BenchmarkFixture) -> None:
    stream = synthetic.stream(3, 1500)
    engine = Whaco(seed=3)
    for customer in stream[:1000]:
        engine.process(customer.record)
    records = cycle(c.record for c in stream[1000:])
    result = benchmark(lambda: engine.process(next(records)))
    assert result.segment in SEGMENT_NAMES

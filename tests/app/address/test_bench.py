"""ZIP lookup and normalisation speed (figures with `--benchmark-enable`; CI runs each once)."""

from __future__ import annotations

from pytest_benchmark.fixture import BenchmarkFixture

from app.address import lookup_zip, normalize_address, preload


def test_zip_lookup(benchmark: BenchmarkFixture) -> None:
    preload()  # the one-time load is measured by bench/vin_address_bench.py
    assert benchmark(lookup_zip, "60601-1234", "IL").county == "COOK COUNTY"


def test_normalize_address(benchmark: BenchmarkFixture) -> None:
    preload()
    address = benchmark(normalize_address, "123 north main street", "apt #4", "austin", "texas", "78701-1234")
    assert address.line1 == "123 N MAIN ST"

"""Decode speed (figures with `pytest tests/app/vin/test_bench.py --benchmark-enable`; CI runs each once)."""

from __future__ import annotations

from pytest_benchmark.fixture import BenchmarkFixture

from app.vin import decode as decode_module
from app.vin import decode_vin, validate_vin, with_check_digit

# Distinct VINs from real prefixes so every call in a round reaches the vPIC snapshot.
PREFIXES = ["1HGCM826?3A", "KNDCE3LG?L5", "5FNYF5H5?HB", "JTDKN3DU?A0", "5YJ3E1EA?KF"]
VINS = [with_check_digit(f"{p}{n:06d}") for p in PREFIXES for n in range(4)]


def test_decode_uncached(benchmark: BenchmarkFixture) -> None:
    def decode_all() -> int:
        decode_module._decode.cache_clear()
        return sum(1 for v in VINS if decode_vin(v).source == "vpic")

    assert benchmark(decode_all) == len(VINS)


def test_decode_cached(benchmark: BenchmarkFixture) -> None:
    decode_vin(VINS[0])
    assert benchmark(decode_vin, VINS[0]).make == "Honda"


def test_validate(benchmark: BenchmarkFixture) -> None:
    assert benchmark(validate_vin, VINS[1]) == VINS[1]

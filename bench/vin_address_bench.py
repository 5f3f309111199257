"""Prints how long offline VIN decoding and ZIP/address work take on this machine.

Run: .venv/bin/python bench/vin_address_bench.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def _per_call_us(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples)


def main() -> None:
    start = time.perf_counter()
    import app.address as address
    import app.vin as vin
    from app.vin import decode as decode_module

    print(f"import app.vin + app.address: {(time.perf_counter() - start) * 1e3:.1f} ms")

    prefixes = ["1HGCM826?3A", "KNDCE3LG?L5", "5FNYF5H5?HB", "JTDKN3DU?A0", "5YJ3E1EA?KF"]
    vins = [vin.with_check_digit(f"{p}{n:06d}") for p in prefixes for n in range(40)]

    start = time.perf_counter()
    vin.decode_vin(vins[0])
    print(f"first VIN decode (opens vPIC snapshot): {(time.perf_counter() - start) * 1e3:.1f} ms")

    decode_module._decode.cache_clear()
    start = time.perf_counter()
    decoded = [vin.decode_vin(v) for v in vins]
    elapsed = time.perf_counter() - start
    print(
        f"VIN decode, uncached: {elapsed / len(vins) * 1e3:.2f} ms/VIN over {len(vins)} distinct VINs "
        f"({sum(d.source == 'vpic' for d in decoded)} matched vPIC)"
    )
    print(f"VIN decode, cached: {_per_call_us(lambda: vin.decode_vin(vins[0]), 2000):.1f} us")
    print(f"VIN validate: {_per_call_us(lambda: vin.validate_vin(vins[1]), 2000):.1f} us")

    start = time.perf_counter()
    address.lookup_zip("78701")
    print(f"first ZIP lookup (loads 42k ZIPs): {(time.perf_counter() - start) * 1e3:.0f} ms")
    lookup_us = _per_call_us(lambda: address.lookup_zip("60601-1234", "IL"), 2000)
    print(f"ZIP lookup after load: {lookup_us:.1f} us")
    normalize_us = _per_call_us(
        lambda: address.normalize_address("123 north main street", "apt #4", "austin", "texas", "78701"), 2000
    )
    print(f"normalize_address: {normalize_us:.1f} us")


if __name__ == "__main__":
    main()

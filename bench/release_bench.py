"""Install verification speed: what the start-up self-check of a signed build costs.

    .venv/bin/python bench/release_bench.py [--megabytes 280] [--files 300] [--build dist/autolytiq]

Every start of a frozen build hashes its whole folder (about 280 MB in ~300 files) against the signed
manifest, so this check is a fixed part of the < 2 s start-up target. By default the script times
verify_install on a synthetic tree of that size (after one warm-up pass, so the files are in the page
cache, as they are for an app that was just installed or recently run). With ``--build`` it times a real
build's folder instead; its manifest must be signed with the pinned key in the bundle.

``--interference`` measures what matters for start-up: the self-check hashes on one background thread
while the main thread imports the desktop, so the figure is how much longer those imports take with
the hashing running on one or four threads of the same process, or in a separate process, in fresh
processes, interleaved, fastest and median reported. (On this shared 2-core machine at load 5-6, one
thread and a separate process each added ~0.5 s, paired median: the cost is CPU, not the GIL.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.release import (
    MANIFEST_NAME,
    build_manifest,
    load_public_key,
    sign_manifest,
    verify_install,
    write_signed_manifest,
)


def synthetic_build(root: Path, megabytes: int, files: int) -> Ed25519PublicKey:
    """A tree shaped like a build: a few large libraries and many small files, signed with a new key."""
    total = megabytes * 1_000_000
    large = max(1, files // 30)
    sizes = [int(total * 0.8 / large)] * large + [int(total * 0.2 / (files - large))] * (files - large)
    for index, size in enumerate(sizes):
        path = root / "_internal" / f"part{index % 7}" / f"file{index}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
    key = Ed25519PrivateKey.generate()
    now = datetime.now(UTC)
    manifest = build_manifest(root, version="1.0.0", channel="bench", expires=now + timedelta(days=1))
    write_signed_manifest(root / MANIFEST_NAME, sign_manifest(manifest, key))
    return key.public_key()


def time_verify(root: Path, key: Ed25519PublicKey, runs: int) -> tuple[list[float], int, int]:
    report = verify_install(root, key)  # warm-up: page cache, as after install
    if not report.ok or report.manifest is None:
        raise SystemExit("\n".join(report.lines()))
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        verify_install(root, key)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, len(report.manifest.files), report.manifest.total_size


DESKTOP_MODULES = ("app.runtime", "ui.application", "ui.main_window")


def interference_child(root: Path, workers: int) -> None:
    """One fresh process: import the desktop while ``workers`` threads hash ``root`` (0: no hashing)."""
    import importlib
    import threading

    from app.release.manifest import hash_files, listing

    if workers < 0:  # a separate process does the hashing
        helper = subprocess.Popen([sys.executable, __file__, "--hash", str(root)])
        hashing = threading.Thread(target=helper.wait)
    else:
        hashing = threading.Thread(target=lambda: hash_files(listing(root), workers=workers))
    started = time.perf_counter()
    if workers:
        hashing.start()
    for name in DESKTOP_MODULES:
        importlib.import_module(name)
    imported = time.perf_counter()
    if workers:
        hashing.join()
    done = time.perf_counter()
    print(json.dumps({"imports_ms": (imported - started) * 1000, "total_ms": (done - started) * 1000}))


def interference(root: Path, runs: int) -> None:
    results: dict[int, list[dict[str, float]]] = {0: [], 1: [], 4: [], -1: []}
    for _ in range(runs):
        for workers in results:
            child = [sys.executable, __file__, "--child", str(root), str(workers)]
            out = subprocess.run(child, capture_output=True, text=True, check=True).stdout
            results[workers].append(json.loads(out.splitlines()[-1]))
    print(
        f"desktop imports while the build at {root} is hashed "
        f"({runs} runs each, load average {os.getloadavg()[0]:.2f}):"
    )
    for workers, rows in results.items():
        imports = [row["imports_ms"] for row in rows]
        totals = [row["total_ms"] for row in rows]
        labels = {0: "no hashing", 1: "1 hashing thread", 4: "4 hashing threads", -1: "hashing process"}
        label = labels[workers]
        print(
            f"  {label:18} imports fastest {min(imports):5.0f} median {statistics.median(imports):5.0f} ms; "
            f"imports and hashing done fastest {min(totals):5.0f} median {statistics.median(totals):5.0f} ms"
        )


def main() -> int:
    if sys.argv[1:2] == ["--hash"]:
        from app.release.manifest import hash_files, listing

        hash_files(listing(Path(sys.argv[2])), workers=1)
        return 0
    if sys.argv[1:2] == ["--child"]:
        interference_child(Path(sys.argv[2]), int(sys.argv[3]))
        return 0
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--megabytes", type=int, default=280)
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--build", type=Path, help="time a real build folder instead")
    parser.add_argument("--interference", action="store_true", help="time desktop imports while hashing")
    args = parser.parse_args()
    if args.interference:
        if args.build is None:
            raise SystemExit("--interference needs --build DIR (a real build folder to hash)")
        interference(args.build, args.runs)
        return 0
    if args.build:
        key = load_public_key(args.build / "_internal" / "resources" / "release" / "release-public-key.pem")
        timings, count, size = time_verify(args.build, key, args.runs)
    else:
        with tempfile.TemporaryDirectory(prefix="autolytiq-verify-bench-") as scratch:
            key = synthetic_build(Path(scratch), args.megabytes, args.files)
            timings, count, size = time_verify(Path(scratch), key, args.runs)
    median = statistics.median(timings)
    print(f"verify_install: {count} files, {size / 1e6:.0f} MB")
    print(f"  median {median:.0f} ms, min {min(timings):.0f} ms over {len(timings)} runs")
    print(f"  throughput {size / 1e6 / (median / 1000):.0f} MB/s on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the signed Autolytiq desktop: PyInstaller one-folder build, platform signing, signed manifest.

    .venv/bin/pip install -e '.[build]'
    .venv/bin/python installer/build.py --throwaway-key                 # development build
    .venv/bin/python installer/build.py --signing-key /secure/release.pem \\
        --public-key /secure/release-public-key.pem --channel stable    # release build

Steps: check that the signing key matches the public key to pin; run PyInstaller on
installer/autolytiq.spec (the pinned key goes into the bundle); Authenticode-sign Windows executables and
codesign macOS binaries where the tools and certificates exist (otherwise say why not); write
``autolytiq-manifest.json`` (SHA-256 and size of every file, version, channel, expiry, build metadata)
signed with Ed25519; verify the result; start the frozen app headless with ``--demo --self-test``;
print the build size and start-up time against their targets, then one JSON summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import UTC, datetime, timedelta
from importlib.metadata import version as package_version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import authenticode_sign  # noqa: E402
import macos_codesign  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from app.release import (  # noqa: E402
    MANIFEST_NAME,
    build_manifest,
    load_public_key,
    public_key_id,
    sign_manifest,
    verify_install,
    write_signed_manifest,
)
from app.release.errors import ReleaseError  # noqa: E402
from app.release.keys import PINNED_KEY_NAME, private_key_from_environment, public_key_pem  # noqa: E402
from app.release.self_check import TIMES_ENV as SELF_CHECK_TIMES_ENV  # noqa: E402

SPEC = REPO / "installer" / "autolytiq.spec"
APP_DIR_NAME = "autolytiq"
SIZE_TARGET_MB = 250.0
STARTUP_TARGET_MS = 2000.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build, sign and smoke-test the Autolytiq desktop")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument("--signing-key", type=Path, help="Ed25519 private key (PEM); else the environment")
    keys.add_argument(
        "--throwaway-key", action="store_true", help="sign with a new key and pin it into this build only"
    )
    parser.add_argument(
        "--public-key",
        type=Path,
        default=REPO / "resources" / "release" / PINNED_KEY_NAME,
        help="public key to pin into the build (default: the committed one)",
    )
    parser.add_argument("--channel", default="stable", help="release channel recorded in the manifest")
    parser.add_argument("--expires-days", type=int, default=90, help="how long the manifest is offered")
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="output directory")
    parser.add_argument("--work", type=Path, default=REPO / "build", help="PyInstaller work directory")
    parser.add_argument("--smoke-runs", type=int, default=3, help="timed frozen self-test runs (0: none)")
    parser.add_argument("--authenticode-pkcs12", type=Path)
    parser.add_argument("--authenticode-cert", type=Path)
    parser.add_argument("--authenticode-key", type=Path)
    parser.add_argument("--timestamp-url", help="RFC 3161 time-stamp server for Authenticode")
    parser.add_argument("--codesign-identity", default=os.environ.get(macos_codesign.IDENTITY_ENV))
    return parser.parse_args(argv)


def signing_keys(args: argparse.Namespace, scratch: Path) -> tuple[Ed25519PrivateKey, Path]:
    """The private key to sign with and the public key file to pin; they must belong together."""
    if args.throwaway_key:
        key = Ed25519PrivateKey.generate()
        pinned = scratch / PINNED_KEY_NAME
        pinned.write_bytes(public_key_pem(key.public_key()))
        print(f"signing with a throwaway key {public_key_id(key.public_key())} (development build)")
        return key, pinned
    key = private_key_from_environment(args.signing_key)
    pinned_key = load_public_key(args.public_key)
    if public_key_id(key.public_key()) != public_key_id(pinned_key):
        raise ReleaseError(
            "signing key",
            f"belongs to public key {public_key_id(key.public_key())}, but the key to pin "
            f"({args.public_key}) is {public_key_id(pinned_key)}; the build would refuse to start",
        )
    return key, args.public_key


def run_pyinstaller(pinned: Path, dist: Path, work: Path) -> Path:
    env = {**os.environ, "AUTOLYTIQ_PINNED_PUBLIC_KEY": str(pinned)}
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "pyinstaller.log"
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    command += ["--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    with log_path.open("w", encoding="utf-8") as log:
        result = subprocess.run(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        tail = log_path.read_text(encoding="utf-8").splitlines()[-30:]
        raise SystemExit("PyInstaller failed:\n" + "\n".join(tail) + f"\n(full log: {log_path})")
    return dist / APP_DIR_NAME


def git_commit() -> str:
    """The source commit, marked ``-dirty`` when the build included uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}-dirty" if changes else head


def build_metadata() -> dict[str, str]:
    return {
        "commit": git_commit(),
        "python": platform.python_version(),
        "platform": sysconfig.get_platform(),
        "pyinstaller": package_version("pyinstaller"),
        "pyside6": package_version("pyside6-essentials"),
    }


def executable(root: Path) -> Path:
    """The executable that prints to the console: on Windows the spec's console twin."""
    return root / (f"{APP_DIR_NAME}-cli.exe" if sys.platform == "win32" else APP_DIR_NAME)


def run_frozen(root: Path, *args: str, times: dict[str, float] | None = None) -> dict[str, object]:
    """Run the frozen app headless in a scratch data dir; return the JSON line it printed last.

    ``times``, when given, receives the start-up self-check's own figures (see app/release/self_check.py).
    """
    with tempfile.TemporaryDirectory(prefix="autolytiq-smoke-") as scratch:
        times_file = Path(scratch) / "self-check-times.json"
        env = {
            SELF_CHECK_TIMES_ENV: str(times_file),
            **os.environ,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "AUTOLYTIQ_DATA_DIR": scratch,
            # The builder's own config must not change what the smoke test sees.
            "AUTOLYTIQ_SYSTEM_CONFIG": str(Path(scratch) / "no-system.toml"),
            "AUTOLYTIQ_USER_CONFIG": str(Path(scratch) / "no-user.toml"),
        }
        result = subprocess.run(
            [str(executable(root)), *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        if times is not None and times_file.is_file():
            times.update(json.loads(times_file.read_text(encoding="utf-8")))
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise SystemExit(
            f"frozen `autolytiq {' '.join(args)}` failed (exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    parsed: dict[str, object] = json.loads(lines[-1])
    return parsed


def check_imports(root: Path) -> None:
    """Every bundled module of ours imports in the frozen app, also engines the self-test never opens."""
    imported = run_frozen(root, "--check-imports")
    print(f"frozen imports: {imported['modules']} modules of ours load")


def startup_times(root: Path, runs: int) -> tuple[list[float], list[dict[str, float]]]:
    """The app's own self-test: ms from process start to a painted window that takes input, and the
    file check's figures for each run."""
    timings, checks = [], []
    for _ in range(runs):
        check: dict[str, float] = {}
        timings.append(float(str(run_frozen(root, "--demo", "--self-test", times=check)["startup_ms"])))
        checks.append(check)
    return timings, checks


def size_breakdown(root: Path, top: int = 20) -> list[tuple[str, int]]:
    """The largest files of the build, biggest first."""
    files = [
        (p.relative_to(root).as_posix(), p.stat().st_size)
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink()  # PyInstaller links some libraries into _internal/
    ]
    return sorted(files, key=lambda f: -f[1])[:top]


def print_size_breakdown(root: Path) -> list[tuple[str, float]]:
    largest = [(path, round(size / 1_000_000, 1)) for path, size in size_breakdown(root)]
    print("largest files (MB):")
    for path, size_mb in largest:
        print(f"  {size_mb:6.1f}  {path}")
    return largest


def verify_time_ms(root: Path) -> float:
    """How long the frozen app's own file check takes, the part of every start this build adds."""
    started = time.perf_counter()
    result = subprocess.run([str(executable(root)), "verify"], capture_output=True, timeout=120, check=False)
    if result.returncode != 0:
        raise SystemExit(f"frozen `autolytiq verify` failed:\n{result.stdout.decode(errors='replace')}")
    return (time.perf_counter() - started) * 1000


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:  # not on Windows
        return "n/a"


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="autolytiq-build-") as scratch:
        try:
            private_key, pinned = signing_keys(args, Path(scratch))
        except ReleaseError as exc:
            print(f"build.py: {exc}", file=sys.stderr)
            return 2
        root = run_pyinstaller(pinned, args.dist.resolve(), args.work.resolve())
    built_s = time.perf_counter() - started
    print(f"PyInstaller: {root} in {built_s:.0f} s")

    certificate = authenticode_sign.Certificate(
        args.authenticode_pkcs12,
        args.authenticode_cert,
        args.authenticode_key,
        os.environ.get(authenticode_sign.PASSWORD_ENV),
        args.timestamp_url,
    )
    print(authenticode_sign.sign_tree(root, certificate).describe())
    print(macos_codesign.sign_tree(root, args.codesign_identity).describe())

    version = package_version("autolytiq")
    now = datetime.now(UTC)
    manifest = build_manifest(
        root,
        version=version,
        channel=args.channel,
        expires=now + timedelta(days=args.expires_days),
        build=build_metadata(),
        created=now,
    )
    write_signed_manifest(root / MANIFEST_NAME, sign_manifest(manifest, private_key))
    report = verify_install(root, private_key.public_key())
    if not report.ok:
        print("\n".join(report.lines()), file=sys.stderr)
        return 1
    key_id = public_key_id(private_key.public_key())
    print(f"manifest: {len(manifest.files)} files, version {version}, channel {args.channel}, key {key_id}")

    size_mb = tree_size(root) / 1_000_000
    print(f"build size: {size_mb:.1f} MB (target < {SIZE_TARGET_MB:.0f} MB)")
    largest = print_size_breakdown(root)
    summary: dict[str, object] = {
        "root": str(root),
        "version": version,
        "files": len(manifest.files),
        "build_size_mb": round(size_mb, 1),
        "build_seconds": round(built_s, 1),
        "key_id": key_id,
        "largest_mb": largest,
    }
    check_imports(root)
    verify_ms = verify_time_ms(root)
    print(f"frozen `autolytiq verify` (the check every start runs): {verify_ms:.0f} ms")
    summary["verify_ms"] = round(verify_ms, 1)
    if args.smoke_runs > 0:
        timings, checks = startup_times(root, args.smoke_runs)
        median = statistics.median(timings)
        shown = ", ".join(f"{t:.0f}" for t in timings)
        print(
            f"frozen start-up: fastest {min(timings):.0f} ms, median {median:.0f} ms "
            f"over {len(timings)} runs ({shown}) (target < {STARTUP_TARGET_MS:.0f} ms; "
            f"load average {load_average()})"
        )
        summary |= {
            "startup_ms": round(median, 1),
            "startup_fastest_ms": min(timings),
            "startup_runs_ms": timings,
        }
        if all(checks):
            figures = {name: statistics.median(check[name] for check in checks) for name in checks[0]}
            listing, hashed = figures.get("listing_ms", 0), figures.get("hashing_done_ms", 0)
            print(
                f"  file check (median ms after it began): signature and sizes {listing:.0f}, every file "
                f"hashed {hashed:.0f}; start-up waited for it {figures.get('start_waited_ms', 0):.0f} ms"
            )
            summary["self_check_ms"] = figures
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Compile the calc engine with mypyc into ``.native/`` (see :mod:`calc.native`).

    .venv/bin/python scripts/build_native.py [--if-stale]

``--if-stale`` does nothing when the build already matches the sources (the setup runs it that way).
Without a C compiler or mypyc the engine simply stays plain Python; the exit status says whether a
build was wanted and failed (1) or is in place / not possible here (0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc import native  # noqa: E402 (needs the source root on the path)

_SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify

setup(
    name="autolytiq-calc-native",
    ext_modules=mypycify(sys.argv[1:], opt_level="3", group_name="autolytiq_calc", multi_file=True),
    script_args=["build_ext", "--inplace", "--parallel", "2"],
)
"""


def _compile(work: Path, sources: list[Path]) -> None:
    for path in native.PACKAGE_DIR.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        target = work / path.relative_to(native.SOURCE_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    (work / "setup_native.py").write_text(_SETUP, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "setup_native.py", *map(str, sources)],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise RuntimeError(f"mypyc build failed:\n{tail}")


def _stage(work: Path, sources: list[Path], staging: Path) -> None:
    suffix = native.EXTENSION_SUFFIX
    modules = []
    for source in sources:
        library = source.with_suffix(suffix)
        (staging / library).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(work / library, staging / library)
        # The hash of what was compiled: a source edited during the build leaves the build stale.
        digest = hashlib.sha256((work / source).read_bytes()).hexdigest()
        modules.append(
            {"module": native.module_name(source), "source": source.as_posix(), "sha256": digest,
             "library": library.as_posix()}
        )  # fmt: skip
    shared = {}
    for library in work.glob(f"*__mypyc{suffix}"):
        shutil.copy2(library, staging / library.name)
        shared[library.name.removesuffix(suffix)] = library.name
    if not shared:
        raise RuntimeError("mypyc build produced no shared library")
    manifest = {
        "format": native.MANIFEST_FORMAT,
        "python": sys.version,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "modules": modules,
        "shared": shared,
    }
    (staging / native.MANIFEST_NAME).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def build() -> None:
    sources = native.compiled_modules()
    build_dir = native.BUILD_DIR
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="calc-native-") as tmp:
        work = Path(tmp)
        _compile(work, sources)
        staging = Path(tempfile.mkdtemp(prefix=build_dir.name + ".", dir=build_dir.parent))
        try:
            _stage(work, sources, staging)
            # Swap whole directories: a process that has the old libraries loaded keeps them mapped.
            if build_dir.exists():
                retired = Path(tempfile.mkdtemp(prefix=build_dir.name + ".old.", dir=build_dir.parent))
                build_dir.rename(retired / "build")
                shutil.rmtree(retired, ignore_errors=True)
            staging.rename(build_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-stale", action="store_true", help="only build when the sources changed")
    args = parser.parse_args()
    current, _ = native.check_build()
    if args.if_stale and current.compiled:
        return 0
    try:
        import mypyc  # noqa: F401
    except ImportError:
        if not args.if_stale:  # the app-only setup has no mypyc: nothing to say on every start
            print("calc: mypyc is not installed; the engine runs as plain Python", file=sys.stderr)
        return 0
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        print("calc: no C compiler; the engine runs as plain Python", file=sys.stderr)
        return 0
    if args.if_stale:
        print(f"calc: compiling the engine with mypyc ({current.detail})", file=sys.stderr)
    started = time.perf_counter()
    try:
        build()
    except (RuntimeError, OSError) as error:
        print(f"calc: compiled build failed, the engine runs as plain Python: {error}", file=sys.stderr)
        return 1
    status, _ = native.check_build()
    print(f"calc: {status} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0 if status.compiled else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The compiled build of the calc engine: the same modules compiled to C by mypyc, used only when they
were built from exactly the sources in this tree.

``scripts/build_native.py`` compiles :data:`compiled_modules` into ``.native/<platform tag>/`` beside
the package, with a manifest of each source's hash. On import, :func:`install` reads the manifest and
hashes the sources again: if every hash matches, an import hook loads those modules from the build;
if any source differs (edited since the build), nothing compiled is loaded and the engine runs as
plain Python. It is all or nothing because compiled modules call each other directly: a compiled
``calc.quote`` would keep calling the compiled ``calc.fees`` even if ``calc/fees.py`` were newer.

Package ``__init__`` files stay Python, so :mod:`calc.rules` finds its data files beside the
sources, and so does this module and ``__main__`` (``python -m calc`` needs a code object).
``AUTOLYTIQ_CALC_PURE=1`` forces plain Python, to compare the two or to debug.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
EXTENSION_SUFFIX: str = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
BUILD_DIR = SOURCE_ROOT / ".native" / EXTENSION_SUFFIX.strip(".").removesuffix(".so").removesuffix(".pyd")
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
PURE_ENV = "AUTOLYTIQ_CALC_PURE"

# Kept as Python: packages (their __path__ must stay the source directory), the entry point, this module.
_NOT_COMPILED = frozenset({"__init__.py", "__main__.py", "native.py"})


def compiled_modules(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The source files the compiled build covers, sorted, relative to the source root."""
    return sorted(
        path.relative_to(package_dir.parent)
        for path in package_dir.rglob("*.py")
        if path.name not in _NOT_COMPILED and "__pycache__" not in path.parts
    )


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def module_name(source: Path) -> str:
    """``calc/tax/sale.py`` -> ``calc.tax.sale``."""
    return ".".join(source.with_suffix("").parts)


# Every `import calc` runs this module before anything else, so it imports only what it needs and
# leaves out importlib.abc, importlib.util and dataclasses (with what they import, a third of the
# engine's start-up).


class NativeStatus(NamedTuple):
    compiled: bool
    detail: str  # what was loaded, or why the engine runs as plain Python
    modules: int = 0

    def __str__(self) -> str:
        if self.compiled:
            return f"compiled (mypyc, {self.modules} modules)"
        return f"plain Python: {self.detail}"


class _BuildFinder:
    """Serves the compiled modules (and mypyc's shared library they load) from the build directory.

    A meta path finder needs only ``find_spec`` (importlib.abc.MetaPathFinder adds nothing to it)."""

    def __init__(self, locations: dict[str, Path]) -> None:
        self._locations = locations

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        location = self._locations.get(fullname)
        if location is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(location))
        # What importlib.util.spec_from_file_location makes of an extension module's file.
        spec = importlib.machinery.ModuleSpec(fullname, loader, origin=str(location))
        spec.has_location = True
        return spec


def check_build(
    build_dir: Path = BUILD_DIR, source_root: Path = SOURCE_ROOT
) -> tuple[NativeStatus, dict[str, Path]]:
    """Whether the build in ``build_dir`` matches the sources; with the module locations if it does."""
    try:
        manifest = json.loads((build_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return NativeStatus(False, "not built (scripts/build_native.py)"), {}
    except (OSError, ValueError) as error:
        return NativeStatus(False, f"unreadable build manifest ({error})"), {}
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("python") != sys.version:
        return NativeStatus(False, "built for another Python or build format; rebuild"), {}
    locations: dict[str, Path] = {}
    for entry in manifest.get("modules", []):
        source = source_root / entry["source"]
        try:
            current = source_hash(source)
        except OSError:
            return NativeStatus(False, f"{entry['source']} is gone since the build; rebuild"), {}
        if current != entry["sha256"]:
            return NativeStatus(False, f"{entry['source']} changed since the build; rebuild"), {}
        locations[entry["module"]] = build_dir / entry["library"]
    for name, library in manifest.get("shared", {}).items():
        locations[name] = build_dir / library
    missing = [str(path) for path in locations.values() if not path.is_file()]
    if missing or not locations:
        return NativeStatus(False, f"build incomplete ({', '.join(missing) or 'no modules'}); rebuild"), {}
    return NativeStatus(True, f"loaded from {build_dir}", len(manifest["modules"])), locations


_status = NativeStatus(False, "not checked yet")


def install() -> NativeStatus:
    """Put the compiled build first on the import path when it matches the sources (once)."""
    global _status
    if any(isinstance(finder, _BuildFinder) for finder in sys.meta_path):
        return _status
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        _status = NativeStatus(False, f"{PURE_ENV} is set")
        return _status
    _status, locations = check_build()
    if _status.compiled:
        sys.meta_path.insert(0, _BuildFinder(locations))
    return _status


def status() -> NativeStatus:
    """Which build of the engine this process runs."""
    return _status

"""Debug info is dropped only from the shared libraries that carry it, and they still load afterwards."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import debug_info
import pytest
import sqlalchemy

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("strip") is None,
    reason="ELF and binutils strip only",
)

SQLALCHEMY = Path(sqlalchemy.__file__).parent
CYTHON_MODULE = next(iter(sorted(SQLALCHEMY.glob("engine/_result_cy*.so"))), None)


def _without_debug_sections(tmp_path: Path) -> tuple[Path, Path]:
    assert CYTHON_MODULE is not None
    dest = f"sqlalchemy/engine/{CYTHON_MODULE.name}"
    [(_, stripped, kind)] = debug_info.without_debug_info([(dest, str(CYTHON_MODULE), "EXTENSION")], tmp_path)
    assert kind == "EXTENSION"
    return CYTHON_MODULE, Path(stripped)


@pytest.mark.skipif(
    CYTHON_MODULE is None or not debug_info.has_debug_info(CYTHON_MODULE),
    reason="this SQLAlchemy wheel ships its Cython modules without debug info",
)
def test_a_module_with_debug_info_is_replaced_by_a_smaller_copy_that_still_imports(tmp_path: Path) -> None:
    original, stripped = _without_debug_sections(tmp_path)
    assert stripped != original and stripped.is_relative_to(tmp_path)
    assert stripped.stat().st_size < original.stat().st_size / 2
    names = debug_info.section_names(stripped)
    assert ".dynsym" in names and ".symtab" in names  # symbols stay, for native tracebacks
    assert not debug_info.has_debug_info(stripped)
    assert debug_info.has_debug_info(original)  # the installed package is left as it was
    load = (
        "import importlib.util, sys\n"
        "import sqlalchemy  # the rest of the package, so the module's own imports find it loaded\n"
        "spec = importlib.util.spec_from_file_location('sqlalchemy.engine._result_cy', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted(name for name in vars(module) if not name.startswith('_'))[:3])\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", load, str(stripped)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() not in ("", "[]")


def test_libraries_without_debug_info_are_left_untouched(tmp_path: Path) -> None:
    # Wheel libraries patched by auditwheel break when rewritten by strip; they carry no debug sections.
    libs = sorted(Path(sys.modules["sqlalchemy"].__file__ or "").parents[1].glob("numpy.libs/*.so*"))
    plain = [lib for lib in libs if not debug_info.has_debug_info(lib)]
    assert plain, "numpy's bundled libraries were expected here"
    entries = [(f"numpy.libs/{lib.name}", str(lib), "BINARY") for lib in plain]
    assert debug_info.without_debug_info(entries, tmp_path) == entries
    assert not any(tmp_path.iterdir())


def test_files_that_are_not_elf_have_no_sections(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("\x7fELF but not really", encoding="utf-8")
    truncated = tmp_path / "truncated.so"
    truncated.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\0" * 10)
    assert debug_info.section_names(text) == [] and debug_info.section_names(truncated) == []
    assert debug_info.section_names(tmp_path / "missing.so") == []

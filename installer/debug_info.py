"""Drop DWARF debug info from the Linux shared libraries that carry it, and only from those.

A CPython built from source keeps its debug info (libpython 23 MB, lib-dynload 12 MB), and SQLAlchemy's
Cython modules ship with theirs (9 MB that strip to 1.3 MB). PyInstaller's own ``strip=True`` runs
``strip`` over every binary, which breaks libraries auditwheel patched into wheels (numpy's OpenBLAS:
"ELF load command address/offset not page-aligned"); those carry no debug sections, so reading the
section names first and stripping only files with ``.debug_*`` sections leaves them untouched. The
symbol tables stay (``--strip-debug``), so tracebacks through native code keep their names.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
TocEntry = tuple[str, str, str]  # PyInstaller's (destination, source, kind)


def section_names(path: Path) -> list[str]:
    """The section names of an ELF file, or [] for anything that is not a readable ELF file."""
    try:
        with path.open("rb") as handle:
            ident = handle.read(16)
            if len(ident) < 16 or ident[:4] != ELF_MAGIC or ident[4] not in (1, 2) or ident[5] not in (1, 2):
                return []
            wide, order = ident[4] == 2, "<" if ident[5] == 1 else ">"
            header = handle.read(48 if wide else 36)
            if wide:
                shoff, _, _, _, _, shentsize, shnum, shstrndx = struct.unpack(order + "QIHHHHHH", header[24:])
            else:
                shoff, _, _, _, _, shentsize, shnum, shstrndx = struct.unpack(order + "IIHHHHHH", header[16:])
            if not shoff or not shnum or shstrndx >= shnum:
                return []
            handle.seek(shoff)
            table = handle.read(shentsize * shnum)
            if len(table) < shentsize * shnum:
                return []
            layout = order + ("IIQQQQIIQQ" if wide else "IIIIIIIIII")

            def section(index: int) -> tuple[int, ...]:
                return struct.unpack_from(layout, table, index * shentsize)

            names_offset, names_size = section(shstrndx)[4:6]
            handle.seek(names_offset)
            names = handle.read(names_size)
            result = []
            for index in range(shnum):
                start = section(index)[0]
                end = names.find(b"\0", start)
                result.append(names[start : end if end >= 0 else None].decode("ascii", "replace"))
            return result
    except (OSError, struct.error):
        return []


def has_debug_info(path: Path) -> bool:
    return any(name.startswith((".debug_", ".zdebug_")) for name in section_names(path))


def without_debug_info(binaries: list[TocEntry], out_dir: Path, strip: str | None = None) -> list[TocEntry]:
    """``binaries`` with each file that has debug sections replaced by a copy stripped of them."""
    strip = strip or shutil.which("strip")
    if strip is None:
        return binaries
    result = []
    for dest, src, kind in binaries:
        source = Path(src)
        if has_debug_info(source):
            target = out_dir / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source.resolve(), target)
            subprocess.run([strip, "--strip-debug", str(target)], check=True)
            src = str(target)
        result.append((dest, src, kind))
    return result

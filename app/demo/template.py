"""The demo template: the generated demo store, made once and copied at every demo start.

Generating the demo takes about a second, so the result is kept in the cache dir (shared by every data
dir, so a scratch ``AUTOLYTIQ_DATA_DIR`` starts as fast as a used one) under a key of everything its
content depends on: the schema revision, the seed, the day (stock ages count from today) and the code
that wrote it. Processes that make the same template at once each build their own copy and publish it
with one atomic rename; the first wins and the others throw theirs away.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from dataclasses import asdict
from datetime import date
from pathlib import Path

from app.config import cache_dir
from app.demo.summary import DemoSummary
from app.store.migrate import HEAD_REVISION

_DATABASE, _SUMMARY = "template.sqlite3", "summary.json"
_BUILDING = ".building-"
# Other templates (another day, seed or code version) and builds left by a process that died are
# cleared once they are this old: never one that another process is copying or building right now.
_STALE_AFTER_S = 600


# Parts of the code base that never write the demo: their edits keep the template (a source checkout
# where several people work would otherwise rebuild it after nearly every save).
_NOT_DEMO = frozenset({"app/assistant", "app/release", "sync/client", "sync/server"})


def code_fingerprint() -> str:
    """Changes whenever the code that writes the demo may have: a source file of ``app`` or ``sync``
    (its size and modification time; ~2 ms for all), or the frozen executable."""
    digest = hashlib.blake2b(digest_size=8)
    top = Path(__file__).resolve().parents[2]
    for root in (top / "app", top / "sync"):
        for directory, subdirectories, files in os.walk(root):
            relative = Path(directory).relative_to(top).as_posix()
            subdirectories[:] = sorted(
                d for d in subdirectories if d != "__pycache__" and f"{relative}/{d}" not in _NOT_DEMO
            )
            for name in sorted(files):
                if name.endswith(".py"):
                    stat = os.stat(os.path.join(directory, name))
                    digest.update(f"{relative}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    if getattr(sys, "frozen", False):  # a frozen build has no sources: the build itself is the version
        stat = os.stat(sys.executable)
        digest.update(f"{sys.executable}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def template_key(seed: int, today: date) -> str:
    return f"demo-{HEAD_REVISION}-{seed}-{today.isoformat()}-{code_fingerprint()}"


def demo_template(
    seed: int, today: date | None = None, *, root: Path | None = None
) -> tuple[Path, DemoSummary]:
    """The template store for ``seed`` on ``today`` (made now if needed) and what it holds."""
    day = today or date.today()
    base = (root or cache_dir()) / "demo"
    final = base / template_key(seed, day)
    if not (final / _DATABASE).is_file() or not (final / _SUMMARY).is_file():
        _build(final, seed, day)
    summary = DemoSummary(**json.loads((final / _SUMMARY).read_text(encoding="utf-8")))
    return final / _DATABASE, summary


def _build(final: Path, seed: int, day: date) -> None:
    from app.demo.generator import build_demo  # only when a template must be made
    from app.store.database import open_store

    final.parent.mkdir(parents=True, exist_ok=True)
    building = final.parent / f"{final.name}{_BUILDING}{uuid.uuid4().hex[:12]}"
    building.mkdir()
    try:
        store = open_store(building / _DATABASE, "demo")
        try:
            summary = build_demo(store, seed=seed, today=day)
        finally:
            store.close()  # the last connection checkpoints the WAL into the file
        for leftover in building.glob(f"{_DATABASE}-*"):  # -wal / -shm, empty after the checkpoint
            leftover.unlink()
        (building / _SUMMARY).write_text(json.dumps(asdict(summary)), encoding="utf-8")
        try:
            building.rename(final)
        except OSError:
            if not (final / _SUMMARY).is_file():  # not another process's finished template: a real error
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    _clear_stale(final)


def _clear_stale(keep: Path) -> None:
    now = time.time()
    for entry in keep.parent.iterdir():
        if entry == keep or not entry.name.startswith("demo-"):
            continue
        try:
            if now - entry.stat().st_mtime < _STALE_AFTER_S:
                continue
        except OSError:
            continue  # removed by another process meanwhile
        shutil.rmtree(entry, ignore_errors=True)

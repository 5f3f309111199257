"""The start-up check of a frozen build: refuse to run a copy that does not match its signed manifest.

Only frozen builds check themselves (``sys.frozen`` is set by PyInstaller); a source checkout has no
manifest. A frozen build without a manifest is refused too, since deleting the manifest must not be a
way around the check.

The check runs on a background thread while Python imports the app, in two steps:

1. the manifest's signature, then every file's name, link target and size (a stat per file, a few ms):
   a missing, added, truncated or grown file is known at once;
2. the SHA-256 of every file (~0.2 s of CPU for the whole build). One thread, each large file hashed
   from a memory map in one call: hashlib releases the GIL for the whole file, so the importing main
   thread is interrupted once per file rather than once per 256 KB chunk, and only one core is taken.

Nothing is skipped or cached: every byte is hashed on every start. The caller waits for the verdict
(``refusal``) before it opens data, starts a command or shows a window; by then the hashing has
normally finished. The check is against corruption, incomplete copies and added or altered files; it
is no defence against someone who can rewrite the executable itself (see docs/admin-guide.md,
section 4).

``AUTOLYTIQ_SELF_CHECK_TIMES=<file>`` makes the check write how long each step took and how long the
start waited for it (JSON), for the build script's start-up figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.release.verify import VerifyReport

TIMES_ENV = "AUTOLYTIQ_SELF_CHECK_TIMES"


def running_build_root() -> Path | None:
    """The install directory of the running frozen build, or None when running from source."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(sys.executable).resolve().parent


def _refusal_text(report: VerifyReport) -> str | None:
    if report.ok:
        return None
    return "\n".join(
        [
            "Autolytiq will not start: this installation has been altered or is incomplete.",
            *report.lines(limit=10),
            "Reinstall Autolytiq from your IT department's signed package, or ask IT to run "
            "`autolytiq verify` on this computer.",
        ]
    )


def _error_report(root: Path, error: str) -> VerifyReport:
    from app.release.verify import VerifyReport

    return VerifyReport(root, "?", errors=(error,))


class SelfCheck:
    """The start-up check running in the background; ``refusal`` waits for its verdict."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._refusal: str | None = None
        self._times: dict[str, float] = {}
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="autolytiq-self-check", daemon=True)
        self._thread.start()

    def _lap(self, name: str) -> None:
        self._times[name] = round((time.perf_counter() - self._started) * 1000, 1)

    def _run(self) -> None:
        try:
            self._refusal = self._check()
        except Exception as exc:  # fail closed: an unexpected error must not let an unchecked build run
            self._refusal = f"Autolytiq will not start: the installation check failed ({exc!r})."

    def _check(self) -> str | None:
        # Loaded only in a frozen build: a run from source skips the check and these imports.
        from app.release.errors import ReleaseError
        from app.release.keys import pinned_public_key, pinned_public_key_path
        from app.release.verify import verify_contents, verify_listing

        try:
            key = pinned_public_key()
        except ReleaseError as exc:
            return _refusal_text(
                _error_report(self.root, f"pinned public key {pinned_public_key_path()}: {exc}")
            )
        listed, to_hash = verify_listing(self.root, key)
        self._lap("listing_ms")
        if not listed.ok:
            return _refusal_text(listed)
        report = verify_contents(listed, to_hash, workers=1)
        self._lap("hashing_done_ms")
        return _refusal_text(report)

    def refusal(self) -> str | None:
        """The message to show instead of starting, or None when the app may start."""
        waited = time.perf_counter()
        self._thread.join()
        self._times["start_waited_ms"] = round((time.perf_counter() - waited) * 1000, 1)
        self._record_times()
        return self._refusal

    def _record_times(self) -> None:
        target = os.environ.get(TIMES_ENV)
        if not target:
            return
        # Figures for the build script only: never a reason not to start.
        with contextlib.suppress(OSError):
            Path(target).write_text(json.dumps(self._times), encoding="utf-8")


def start_self_check() -> SelfCheck | None:
    """Begin checking the running build, or None when running from source (nothing to check)."""
    root = running_build_root()
    return SelfCheck(root) if root is not None else None


def startup_refusal() -> str | None:
    """Check now and wait: the message to show instead of starting, or None when the app may start."""
    check = start_self_check()
    return check.refusal() if check is not None else None

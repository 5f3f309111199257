"""The start-up check of a frozen build: refuse to run a copy that does not match its signed manifest.

Only frozen builds check themselves (``sys.frozen`` is set by PyInstaller); a source checkout has no
manifest. A frozen build without a manifest is refused too, since deleting the manifest must not be a
way around the check.

Hashing the whole build (~280 MB) takes a few hundred ms of CPU. ``start_self_check`` runs it on a
background thread while Python imports the app (hashlib releases the GIL, so it uses the other core),
and the caller waits for the verdict before it opens data, starts a command or shows a window. The
check is against corruption, incomplete copies and added or altered files; it is no defence against
someone who can rewrite the executable itself (see docs/admin-guide.md, section 4).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.release.verify import VerifyReport


def running_build_root() -> Path | None:
    """The install directory of the running frozen build, or None when running from source."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(sys.executable).resolve().parent


def verify_running_build() -> VerifyReport | None:
    root = running_build_root()
    if root is None:
        return None
    # Loaded only in a frozen build: a run from source skips the check and these imports.
    from app.release.errors import ReleaseError
    from app.release.keys import pinned_public_key, pinned_public_key_path
    from app.release.verify import VerifyReport, verify_install

    try:
        key = pinned_public_key()
    except ReleaseError as exc:
        return VerifyReport(root, "?", errors=(f"pinned public key {pinned_public_key_path()}: {exc}",))
    return verify_install(root, key)


def startup_refusal() -> str | None:
    """The message to show instead of starting, or None when the app may start."""
    report = verify_running_build()
    if report is None or report.ok:
        return None
    return "\n".join(
        [
            "Autolytiq will not start: this installation has been altered or is incomplete.",
            *report.lines(limit=10),
            "Reinstall Autolytiq from your IT department's signed package, or ask IT to run "
            "`autolytiq verify` on this computer.",
        ]
    )


class SelfCheck:
    """The start-up check running in the background; ``refusal`` waits for it."""

    def __init__(self) -> None:
        self._refusal: str | None = None
        self._thread = threading.Thread(target=self._run, name="autolytiq-self-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._refusal = startup_refusal()
        except Exception as exc:  # fail closed: an unexpected error must not let an unchecked build run
            self._refusal = f"Autolytiq will not start: the installation check failed ({exc!r})."

    def refusal(self) -> str | None:
        self._thread.join()
        return self._refusal


def start_self_check() -> SelfCheck | None:
    """Begin checking the running build, or None when running from source (nothing to check)."""
    return SelfCheck() if running_build_root() is not None else None

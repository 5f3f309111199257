"""The window-less release commands behind ``autolytiq verify`` and ``autolytiq check-update``.

Exit codes: 0 passed (or: update offered / up to date), 1 verification failed or update refused,
2 bad usage, 3 the update channel could not be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.release.configured_update import check_configured_update
from app.release.errors import ReleaseError
from app.release.keys import load_public_key, pinned_public_key
from app.release.self_check import running_build_root
from app.release.update import UpdateStatus
from app.release.verify import verify_install


def _public_key(path: Path | None) -> Ed25519PublicKey:
    return load_public_key(path) if path is not None else pinned_public_key()


def run_verify(path: Path | None, public_key: Path | None, *, as_json: bool) -> int:
    root = path if path is not None else running_build_root()
    if root is None:
        print(
            "autolytiq verify: not running from an installed build; give the install directory, "
            "e.g. `autolytiq verify /opt/autolytiq`",
            file=sys.stderr,
        )
        return 2
    try:
        key = _public_key(public_key)
    except ReleaseError as exc:
        print(f"autolytiq verify: {exc}", file=sys.stderr)
        return 2
    report = verify_install(root, key)
    if as_json:
        print(json.dumps(report.to_json()))
    else:
        print("\n".join(report.lines()))
    return 0 if report.ok else 1


def run_check_update(
    channel: str | None, current_version: str, public_key: Path | None, *, as_json: bool
) -> int:
    try:
        key = _public_key(public_key)
    except ReleaseError as exc:
        print(f"autolytiq check-update: {exc}", file=sys.stderr)
        return 2
    check = check_configured_update(current_version, channel=channel, public_key=key)
    if check is None:
        print("autolytiq check-update: no update_channel configured", file=sys.stderr)
        return 2
    if as_json:
        print(
            json.dumps(
                {
                    "status": str(check.status),
                    "reason": check.reason,
                    "source": check.source,
                    "current_version": check.current_version,
                    "offered_version": check.offered_version,
                }
            )
        )
    else:
        print(f"{check.status}: {check.reason} ({check.source})")
    return {UpdateStatus.REFUSED: 1, UpdateStatus.UNAVAILABLE: 3}.get(check.status, 0)

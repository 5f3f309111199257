"""``codesign`` for a macOS build: every Mach-O file, hardened runtime, secure timestamp.

Only possible on macOS with an Apple Developer ID certificate in the keychain; anywhere else the step
is skipped with a message. Libraries are signed before the executable that loads them, and all of it
before the manifest is written (signing changes the files). Notarisation (``xcrun notarytool submit
--wait``, then ``xcrun stapler staple``) needs Apple's service and a packaged .app/.pkg; see
docs/admin-guide.md.

Usable on its own: ``python installer/macos_codesign.py DIST_DIR --identity "Developer ID Application: ..."``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from signing_outcome import SigningOutcome

STEP = "macOS codesign"
IDENTITY_ENV = "AUTOLYTIQ_CODESIGN_IDENTITY"
ENTITLEMENTS = Path(__file__).with_name("entitlements.plist")
# 32/64-bit Mach-O in both byte orders, and universal ("fat") binaries.
_MACHO_MAGIC = {
    bytes.fromhex(m) for m in ("feedface", "cefaedfe", "feedfacf", "cffaedfe", "cafebabe", "bebafeca")
}


def macho_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) in _MACHO_MAGIC:
                    found.append(path)
    return found


def unavailable_reason(identity: str | None) -> str | None:
    if sys.platform != "darwin":
        return f"codesign exists only on macOS (this is {sys.platform})"
    if shutil.which("codesign") is None:
        return "codesign not found (install the Xcode command line tools)"
    if not identity:
        return f"no signing identity given (--codesign-identity or {IDENTITY_ENV})"
    return None


def sign_tree(root: Path, identity: str | None, *, timestamp: bool = True) -> SigningOutcome:
    reason = unavailable_reason(identity)
    if reason is not None:
        return SigningOutcome(STEP, skipped=reason)
    assert identity is not None
    targets = macho_files(root)
    # Deepest first, so each library is signed before anything that depends on it is sealed.
    targets.sort(key=lambda path: len(path.relative_to(root).parts), reverse=True)
    for path in targets:
        command = ["codesign", "--force", "--sign", identity, "--options", "runtime"]
        command += ["--entitlements", str(ENTITLEMENTS)]
        command += ["--timestamp"] if timestamp else ["--timestamp=none"]
        result = subprocess.run([*command, str(path)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"codesign could not sign {path}: {result.stderr.strip()}")
    return SigningOutcome(STEP, signed=targets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="codesign every Mach-O file of a macOS build")
    parser.add_argument("root", type=Path)
    parser.add_argument("--identity", default=os.environ.get(IDENTITY_ENV))
    parser.add_argument("--no-timestamp", action="store_true", help="for offline test signing only")
    args = parser.parse_args(argv)
    print(sign_tree(args.root, args.identity, timestamp=not args.no_timestamp).describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
